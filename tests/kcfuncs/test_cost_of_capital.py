"""CAPM cost of equity and WACC: a hand computation and a published textbook example."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcfuncs import KCInputError, cost_of_equity, wacc


def test_hand_computation():
    # Ke = 4% + 1.2 x 6% + 2% (country) + 1.5% (size) = 14.7%
    assert cost_of_equity(0.04, 1.2, 0.06, 0.02, 0.015) == pytest.approx(0.147, abs=1e-15)
    # WACC = 60% x 14.7% + 40% x 6% x (1 - 25%) = 8.82% + 1.8% = 10.62%
    assert wacc(0.04, 1.2, 0.06, 0.06, 0.25, 0.40, 0.02, 0.015) == pytest.approx(0.1062, abs=1e-15)
    # No debt: the WACC is the cost of equity.
    assert wacc(0.03, 0.9, 0.05, 0.07, 0.3, 0.0) == cost_of_equity(0.03, 0.9, 0.05)


def test_damodaran_titan_cement():
    # A. Damodaran, "Damodaran on Valuation", 2nd ed. (Wiley, 2006), Illustration 6.2 (Titan Cement):
    # beta 0.93, euro risk-free rate 3.41%, risk premium for Greece 4.46% -> "cost of equity of 7.56%";
    # pre-tax cost of debt 4.17%, tax rate 25.47%, debt ratio 17.6% -> "cost of capital of 6.78%".
    # Stable phase (same illustration's inputs, as tabulated again in the book's EVA chapter): beta 1.00,
    # cost of debt 3.91%, tax rate 33%, debt ratio 17.6% -> cost of capital 6.57%; the country premium goes
    # to zero, leaving the mature-market premium, which we take as 4.00% (4.46% less Greece's premium; the
    # book's Gillette example uses "a risk premium of 4%" too). Read from a stored copy of the book's text.
    assert round(cost_of_equity(0.0341, 0.93, 0.0446), 4) == 0.0756
    high_growth = wacc(0.0341, 0.93, 0.0446, 0.0417, 0.2547, 0.176)
    # The book multiplies its *rounded* 7.56%: 7.56% x 0.824 + 4.17% x (1 - 0.2547) x 0.176 = 6.7764% -> 6.78%.
    # Unrounded, Ke = 7.5578% gives 6.7746%: within one printed unit (0.01%) of 6.78%.
    assert high_growth == pytest.approx(0.0678, abs=0.0001)
    assert 0.0756 * 0.824 + 0.0417 * (1 - 0.2547) * 0.176 == pytest.approx(0.0678, abs=0.00005)
    assert round(wacc(0.0341, 1.0, 0.04, 0.0391, 0.33, 0.176), 4) == 0.0657


@given(st.floats(-0.01, 0.08), st.floats(0, 3), st.floats(0, 0.1), st.floats(0, 0.15), st.floats(0, 0.5),
       st.floats(0, 0.9))
def test_wacc_is_the_weighted_average(rf, beta, erp, kd, t, d):
    ke = rf + beta * erp
    assert wacc(rf, beta, erp, kd, t, d) == pytest.approx((1 - d) * ke + d * kd * (1 - t), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("args, message", [
    ((0.03, 1.0, 0.05, 0.06, 0.25, 1.0), r"^debt_weight \(100.0%\) must be at least 0% and below 100%$"),
    ((0.03, 1.0, 0.05, 0.06, 0.25, -0.1), r"^debt_weight \(-10.0%\) must be at least 0%"),
    ((0.03, 1.0, 0.05, 0.06, 1.0, 0.3), r"^tax_rate \(100.0%\) must be at least 0% and below 100%$"),
    ((0.03, 1.0, 0.05, 0.06, -0.2, 0.3), r"^tax_rate \(-20.0%\)"),
    ((0.03, float("inf"), 0.05, 0.06, 0.25, 0.3), r"^beta \(inf\) must be a finite number$"),
    ((0.03, None, 0.05, 0.06, 0.25, 0.3), r"^beta is empty"),
    ((0.03, 1.0, "5%", 0.06, 0.25, 0.3), r"^equity_risk_premium \('5%'\) must be a number$"),
    ((0.03, 1.0, 0.05, float("nan"), 0.25, 0.3), r"^pre_tax_cost_of_debt \(NaN\)"),
    ((-0.5, 1.0, -0.6, 0.06, 0.25, 0.3), r"^the cost of equity \(-110.0%\) must be above -100%$"),
])
def test_bad_inputs(args, message):
    with pytest.raises(KCInputError, match=message) as info:
        wacc(*args)
    assert "\n" not in str(info.value)
