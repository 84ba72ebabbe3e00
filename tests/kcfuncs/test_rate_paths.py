"""One WACC per period: cumulative discounting, the terminal rate, and the timing of the terminal value.

Oracles: products of per-period factors written out directly (not the core's run-by-run evaluation),
Excel's XNPV through pyxirr, and a brute-force sum of 20,000 terms of the perpetuity.
"""

import datetime as dt
import math

import pytest
import pyxirr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kcfuncs import KCInputError, dcf_valuation, present_value

CONVENTION_OPTIONS = {
    "end": {},
    "mid": {},
    "dated": {"dates": ["2025-12-31", "2026-12-31", "2027-12-31", "2028-12-31", "2029-12-31", "2030-12-31",
                        "2031-12-31", "2032-12-31"], "valuation_date": "2025-09-16"},
}


def options_for(convention, n):
    options = dict(CONVENTION_OPTIONS[convention])
    if "dates" in options:
        options["dates"] = options["dates"][:n]
    return options


def direct_factors(rates, convention, dates=None, valuation_date=None):
    """DF_i = prod_{k<i} (1 + r_k) ** -dt_k * (1 + r_i) ** -(time of flow i inside period i), term by term."""
    if convention == "dated":
        start = dt.date.fromisoformat(valuation_date)
        ends = [(dt.date.fromisoformat(d) - start).days / 365 for d in dates]
    else:
        ends = [float(k) for k in range(1, len(rates) + 1)]
    factors, at_start, previous_end = [], 1.0, 0.0
    for r, end in zip(rates, ends):
        inside = (end - previous_end) * (0.5 if convention == "mid" else 1.0)
        factors.append(at_start * (1 + r) ** -inside)
        at_start *= (1 + r) ** -(end - previous_end)
        previous_end = end
    return factors, at_start        # at_start is now DF(b_n), the end of the last period


rate_lists = st.lists(st.floats(-0.05, 0.4), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=8), st.floats(-0.5, 1.0),
       st.sampled_from(["end", "mid", "dated"]))
def test_a_constant_path_equals_the_scalar_rate(flows, r, convention):
    options = options_for(convention, len(flows))
    scalar = present_value(flows, r, convention, **options)
    path = present_value(flows, [r] * len(flows), convention, **options)
    assert path == pytest.approx(scalar, rel=1e-12, abs=1e-12 * sum(abs(f) for f in flows))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(1, 5000), min_size=1, max_size=8), st.floats(0.04, 0.3), st.floats(-0.02, 0.03),
       st.sampled_from(["end", "mid", "dated"]), st.sampled_from(["gordon", "value_driver", "exit"]))
def test_a_constant_path_equals_the_scalar_rate_in_every_valuation(flows, r, g, convention, method):
    assume(r - g > 0.005)
    options = options_for(convention, len(flows))
    options.update({"gordon": {}, "value_driver": {"nopat_next": 900.0, "ronic": 0.15},
                    "exit": {"exit_multiple": 9.0}}[method])
    scalar = dcf_valuation(flows, r, g, 10.0, 3.0, 1.1, convention, method=method, **options)
    path = dcf_valuation(flows, [r] * len(flows), g, 10.0, 3.0, 1.1, convention, method=method, **options)
    same_terminal = dcf_valuation(flows, [r] * len(flows), g, 10.0, 3.0, 1.1, convention, method=method,
                                  terminal_wacc=r, **options)
    for other in (path, same_terminal):
        for name in ("pv_explicit", "pv_terminal", "terminal_value", "ev", "per_share"):
            assert getattr(other, name) == pytest.approx(getattr(scalar, name), rel=1e-12), name


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(-0.05, 0.4)), min_size=1, max_size=8),
       st.sampled_from(["end", "mid", "dated"]))
def test_path_present_value_is_the_cumulative_product(pairs, convention):
    flows, rates = [p[0] for p in pairs], [p[1] for p in pairs]
    options = options_for(convention, len(flows))
    factors, _ = direct_factors(rates, convention, **options)
    expected = math.fsum(f * d for f, d in zip(flows, factors))
    scale = max(1.0, math.fsum(abs(f * d) for f, d in zip(flows, factors)))
    assert present_value(flows, rates, convention, **options) == pytest.approx(expected, rel=1e-12, abs=1e-12 * scale)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(1, 5000), min_size=2, max_size=8), rate_lists, st.floats(0.05, 0.2),
       st.floats(0.0, 0.03), st.sampled_from(["end", "mid", "dated"]))
