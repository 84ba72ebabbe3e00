"""``kc value``: the company's valuation from its data file (default: the embedded KC data), as a
table or JSON."""

from __future__ import annotations

import json
import sys


SCENARIO_ORDER = {"bear": 0, "base": 1, "bull": 2}


def _percent(x: float) -> str:
    return f"{x:+.1%}"


def cmd_value(args) -> int:
    from workbook.company import load_company
    from workbook.company.valuation import valuation_summary

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
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"{summary['company']} ({data['company'].get('ticker_hk', '')} / {data['company'].get('ticker_us', '')})"
          f"  valuation date {v.get('valuation_date', '')}")
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
        print(f"multiple cross-check: P/S {m['multiple']}x FY{m['metric_year']} revenue {m['metric']:,.0f} / "
              f"{m['count']:g}m ADS / {m['ads_fx']} {model_ccy}/{ads} = {ads} {m['target']:.2f} per ADS vs "
              f"{ads} {m['price']:.2f}: upside {_percent(m['upside'])}, {m['rating']} / {m['rating_zh']}"
              + (f"  (report: {ads} {m['printed_target']:.2f})" if m.get("printed_target") else ""))
    return 0


def add_parser(verbs) -> None:
    value = verbs.add_parser("value", help="value the company of a data file (default: the embedded KC data)")
    value.add_argument("--data", help="company data file (TOML); default: the embedded Kingsoft Cloud data")
    value.add_argument("--json", action="store_true", help="print JSON for machines")
    value.set_defaults(run=cmd_value)
