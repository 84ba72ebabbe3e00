"""``kc value``: the company's valuation from its data file (default: the embedded KC data), as a
table or JSON: the report cases (the source DCF's scenarios and target; the source's P/S multiple), then
the house view from the driver model (every scenario, the probability-weighted target, its rating)."""

from __future__ import annotations

import json
import sys


SCENARIO_ORDER = {"bear": 0, "base": 1, "bull": 2}


def _percent(x: float) -> str:
    return f"{x:+.1%}"


PEG_BAND = (7.75, 7.85)


def _house_payload(house: dict, gaps: dict) -> dict:
    t = house["timing"]
    return {
        "valuation_date": t.valuation_date.isoformat(),
        "scenarios": [{"name": c.name, "probability": c.probability, "wacc": c.wacc, "wacc_built": c.wacc_built,
                       "cost_of_equity": c.cost_of_equity, "debt_weight": c.debt_weight,
                       "terminal_growth": c.terminal_growth, "fcff": c.fcff.tolist(), "flows": c.flows.tolist(),
                       "net_debt": c.net_debt, "minorities": c.minorities, "non_operating": c.non_operating,
                       **c.result.as_dict(), "per_share_hkd": c.result.per_share, "per_ads_usd": c.per_ads,
                       "balance_gap_max": max(abs(g) for g in gaps[c.name].values())}
                      for c in house["cases"]],
        "target_hkd": house["target"], "target_per_ads_usd": house["target_per_ads"], "upside": house["upside"],
        "rating": house["rating"], "rating_zh": house["rating_zh"], "hkd_per_usd": house["hkd_per_usd"],
        "live_scenario": house["live"].name,
    }


def cmd_value(args) -> int:
    from workbook.company import load_company
    from workbook.company.valuation import balance_gaps, valuation_summary

    data = load_company(args.data)
    summary = valuation_summary(data)
    v = data["valuation"]
    cases = sorted(summary["scenarios"], key=lambda c: SCENARIO_ORDER.get(c.name, 9))
    if args.json:
        payload = {
            "company": summary["company"],
            "valuation_date": v.get("valuation_date"),
            "scenarios": [{"name": c.name, "wacc": c.wacc, "terminal_growth": c.terminal_growth, "fcf": c.fcf,
                           **c.result.as_dict(), "per_share_hkd": c.result.per_share,
                           "per_ads_usd": c.per_ads_usd, "printed_value_hkd": c.printed_value} for c in cases],
            "live_scenario": summary["live"].name,
            "target_hkd": summary["target"], "price_hkd": summary["price"], "upside": summary["upside"],
            "rating": summary["rating"], "rating_zh": summary["rating_zh"],
            "weighted_value_hkd": summary["weighted"],
            "multiple_target": summary["multiple"],
            "house": _house_payload(summary["house"], balance_gaps(summary["house"])),
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"{summary['company']} ({data['company'].get('ticker_hk', '')} / {data['company'].get('ticker_us', '')})"
          f"  valuation date {v.get('valuation_date', '')}")
    report = data.get("report_dcf", {}).get("label", "report DCF")
    print(f"Report case '{report}' (revenue x FCF margin, the report's inputs):")
    model_ccy, quote, ads = (v.get("model_currency", "CNY"), v.get("quote_currency", "HKD"),
                             v.get("ads_currency", "USD"))
    print(f"DCF ({v.get('convention', 'end')} of period), {model_ccy} millions; per share in {quote} at {v['fx']} "
          f"{quote}/{model_ccy}; per ADS in {ads} at {v['ads_fx']} {model_ccy}/{ads} x {v.get('ads_ratio', 1):g} shares")
    header = (f"{'case':<9}{'WACC':>7}{'g':>6}{'EV':>10}{'TV share':>9}{quote + '/sh':>9}{ads + '/ADS':>9}"
              f"{'report':>9}")
    print(header)
    print("-" * len(header))
    for c in cases:
        printed = f"{c.printed_value:.2f}" if c.printed_value is not None else ""
        print(f"{c.name:<9}{c.wacc:>7.1%}{c.terminal_growth:>6.1%}{c.result.ev:>10,.0f}{c.result.tv_share:>9.1%}"
              f"{c.result.per_share:>9.2f}{c.per_ads_usd:>9.2f}{printed:>9}")
    if summary["weighted"] is not None:
        print(f"probability-weighted value: {quote} {summary['weighted']:.2f}")
    print(f"target (live case '{summary['live'].name}'): {quote} {summary['target']:.2f}  price {quote} "
          f"{summary['price']:.2f}  upside {_percent(summary['upside'])}  rating {summary['rating']} / "
          f"{summary['rating_zh']}" + (f"  (report: {quote} {v['printed_target']:.2f})" if v.get("printed_target") else ""))
    m = summary["multiple"]
    if m:
        print(f"Report case '{v['multiple'].get('label', 'seed 000 P/S')}':")
        print(f"multiple cross-check: P/S {m['multiple']}x FY{m['metric_year']} revenue {m['metric']:,.0f} / "
              f"{m['count']:g}m ADS / {m['ads_fx']} {model_ccy}/{ads} = {ads} {m['target']:.2f} per ADS vs "
              f"{ads} {m['price']:.2f}: upside {_percent(m['upside'])}, {m['rating']} / {m['rating_zh']}"
              + (f"  (report: {ads} {m['printed_target']:.2f})" if m.get("printed_target") else ""))
    _print_house(summary["house"], balance_gaps(summary["house"]), data, quote, ads, model_ccy)
    return 0


