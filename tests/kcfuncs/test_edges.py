"""Honest edges: a result beyond the floating-point range is a one-line KCInputError, never inf, NaN, a
silent -0.0 or an OverflowError; scalar functions return plain Python floats."""

import numpy as np
import pytest

import kcfuncs as kc
from kcfuncs import KCInputError

BEYOND = "beyond the floating-point range"


@pytest.mark.parametrize("call, message", [
    # KC_PV at -99% over 1,000 periods: 100 ** 1000 overflows (Python's ** raises OverflowError there).
    (lambda: kc.present_value([1.0] * 1000, -0.99),
     r"^discount_rate \(-99.0%\) over 1000 period\(s\) gives a discount factor " + BEYOND),
    (lambda: kc.present_value([1.0] * 1000, [-0.99] * 999 + [0.1]), r"^discount_rate \(lowest -99.0%\) over 1000"),
    (lambda: kc.present_value([1e308, 1e308], 0.0), "^the present value is " + BEYOND),
    (lambda: kc.dcf_valuation([1.0] * 2000, -0.5, -0.6), r"^wacc \(-50.0%\) over 2000 period\(s\)"),
    (lambda: kc.dcf_valuation([1e308], 0.1, 0.0999999), "^the terminal value is " + BEYOND),
    (lambda: kc.dcf_valuation([1e300], 0.1, 0.0, shares=1e-300), "^the value per share is " + BEYOND),
    (lambda: kc.gordon_terminal_value(1e300, 0.1, 0.1 - 1e-15), "^the terminal value is " + BEYOND),
    (lambda: kc.implied_terminal_growth(1e308, 1e308, 0.1),
     r"^terminal_value \(1e\+308\) and final_flow \(1e\+308\) are too large to imply a growth rate"),
    (lambda: kc.implied_exit_multiple(1e308, 1e-10), "^the implied multiple is " + BEYOND),
    (lambda: kc.sensitivity_grid([1.0] * 1000, [-0.99, 0.1], [0.0]),
     r"^wacc_values\[1\] \(-99.0%\) over 1000 period\(s\) gives a discount factor " + BEYOND),
    (lambda: kc.sensitivity_grid([1e308], [0.1], [0.0999999]),
     r"^the terminal value at wacc_values\[1\] and growth_values\[1\] is " + BEYOND),
    (lambda: kc.sensitivity_grid([1e300], [0.1], [0.0], shares=1e-300),
     r"^the per_share at wacc_values\[1\] and growth_values\[1\] is " + BEYOND),
    (lambda: kc.multiple_target(1e308, 10, 1), "^the target is " + BEYOND),
    (lambda: kc.implied_multiple(1e308, 1e-300, 1), "^the implied multiple is " + BEYOND),
    (lambda: kc.upside(1e308, 1e-308), "^the upside is " + BEYOND),
    (lambda: kc.revenue_path(1e300, [1e10] * 5), "^revenue of year 2 is " + BEYOND),
    (lambda: kc.fcf_path([1e308], [10]), "^FCF of year 1 is " + BEYOND),
    (lambda: kc.fcff([1e308], 0, [1e308], [0], [0]), "^FCFF of year 1 is " + BEYOND),
    (lambda: kc.equity_bridge(1e308, -1e308), "^the equity value is " + BEYOND),
    (lambda: kc.cost_of_equity(1e308, 1e308, 1e308), "^the cost of equity is " + BEYOND),
    (lambda: kc.discount_factors(-0.99, np.arange(1000)), "^a discount factor is " + BEYOND),
])
def test_results_beyond_the_float_range_are_one_line_errors(call, message):
    with pytest.raises(KCInputError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_large_but_finite_results_stay_answers():
    assert kc.weighted_value([1e308, 1e308], [0.5, 0.5]) == 1e308
    assert kc.present_value([1e307] * 10, 0.0) == pytest.approx(1e308)


def test_no_silent_negative_zero_from_an_overflowing_sum():
    # (TV * w - F) / (TV + F) with TV + F = inf used to return -0.0.
    with pytest.raises(KCInputError):
        kc.implied_terminal_growth(1e308, 1e308, 0.1)
    assert kc.implied_terminal_growth(1e300, 1e300, 0.1) == pytest.approx((0.1 - 1) / 2)


def test_reverse_dcf_scan_skips_points_beyond_the_float_range():
    # At rates just above -100% the exit value overflows; the scan steps over those points and still finds
    # the root.
    flows = [10.0] * 400
    price = kc.dcf_valuation(flows, 0.05, None, method="exit", exit_multiple=8).per_share
    assert kc.implied_wacc(flows, None, price, method="exit", exit_multiple=8) == pytest.approx(0.05, abs=1e-12)


def test_scalar_functions_return_plain_floats():
    flows = np.array([100.0, 110.0, 120.0])
    result = kc.dcf_valuation(flows, np.float64(0.1), np.float64(0.02), np.float64(5.0), np.float64(2.0))
    values = [*result.as_dict().values(), kc.present_value(flows, np.array([0.1, 0.11, 0.12])),
              kc.gordon_terminal_value(np.float64(1.0), 0.1, 0.02), kc.implied_terminal_growth(1000.0, 10.0, 0.1),
              kc.implied_wacc(flows, 0.02, 500.0), kc.implied_margin_shift(1000, [0.1, 0.1], [0.1, 0.1, 0.1], 0.1,
                                                                          0.02, 500.0),
              kc.wacc(0.03, 1.1, 0.05, 0.05, 0.25, 0.3), kc.cost_of_equity(0.03, 1.1, 0.05),
              kc.weighted_value(np.array([1.0, 2.0])), kc.upside(np.float64(12), 10),
              kc.multiple_target(np.float64(3.5), 9880, 274), kc.value_driver_terminal_value(100, 0.1, 0.02, 0.2),
              kc.terminal_value(np.float64(100), 0.1, 0.02, "value_driver", ronic=0.2)]
    assert all(type(v) is float for v in values), [type(v) for v in values]
