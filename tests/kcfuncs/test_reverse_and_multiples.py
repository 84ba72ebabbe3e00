import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kcfuncs import (KCInputError, dcf_valuation, fcf_path, implied_margin_shift, implied_multiple, implied_wacc,
                     multiple_target, revenue_path, weighted_value)

GROWTH = [0.20, 0.18, 0.15, 0.12]
MARGINS = [0.02, 0.04, 0.06, 0.08, 0.10]
BRIDGE = (161.8, 4099.28, 1.1)


def test_seed_000_ps_target():
    # P/S 3.5x FY2025E revenue 9,880m CNY over 274m ADS at 7.17 CNY/USD -> US$17.6
    target = multiple_target(3.5, 9880, 274, 1 / 7.17)
    assert target == pytest.approx(17.6, rel=0.005)
    assert implied_multiple(target, 9880, 274, 1 / 7.17) == pytest.approx(3.5, rel=1e-12)


def test_seed_002_ev_to_revenue_cross_check():
    # EV 31,130m over LTM revenue 8,437.9m = 3.69x
    assert 31130 / 8437.9 == pytest.approx(3.69, abs=0.005)
    price_implied = implied_multiple(8.30, 8437.9, 4099.28, 1.1, net_debt=161.8)
    assert price_implied == pytest.approx((8.30 / 1.1 * 4099.28 + 161.8) / 8437.9, rel=1e-12)


def test_implied_wacc_reprices_the_market():
    flows = fcf_path(revenue_path(10370, GROWTH), MARGINS)
    w = implied_wacc(flows, 0.03, 8.30, *BRIDGE)
    assert dcf_valuation(flows, w, 0.03, *BRIDGE).per_share == pytest.approx(8.30, rel=1e-10)
    assert 0.03 < w < 0.105   # the market price needs a lower WACC than the report's 10.5%


@settings(max_examples=40, deadline=None)
@given(st.floats(0.06, 0.25), st.floats(0.0, 0.03))
def test_implied_wacc_round_trip(wacc, g):
    assume(wacc - g > 0.01)
    flows = fcf_path(revenue_path(10370, GROWTH), MARGINS)
    price = dcf_valuation(flows, wacc, g, *BRIDGE).per_share
    assert implied_wacc(flows, g, price, *BRIDGE) == pytest.approx(wacc, abs=1e-10)


def test_implied_margin_shift_reprices_the_market():
    s = implied_margin_shift(10370, GROWTH, MARGINS, 0.105, 0.03, 8.30, *BRIDGE)
    shifted = fcf_path(revenue_path(10370, GROWTH), [m + s for m in MARGINS])
    assert dcf_valuation(shifted, 0.105, 0.03, *BRIDGE).per_share == pytest.approx(8.30, rel=1e-12)
    assert s > 0


def test_reverse_errors():
    with pytest.raises(KCInputError, match="no WACC between"):
        implied_wacc([-1, -2, -3], 0.02, 5.0)
    with pytest.raises(KCInputError, match="exit_multiple is empty"):
        implied_wacc([1, 2], None, 5.0, method="exit")


def test_weighted_value():
    assert weighted_value([1.97, 5.07, 7.84], [0.25, 0.5, 0.25]) == pytest.approx(
        0.25 * 1.97 + 0.5 * 5.07 + 0.25 * 7.84)
    assert weighted_value([1.0, 2.0, 3.0]) == pytest.approx(2.0)
    with pytest.raises(KCInputError, match="weights add up to 0.9"):
        weighted_value([1, 2, 3], [0.3, 0.3, 0.3])
    with pytest.raises(KCInputError, match=r"weights\[1\] \(-0.5\) must not be negative"):
        weighted_value([1, 2], [-0.5, 1.5])
    with pytest.raises(KCInputError, match="weights has 2 value"):
        weighted_value([1, 2, 3], [0.5, 0.5])


TWO_STAGE = [0.13, 0.125, 0.12, 0.11, 0.10]


@settings(max_examples=30, deadline=None)
@given(st.floats(-0.04, 0.05), st.sampled_from([None, 0.085]), st.sampled_from(["end", "mid"]))
def test_implied_wacc_with_a_rate_path_is_the_parallel_shift_stated_as_the_terminal_rate(shift, stable, convention):
    flows = fcf_path(revenue_path(10370, GROWTH), MARGINS)
    anchor = TWO_STAGE[-1] if stable is None else stable
    shifted = [r + shift for r in TWO_STAGE]
    price = dcf_valuation(flows, shifted, 0.03, *BRIDGE, convention, terminal_wacc=anchor + shift).per_share
    implied = implied_wacc(flows, 0.03, price, *BRIDGE, convention, wacc_path=TWO_STAGE, terminal_wacc=stable)
    assert implied - anchor == pytest.approx(shift, abs=1e-10)


def test_implied_wacc_takes_every_valuation_option():
    flows = fcf_path(revenue_path(10370, GROWTH), MARGINS)
    dates = ["2026-06-30", "2027-06-30", "2028-06-30", "2029-06-30", "2030-06-30"]
    cases = [
        {"convention": "dated", "dates": dates, "valuation_date": "2025-09-16", "minorities": 40.0,
         "non_operating": 120.0, "next_flow": 2100.0},
        {"convention": "mid", "terminal_timing": "end"},
        {"method": "value_driver", "nopat_next": 2600.0, "ronic": 0.14, "convention": "mid"},
        {"method": "exit", "exit_multiple": 14.0, "final_metric": 2500.0},
    ]
    for options in cases:
        g = None if options.get("method") == "exit" else 0.03
        w = implied_wacc(flows, g, 8.30, *BRIDGE, **options)
        assert dcf_valuation(flows, w, g, *BRIDGE, **options).per_share == pytest.approx(8.30, rel=1e-10), options


def test_implied_margin_shift_with_a_rate_path_and_a_fixed_next_flow():
    path = [0.12, 0.115, 0.11, 0.105, 0.10]
    for options in ({"terminal_wacc": 0.09}, {"next_flow": 2500.0}, {"method": "value_driver", "nopat_next": 3000.0,
                                                                      "ronic": 0.12}):
        s = implied_margin_shift(10370, GROWTH, MARGINS, path, 0.03, 8.30, *BRIDGE, **options)
        shifted = fcf_path(revenue_path(10370, GROWTH), [m + s for m in MARGINS])
        assert dcf_valuation(shifted, path, 0.03, *BRIDGE, **options).per_share == pytest.approx(8.30, rel=1e-10)


def test_reverse_errors_with_rate_paths():
    with pytest.raises(KCInputError, match="^terminal_wacc needs a wacc_path here"):
        implied_wacc([1, 2], 0.02, 5.0, terminal_wacc=0.08)
    with pytest.raises(KCInputError, match=r"^wacc_path has 3 rates but cash_flows has 2 periods"):
        implied_wacc([1, 2], 0.02, 5.0, wacc_path=[0.1, 0.1, 0.1])
