"""The driver model in Python (workbook.company.forecast / house), against identities and independent
arithmetic: the balance sheet balances, the FCFF reconciles to the cash flow, the fade rule, the dated
DCF against pyxirr's XNPV, the WACC against a hand computation."""

import copy
import datetime as dt

import numpy as np
import pytest
import pyxirr

import kcfuncs
from workbook.company import load_company
from workbook.company.forecast import driver_path, evaluate, parse, plan, run, to_excel
from workbook.company.house import house_view, serial, timing
from workbook.errors import BookError

from tests.conftest import EXAMPLE_DATA

COMPANIES = {"kc": None, "example": EXAMPLE_DATA}


@pytest.fixture(scope="module", params=list(COMPANIES))
def company(request):
    return load_company(COMPANIES[request.param])


def test_every_scenario_balances_in_every_year(company):
    p = plan(company)
    for scenario in p.scenarios:
        r = run(p, scenario)
        gap = r.role("total_assets") - r.role("total_liabilities_and_equity")
        assert np.abs(gap).max() <= 1e-6, (scenario, dict(zip(p.years, gap)))
        # and the statements are linked: cash-flow net profit, ending cash, opening cash
        assert np.allclose(r.role("cf_net_profit")[len(p.history):], r.role("net_profit")[len(p.history):], atol=1e-9)
        assert np.allclose(r.role("cf_ending_cash")[len(p.history):], r.role("bs_cash")[len(p.history):], atol=1e-9)


def test_reported_years_are_the_printed_figures(company):
    p = plan(company)
    r = run(p, p.scenarios[0])
    for line in p.lines:
        if line.source is None:
            continue
        for k, year in enumerate(p.history):
            assert r.line(line.key)[k] == pytest.approx(line.source[k], abs=1e-9), (line.key, year)


def test_fcff_reconciles_to_the_cash_flow_statement(company):
    """FCFF = operating cash flow + after-tax interest - capex, in every forecast year (1e-6)."""
    h = house_view(company)
    p = h["plan"]
    n = len(p.history)
    for case in h["cases"]:
        r = case.run
        t = r.drivers[p.roles["tax_rate"]]
        from_cf = r.role("operating_cash_flow")[n:] - r.role("net_interest")[n:] * (1 - t) + r.role("capex")[n:]
        np.testing.assert_allclose(case.fcff, from_cf, rtol=0, atol=1e-6)


def test_fade_rule_reaches_the_steady_state_before_the_final_year():
    assert driver_path([0.1, 0.2, 0.05], 6) == pytest.approx([0.1, 0.2, 0.15, 0.1, 0.05, 0.05])
    assert driver_path([0.3], 4) == [0.3] * 4
    assert driver_path([1, 2, 3, 4], 4) == [1, 2, 3, 4]
    assert driver_path([1, 2, 9], 4) == [1, 2, 9, 9]


def test_expressions_read_the_same_in_python_and_in_excel():
    tree = parse("-(a - a[-1]) * $g / 360 + MAX(b, -c[-1])", "x")
    values = {("a", 0): 5.0, ("a", 1): 2.0, ("b", 0): -1.0, ("c", 1): 4.0}
    assert evaluate(tree, lambda k, lag: values[(k, lag)], lambda d: 36.0) == pytest.approx(-(5 - 2) * 36 / 360 - 1)
    text = to_excel(tree, lambda k, lag: f"{k.upper()}{2 - lag}", lambda d: "G")
    assert text == "-(A2-A1)*G/360+MAX(B2,-C1)"
    assert parse("hold", "ppe") == ("line", "ppe", 1)
    assert to_excel(parse("a - (b - c)", "x"), lambda k, lag: k, lambda d: d) == "a-(b-c)"


def test_bad_rules_are_refused_with_the_line_named():
    data = load_company()
    broken = copy.deepcopy(data)
    next(line for line in broken["income_statement"] if line["key"] == "revenue")["forecast"] = "revenue[-1] * $nope"
    with pytest.raises(BookError, match=r"income_statement.revenue.forecast uses unknown driver '\$nope'"):
        plan(broken)
    broken = copy.deepcopy(data)
    next(line for line in broken["income_statement"] if line["key"] == "revenue")["forecast"] = "gross_profit"
    with pytest.raises(BookError, match="refer to each other within a year"):
        plan(broken)
    broken = copy.deepcopy(data)
    del broken["forecast"]["roles"]["capex"]
    with pytest.raises(BookError, match="has no 'capex'"):
        plan(broken)