def test_two_stage_gordon_value_is_priced_at_the_terminal_rate_and_discounted_along_the_path(
        flows, rates, terminal_rate, g, convention):
    rates = (rates * len(flows))[: len(flows)]
    options = options_for(convention, len(flows))
    result = dcf_valuation(flows, rates, g, convention=convention, terminal_wacc=terminal_rate, **options)
    factors, at_end = direct_factors(rates, convention, **options)
    tv = flows[-1] * (1 + g) / (terminal_rate - g)
    # A mid-year perpetuity stands at n - 0.5: half a period of the terminal rate before the path's end.
    tv_factor = at_end * ((1 + terminal_rate) ** 0.5 if convention == "mid" else 1.0)
    assert result.terminal_value == pytest.approx(tv, rel=1e-12)
    assert result.pv_terminal == pytest.approx(tv * tv_factor, rel=1e-12)
    assert result.pv_explicit == pytest.approx(math.fsum(f * d for f, d in zip(flows, factors)), rel=1e-12)


def test_stub_period_path_matches_xnpv_piecewise():
    # A stub of 106 days at 12%, then years at 11% and 10%: the same as XNPV at 12% up to the first date,
    # times the later years' own factors.
    dates = ["2025-12-31", "2026-12-31", "2027-12-31"]
    flows = [50.0, 120.0, 130.0]
    got = present_value(flows, [0.12, 0.11, 0.10], "dated", dates=dates, valuation_date="2025-09-16")
    d = [dt.date.fromisoformat(x) for x in ["2025-09-16"] + dates]
    stub = pyxirr.xnpv(0.12, [d[0], d[1]], [0.0, 1.0])             # (1.12) ** -(106 / 365)
    second = stub * 1.11 ** -((d[2] - d[1]).days / 365)
    third = second * 1.10 ** -((d[3] - d[2]).days / 365)
    assert got == pytest.approx(50 * stub + 120 * second + 130 * third, rel=1e-12)


BRUTE_FORCE_TERMS = 20_000


def brute_force_perpetuity(first_flow, growth, rate, first_time):
    """sum_{j>=0} first_flow (1 + g)^j (1 + r)^-(first_time + j), the first BRUTE_FORCE_TERMS terms."""
    return math.fsum(first_flow * (1 + growth) ** j * (1 + rate) ** -(first_time + j) for j in range(BRUTE_FORCE_TERMS))


@pytest.mark.parametrize("wacc, g", [(0.10, 0.03), (0.085, 0.02), (0.12, -0.01)])
def test_mid_year_gordon_is_a_series_of_mid_year_flows(wacc, g):
    flows = [100.0, 110.0, 121.0, 125.0, 130.0]
    n = len(flows)
    result = dcf_valuation(flows, wacc, g, convention="mid")         # the default timing is mid
    # Flows after the forecast arrive mid-year too: F_n (1 + g)^j at n + j - 0.5, j = 1, 2, ...
    series = brute_force_perpetuity(flows[-1] * (1 + g), g, wacc, n + 0.5)
    assert result.pv_terminal == pytest.approx(series, rel=1e-10)
    explicit = math.fsum(f * (1 + wacc) ** -(k + 0.5) for k, f in enumerate(flows))
    assert result.ev == pytest.approx(explicit + series, rel=1e-10)
    # An explicit 'end' timing keeps the older reading: the perpetuity stands at n.
    at_end = dcf_valuation(flows, wacc, g, convention="mid", terminal_timing="end")
    assert at_end.pv_terminal == pytest.approx(series / (1 + wacc) ** 0.5, rel=1e-10)


def test_mid_year_two_stage_gordon_is_a_series_of_mid_year_flows():
    # High-growth WACCs for five years, a stable 8% after; the perpetuity's flows sit at n + j - 0.5.
    flows, rates, stable, g = [80.0, 95.0, 105.0, 112.0, 118.0], [0.13, 0.125, 0.115, 0.10, 0.09], 0.08, 0.025
    result = dcf_valuation(flows, rates, g, convention="mid", terminal_wacc=stable, next_flow=121.0)
    at_year_n = math.prod((1 + r) ** -1 for r in rates)
    series = at_year_n * brute_force_perpetuity(121.0, g, stable, 0.5)
    assert result.pv_terminal == pytest.approx(series, rel=1e-10)


def test_mid_year_value_driver_is_a_series_of_mid_year_flows():
    # Reinvesting g / RONIC of NOPAT leaves FCF = NOPAT (1 - g / RONIC), growing at g.
    nopat, g, ronic, wacc = 200.0, 0.03, 0.15, 0.09
    result = dcf_valuation([100.0, 120.0], wacc, g, convention="mid", method="value_driver", nopat_next=nopat,
                           ronic=ronic)
    series = brute_force_perpetuity(nopat * (1 - g / ronic), g, wacc, 2 + 0.5)
    assert result.pv_terminal == pytest.approx(series, rel=1e-10)


