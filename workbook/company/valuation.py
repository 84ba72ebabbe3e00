"""The company's valuation computed from its data file: the report cases (the source DCF's scenarios
from revenue x FCF margin, its live target and rating; the source's P/S multiple) and the house view from
the driver model (``workbook.company.house``: every scenario from its own forecast statements, the
probability-weighted target, one rating on the house scale). Used by ``kc value``; the workbook computes
the same figures in its cells, and the tests hold the two together."""

from __future__ import annotations

from dataclasses import dataclass

import kcfuncs
from workbook.company import STATEMENTS
from workbook.company.house import house_view


@dataclass(frozen=True)
class ScenarioValue:
    name: str
    wacc: float
    terminal_growth: float
    revenue: list[float]
    fcf: list[float]
    result: kcfuncs.DCFResult
    per_ads_usd: float
    printed_value: float | None


def bridge_inputs(data: dict) -> dict:
    v = data["valuation"]
    return {"net_debt": v["net_debt"], "shares": v["shares"], "fx": v["fx"]}


def usd_per_cny(data: dict) -> float:
    return 1.0 / data["valuation"]["ads_fx"]


def value_scenario(data: dict, case: dict) -> ScenarioValue:
    v = data["valuation"]
    revenue = kcfuncs.revenue_path(case["base_revenue_m"], case["growth"])
    fcf = kcfuncs.fcf_path(revenue, case["fcf_margin"])
    result = kcfuncs.dcf_valuation(fcf, case["wacc"], case["terminal_growth"], convention=v.get("convention", "end"),
                                   ads_ratio=v.get("ads_ratio", 1.0), **bridge_inputs(data))
    per_ads_usd = kcfuncs.equity_bridge(result.ev, v["net_debt"], v["shares"], usd_per_cny(data),
                                        ads_ratio=v.get("ads_ratio", 1.0)).per_ads
    return ScenarioValue(case["name"], case["wacc"], case["terminal_growth"], revenue.tolist(), fcf.tolist(), result,
                         per_ads_usd, case.get("printed_value_hkd"))


def multiple_target(data: dict) -> dict:
    m = data["valuation"]["multiple"]
    metric = next(line for s in STATEMENTS for line in data[s] if line["key"] == m["metric_key"])
    year_index = data["statements"]["years"].index(m["metric_year"])
    revenue = float(metric["values"][year_index])
    target = kcfuncs.multiple_target(m["multiple"], revenue, m["count"], 1.0 / m["ads_fx"])
    return {"multiple": m["multiple"], "metric": revenue, "metric_year": m["metric_year"], "count": m["count"],
            "ads_fx": m["ads_fx"], "target": target, "price": m["price"],
            "upside": kcfuncs.upside(target, m["price"]),
            "rating": kcfuncs.rating(target, m["price"], m["rating_scale"]),
            "rating_zh": kcfuncs.rating(target, m["price"], m["rating_scale"], "zh"),
            "printed_target": m.get("printed_target")}


def valuation_summary(data: dict) -> dict:
    v = data["valuation"]
    cases = [value_scenario(data, case) for case in data["scenarios"]]
    live = next(c for c in cases if c.name == v["live_scenario"])
    target = live.result.per_share
    weights = [case.get("probability") for case in data["scenarios"]]
    weighted = (kcfuncs.weighted_value([c.result.per_share for c in cases], weights)
                if all(w is not None for w in weights) else None)
    return {
        "company": data["company"]["name_en"],
        "scenarios": cases,
        "live": live,
        "target": target,
        "price": v["price"],
        "upside": kcfuncs.upside(target, v["price"]),
        "rating": kcfuncs.rating(target, v["price"], v["rating_scale"]),
        "rating_zh": kcfuncs.rating(target, v["price"], v["rating_scale"], "zh"),
        "weighted": weighted,
        "multiple": multiple_target(data) if "multiple" in v else None,
        "house": house_view(data),
    }


def balance_gaps(house: dict) -> dict[str, dict[str, float]]:
    """Total assets - total liabilities and equity, per scenario and model year."""
    p = house["plan"]
    out = {}
    for case in house["cases"]:
        gap = case.run.role("total_assets") - case.run.role("total_liabilities_and_equity")
        out[case.name] = dict(zip(p.years, gap.tolist()))
    return out
