"""The house view computed from the driver model (``workbook.company.forecast``), in Python.

Per scenario: FCFF = EBIT x (1 - t) + D&A - capex - increase in net working capital, from the
forecast statements; discounted *dated* from the valuation date (XNPV days / 365), each flow at its
period end (house timing ``end``) or the middle of its period (``mid``); the part of the year that
contains the valuation date counts as a stub (its share of the year's FCFF, or nothing with stub
``no``). Gordon terminal value on the final year's FCFF, standing at the final flow's date. Net debt,
minorities and non-operating assets are those of the balance sheet at the valuation date, interpolated
linearly between the balance sheets that bracket it (the last reported one and the stub year's
forecast one). WACC from its CAPM build-up (``kcfuncs.wacc``) with the debt weight at market values:
borrowings of the last reported balance sheet against the market capitalisation at the valuation-date
price. The house target is the probability-weighted value per share; one rating on the house scale.

The workbook lays the same arithmetic out in native formulas and KC_* cells; tests compare the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

import kcfuncs
from workbook.company.forecast import Plan, Run, plan, run
from workbook.errors import BookError

MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"), start=1)}
EXCEL_EPOCH = dt.date(1899, 12, 30)


def serial(day: dt.date) -> int:
    return (day - EXCEL_EPOCH).days


def year_of(label: str) -> int:
    digits = "".join(ch for ch in label if ch.isdigit())
    if len(digits) != 4:
        raise BookError(f"year label {label!r} must hold a four-digit year, e.g. 2025E")
    return int(digits)


def period_end(data: dict, label: str) -> dt.date:
    """The last day of fiscal year ``label`` (fiscal_year_end: a month name; December by default)."""
    month = MONTHS.get(str(data["company"].get("fiscal_year_end", "December")).strip().lower())
    if month is None:
        raise BookError(f"company.fiscal_year_end ({data['company'].get('fiscal_year_end')!r}) must be a month")
    year = year_of(label)
    first_of_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


@dataclass(frozen=True)
class Timing:
    """Which forecast years the DCF discounts and where: ``first`` = index (in plan.forecast) of the
    stub year, the first ending after the valuation date."""

    valuation_date: dt.date
    first: int
    ends: list[dt.date]          # period end of every forecast year
    starts: list[dt.date]        # period start (the previous period's end) of every forecast year
    elapsed: float               # share of the stub year gone by at the valuation date


def timing(data: dict, p: Plan) -> Timing:
    valuation_date = dt.date.fromisoformat(str(data["valuation"]["valuation_date"]))
    ends = [period_end(data, y) for y in p.forecast]
    starts = [period_end(data, p.history[-1])] + ends[:-1]
    first = next((k for k, end in enumerate(ends) if end > valuation_date), None)
    if first is None:
        raise BookError(f"the valuation date {valuation_date} is after the last forecast year {p.forecast[-1]}")
    if valuation_date < starts[first]:
        raise BookError(f"the valuation date {valuation_date} is before the first forecast year {p.forecast[0]}")
    days = (ends[first] - starts[first]).days
    return Timing(valuation_date, first, ends, starts, (valuation_date - starts[first]).days / days)


@dataclass(frozen=True)
class CaseValue:
    name: str
    run: Run
    fcff: np.ndarray              # per forecast year
    flows: np.ndarray             # per DCF year (stub first)
    dates: list[int]              # Excel serials of the DCF flows
    wacc: float
    wacc_built: float
    cost_of_equity: float
    debt_weight: float
    terminal_growth: float
    net_debt: float
    minorities: float
    non_operating: float
    result: kcfuncs.DCFResult
    per_ads: float
    probability: float


def _at_valuation_date(r: Run, role: str, t: Timing, p: Plan) -> float:
    k = len(p.history) + t.first
    series = r.combined(role)
    return series[k - 1] + t.elapsed * (series[k] - series[k - 1])


def market_cap(data: dict) -> float:
    v = data["valuation"]
    return v["price"] * v["shares"] / v["fx"]


def debt_weight(data: dict, p: Plan, r: Run) -> float:
    """Borrowings of the last reported balance sheet over borrowings plus the market capitalisation."""
    debt = r.combined("debt")[len(p.history) - 1]
    return debt / (debt + market_cap(data))


def value_case(data: dict, p: Plan, case: dict, t: Timing) -> CaseValue:
    house, v = data["house"], data["valuation"]
    r = run(p, case["name"])
    n_hist = len(p.history)
    tax = r.drivers[p.roles["tax_rate"]]
    ebit = r.role("ebit")[n_hist:]
    d_and_a = r.role("d_and_a")[n_hist:]
    capex = -r.role("capex")[n_hist:]
    nwc = r.combined("nwc")
    change_nwc = np.diff(nwc)[n_hist - 1:]
    fcff = kcfuncs.fcff(ebit, tax, d_and_a, capex, change_nwc)
    stub_share = (1.0 - t.elapsed) if house.get("stub", "yes") == "yes" else 0.0
    flows = fcff[t.first:].copy()
    flows[0] = flows[0] * stub_share
    mid = house.get("timing", "end") == "mid"
    dates = []
    for k in range(t.first, len(p.forecast)):
        start = t.valuation_date if k == t.first else t.starts[k]
        end = t.ends[k]
        dates.append((serial(start) + serial(end) + 1) // 2 if mid else serial(end))  # whole days, halves up
    weight = debt_weight(data, p, r)
    ke = kcfuncs.cost_of_equity(case["risk_free"], case["beta"], case["equity_risk_premium"],
                                case["country_premium"])
    built = kcfuncs.wacc(case["risk_free"], case["beta"], case["equity_risk_premium"], case["pre_tax_cost_of_debt"],
                         case["tax_rate"], weight, case["country_premium"])
    rate = case.get("wacc_override", built)
    net_debt = _at_valuation_date(r, "debt", t, p) - _at_valuation_date(r, "cash", t, p)
    minorities = _at_valuation_date(r, "minorities", t, p)
    non_operating = _at_valuation_date(r, "non_operating", t, p)
    result = kcfuncs.dcf_valuation(flows, rate, case["terminal_growth"], net_debt, v["shares"], v["fx"], "dated",
                                   dates=dates, valuation_date=serial(t.valuation_date), minorities=minorities,
                                   non_operating=non_operating, ads_ratio=v.get("ads_ratio", 1.0))
    per_ads = kcfuncs.equity_bridge(result.ev, net_debt, v["shares"], 1.0 / v["ads_fx"], minorities=minorities,
                                    non_operating=non_operating, ads_ratio=v.get("ads_ratio", 1.0)).per_ads
    return CaseValue(case["name"], r, fcff, flows, dates, rate, built, ke, weight, case["terminal_growth"], net_debt,
                     minorities, non_operating, result, per_ads, case["probability"])


HOUSE_CASE_NUMBERS = ("probability", "risk_free", "beta", "equity_risk_premium", "country_premium",
                      "pre_tax_cost_of_debt", "tax_rate", "terminal_growth")


def check_house(data: dict, p: Plan) -> None:
    """The house inputs: one case per scenario in order, numbers, probabilities adding up to 100%, options,
    a rating table."""
    path = data.get("_path", "")

    def fail(message):
        raise BookError(f"data file {path}: {message}")

    house, cases = data.get("house"), data.get("house_cases")
    if not isinstance(house, dict) or not isinstance(cases, list):
        fail("needs [house] and [[house_cases]] (the house valuation inputs per scenario)")
    if [c.get("name") for c in cases] != p.scenarios:
        fail(f"house_cases must list the scenarios in order ({', '.join(p.scenarios)})")
    for case in cases:
        for key in HOUSE_CASE_NUMBERS + (("wacc_override",) if "wacc_override" in case else ()):
            value = case.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                fail(f"house_cases.{case['name']}.{key} ({value!r}) must be a finite number")
    total = sum(c["probability"] for c in cases)
    if abs(total - 1.0) > 1e-9:
        fail(f"house_cases probabilities add up to {total:.4g}, not 1")
    if house.get("timing", "end") not in ("end", "mid"):
        fail("house.timing must be 'end' or 'mid'")
    if house.get("stub", "yes") not in ("yes", "no"):
        fail("house.stub must be 'yes' or 'no'")
    scale = house.get("rating_scale")
    if not scale or not all(isinstance(r, list) and len(r) == 3 and isinstance(r[1], str) for r in scale):
        fail("house.rating_scale must be rows of [minimum upside, label, 中文 label]")


def house_view(data: dict) -> dict:
    """Every scenario's house value, the probability-weighted target, its upside and rating."""
    p = plan(data)
    check_house(data, p)
    t = timing(data, p)
    cases = [value_case(data, p, case, t) for case in data["house_cases"]]
    v = data["valuation"]
    target = kcfuncs.weighted_value([c.result.per_share for c in cases], [c.probability for c in cases])
    scale = [(row[0], row[1]) for row in data["house"]["rating_scale"]]
    rating = kcfuncs.rating(target, v["price"], scale)
    zh = {row[1]: row[2] for row in data["house"]["rating_scale"]}[rating]
    live = next(c for c in cases if c.name == v["live_scenario"])
    ads_fx = v.get("ads_fx", 1.0)
    return {"plan": p, "timing": t, "cases": cases, "live": live, "target": target,
            "target_per_ads": target / v["fx"] * v.get("ads_ratio", 1.0) / ads_fx,
            "price": v["price"], "upside": kcfuncs.upside(target, v["price"]), "rating": rating, "rating_zh": zh,
            "hkd_per_usd": v["fx"] * ads_fx}