def test_value_driver_formula():
    result = dcf_valuation([100.0, 120.0], 0.10, 0.04, method="value_driver", nopat_next=150.0, ronic=0.20)
    assert result.terminal_value == pytest.approx(150 * (1 - 0.04 / 0.20) / 0.06, rel=1e-15)
    # Growth at RONIC = WACC adds nothing: TV = NOPAT / WACC for any g.
    for g in (0.0, 0.02, 0.05):
        same = dcf_valuation([100.0], 0.10, g, method="value_driver", nopat_next=150.0, ronic=0.10)
        assert same.terminal_value == pytest.approx(1500.0, rel=1e-12)


def test_exit_multiple_stands_at_year_n_under_mid_year():
    flows = [100.0, 110.0, 120.0]
    result = dcf_valuation(flows, 0.10, None, convention="mid", method="exit", exit_multiple=10, final_metric=300)
    assert result.pv_terminal == pytest.approx(3000 / 1.1 ** 3, rel=1e-15)
    with pytest.raises(KCInputError, match="terminal_timing 'mid' does not apply to the exit method") as info:
        dcf_valuation(flows, 0.10, None, convention="mid", method="exit", exit_multiple=10, terminal_timing="mid")
    assert "\n" not in str(info.value)


def test_end_of_period_results_are_unchanged_by_an_unused_terminal_timing_default():
    # The default timing is 'end' outside the mid-year convention: the same numbers as before.
    a = dcf_valuation([207.41, 497.79, 881.15, 1351.17, 1893.64], 0.105, 0.03, 161.8, 4099.28, 1.1)
    b = dcf_valuation([207.41, 497.79, 881.15, 1351.17, 1893.64], 0.105, 0.03, 161.8, 4099.28, 1.1,
                      terminal_timing="end")
    assert a == b


@pytest.mark.parametrize("args, kwargs, message", [
    (([1, 2, 3], [0.1, 0.1], 0.02), {}, r"^wacc has 2 rates but cash_flows has 3 periods; give one rate or one "
                                        r"rate per period$"),
    (([1, 2], [0.1, -1.0], 0.02), {}, r"^wacc\[2\] \(-100.0%\) must be above -100%$"),
    (([1, 2], [0.1, float("nan")], 0.02), {}, r"^wacc\[2\] \(NaN\) must be a finite number$"),
    (([1, 2], [0.1, 0.02], 0.02), {}, r"^wacc\[2\] \(2.0%\) must exceed terminal growth \(2.0%\)$"),
    (([1, 2], [0.1, 0.1], 0.05), {"terminal_wacc": 0.04}, r"^terminal_wacc \(4.0%\) must exceed terminal growth"),
    (([1, 2], 0.1, 0.02), {"terminal_wacc": -1.2}, r"^terminal_wacc \(-120.0%\) must be above -100%$"),
    (([1, 2], 0.1, 0.02), {"method": "value_driver", "ronic": 0.1}, r"^nopat_next is empty"),
    (([1, 2], 0.1, 0.02), {"method": "value_driver", "nopat_next": 5}, r"^ronic is empty"),
    (([1, 2], 0.1, 0.02), {"method": "value_driver", "nopat_next": 5, "ronic": 0}, r"^ronic \(0\) must be greater"),
    (([1, 2], 0.1, 0.02), {"method": "value_driver", "nopat_next": 5, "ronic": 0.1, "next_flow": 3},
     r"^next_flow applies only to the gordon method, not 'value_driver' \(value_driver takes nopat_next\)$"),
    (([1, 2], 0.1, 0.02), {"terminal_timing": "later"}, r"^terminal_timing \('later'\) must be one of: end, mid$"),
    (([1, 2], 0.1, 0.02), {"terminal_timing": "mid"}, r"terminal_timing 'mid' applies only to the mid-year"),
])
def test_bad_rate_and_terminal_inputs_are_one_clear_line(args, kwargs, message):
    with pytest.raises(KCInputError, match=message) as info:
        dcf_valuation(*args, **kwargs)
    assert "\n" not in str(info.value)


def test_inputs_of_another_method_are_ignored_so_a_sheet_can_switch_method():
    base = dcf_valuation([100.0, 110.0], 0.1, 0.02)
    switched = dcf_valuation([100.0, 110.0], 0.1, 0.02, exit_multiple=12, final_metric=300, nopat_next=90,
                             ronic=0.2)
    assert switched == base
    exit_case = dcf_valuation([100.0, 110.0], 0.1, 0.02, method="exit", exit_multiple=12, terminal_wacc=0.5)
    assert exit_case.terminal_value == 12 * 110.0
    assert exit_case.pv_terminal == pytest.approx(1320 / 1.1 ** 2, rel=1e-15)