def test_source_rounding_is_a_visible_line_that_makes_the_totals_tie():
    data = load_company()
    p = plan(data)
    r = run(p, "base")
    gap = p.by_key["current_liabilities_total__source_gap"]
    assert gap.gaps == (0, -1)
    assert r.line(gap.key)[:2].tolist() == [0, -1]
    assert r.line("current_liabilities_total")[1] == 9159           # as printed, not 9,160
    assert r.line(gap.key)[2:].tolist() == [-1] * len(p.forecast)   # a stock: carried


def test_stub_and_dates_of_the_house_dcf():
    data = load_company()
    p = plan(data)
    t = timing(data, p)
    assert t.first == 0 and t.valuation_date == dt.date(2025, 9, 16)
    assert t.elapsed == pytest.approx(259 / 365)                     # 2024-12-31 to 2025-09-16
    h = house_view(data)
    base = next(c for c in h["cases"] if c.name == "base")
    assert base.flows[0] == pytest.approx(base.fcff[0] * 106 / 365)  # 2025-09-16 to 2025-12-31
    assert base.dates[0] == serial(dt.date(2025, 12, 31))


def test_house_dcf_against_xnpv_and_a_hand_wacc():
    """Independent of kcfuncs: XNPV of the flows plus the Gordon value at the final flow's date."""
    data = load_company()
    h = house_view(data)
    t = h["timing"]
    for case in h["cases"]:
        dates = [dt.date(1899, 12, 30) + dt.timedelta(days=int(d)) for d in case.dates]
        pv = pyxirr.xnpv(case.wacc, [t.valuation_date] + dates, [0.0] + case.flows.tolist())
        tv = case.flows[-1] * (1 + case.terminal_growth) / (case.wacc - case.terminal_growth)
        pv_tv = tv / (1 + case.wacc) ** ((dates[-1] - t.valuation_date).days / 365)
        assert case.result.ev == pytest.approx(pv + pv_tv, rel=1e-12)
        equity = case.result.ev - case.net_debt - case.minorities + case.non_operating
        assert case.result.per_share == pytest.approx(equity / 4099.28 * 1.10, rel=1e-12)
    base = next(c for c in h["cases"] if c.name == "base")
    debt = 2226 + 1661
    weight = debt / (debt + 8.30 * 4099.28 / 1.10)
    ke = 0.04 + 1.40 * 0.045 + 0.01
    assert base.debt_weight == pytest.approx(weight, rel=1e-12)
    assert base.wacc == pytest.approx((1 - weight) * ke + weight * 0.045 * (1 - 0.15), rel=1e-12)
    weights = [0.25, 0.5, 0.25]
    assert h["target"] == pytest.approx(sum(w * c.result.per_share for w, c in zip(weights, h["cases"])), rel=1e-12)
    assert h["rating"] == kcfuncs.rating(h["target"], 8.30, [(0.2, "Buy"), (-0.2, "Hold"), (-1.0, "Sell")])


def test_implied_hkd_per_usd_is_inside_the_peg_band():
    h = house_view(load_company())
    assert 7.75 <= h["hkd_per_usd"] <= 7.85


def test_every_forecast_driver_reaches_its_steady_state_and_growth_meets_the_terminal_rate(company):
    p = plan(company)
    cases = {c["name"]: c for c in company["house_cases"]}
    for scenario in p.scenarios:
        r = run(p, scenario)
        for key, path in r.drivers.items():
            assert path[-1] == pytest.approx(path[-2]), (scenario, key)  # the final year holds its steady state
        assert r.drivers[p.roles["revenue_growth"]][-1] == pytest.approx(cases[scenario]["terminal_growth"])


def test_house_cases_are_checked():
    data = load_company()
    broken = copy.deepcopy(data)
    broken["house_cases"][0]["probability"] = 0.3
    with pytest.raises(BookError, match="probabilities add up to 1.05"):
        house_view(broken)
    broken = copy.deepcopy(data)
    broken["house_cases"].reverse()
    with pytest.raises(BookError, match="house_cases must list the scenarios in order"):
        house_view(broken)