def _print_house(house: dict, gaps: dict, data: dict, quote: str, ads: str, model_ccy: str) -> None:
    t, v = house["timing"], data["valuation"]
    h = data["house"]
    print(f"House view (driver model; FCFF from the forecast statements, dated from {t.valuation_date}, "
          f"flows at period {h.get('timing', 'end')}s, stub {h.get('stub', 'yes')}):")
    header = (f"{'case':<9}{'prob':>6}{'WACC':>7}{'g':>6}{'EV':>10}{'net debt':>10}{quote + '/sh':>9}"
              f"{ads + '/ADS':>9}")
    print(header)
    print("-" * len(header))
    for c in house["cases"]:
        print(f"{c.name:<9}{c.probability:>6.0%}{c.wacc:>7.1%}{c.terminal_growth:>6.1%}{c.result.ev:>10,.0f}"
              f"{c.net_debt:>10,.0f}{c.result.per_share:>9.2f}{c.per_ads:>9.2f}")
    print(f"house target (probability-weighted): {quote} {house['target']:.2f} ({ads} {house['target_per_ads']:.2f} per "
          f"ADS at {v.get('ads_fx', 1)} {model_ccy}/{ads})  price {quote} {house['price']:.2f}  upside "
          f"{_percent(house['upside'])}  rating {house['rating']} / {house['rating_zh']} (house scale)")
    worst = max(abs(g) for case in gaps.values() for g in case.values())
    checks = [f"balance sheet balances in every year and scenario (largest gap {worst:.1e})"
              if worst <= 1e-6 else f"balance sheet does NOT balance (largest gap {worst:,.1f})"]
    if v.get("quote_currency", "HKD") == "HKD" and v.get("ads_currency", "USD") == "USD":
        inside = PEG_BAND[0] <= house["hkd_per_usd"] <= PEG_BAND[1]
        checks.append(f"implied HKD/USD {house['hkd_per_usd']:.3f} {'inside' if inside else 'OUTSIDE'} the "
                      f"{PEG_BAND[0]}-{PEG_BAND[1]} peg band")
    print("checks: " + "; ".join(checks))


def add_parser(verbs) -> None:
    value = verbs.add_parser("value", help="value the company of a data file (default: the embedded KC data)")
    value.add_argument("--data", help="company data file (TOML); default: the embedded Kingsoft Cloud data")
    value.add_argument("--json", action="store_true", help="print JSON for machines")
    value.set_defaults(run=cmd_value)
