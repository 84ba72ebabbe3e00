"""Published and textbook valuation cases reproduced through the Excel-facing functions, called the way
Excel calls them (xlwings' real UDF path, Excel-shaped arguments), so the argument reading and the
catalog's wiring of every new option are checked against printed answers, not only the core."""

import pytest

from addin import offline_xlwings
from tests.addin.test_functions import M, cell

# A. Damodaran, "Damodaran on Valuation", 2nd ed. (Wiley, 2006), Illustration 6.2 (Titan Cement), as
# transcribed in tests/kcfuncs/test_published_cases.py: five high-growth years at a 6.78% cost of capital,
# then a stable phase (growth 3.41%, tax 33%, return on new capital = cost of capital 6.57%) valued from
# year-6 operating income. Printed: cost of equity 7.56%, cost of capital 6.78% and 6.57%, value of operating
# assets 2,897.42m euros, equity 2,514.07m euros (cash 76.80, debt 414.25, minorities 45.90).
EBIT_2004, GROWTH, TAX, REINVESTMENT = 231.8, 0.0549, 0.2547, 0.2854
STABLE_GROWTH, STABLE_TAX = 0.0341, 0.33


@pytest.fixture(scope="module", autouse=True)
def real_xlwings():
    offline_xlwings.load_udf_module("addin.functions")


def titan_row():
    ebit = [EBIT_2004 * (1 + GROWTH) ** k for k in range(1, 6)]
    reinvestment = [e * (1 - TAX) * REINVESTMENT for e in ebit]
    flows = cell("KC_FCFF", (tuple(ebit),), TAX, ((0.0,) * 5,), (tuple(reinvestment),), ((0.0,) * 5,))
    nopat_6 = ebit[-1] * (1 + STABLE_GROWTH) * (1 - STABLE_TAX)
    row = flows[0] if isinstance(flows[0], (list, tuple)) else flows
    return (tuple(row),), nopat_6


def test_titan_cost_of_capital_build_up():
    assert round(cell("KC_COST_OF_EQUITY", 0.0341, 0.93, 0.0446), 4) == 0.0756
    assert cell("KC_WACC", 0.0341, 0.93, 0.0446, 0.0417, 0.2547, 0.176) == pytest.approx(0.0678, abs=0.0001)
    assert round(cell("KC_WACC", "3.41%", 1.0, "4%", "3.91%", "33%", "17.6%"), 4) == 0.0657


def test_titan_two_stage_value_driver_and_year_after_forecast_flow():
    flows, nopat_6 = titan_row()
    # KC_DCF(cash_flows, wacc, g, net_debt, shares, fx, convention, output, dates, valuation_date, terminal_timing,
    #        method, exit_multiple, final_metric, minorities, non_operating, ads_ratio, next_flow, nopat_next,
    #        ronic, terminal_wacc)
    common = (flows, 0.0678, STABLE_GROWTH, 414.25, M, M, M)
    value_driver = cell("KC_DCF", *common, "ev", M, M, M, "value_driver", M, M, 45.90, 76.80, M, M, nopat_6, 0.0657,
                        0.0657)
    equity = cell("KC_DCF", *common, "equity", M, M, M, "value_driver", M, M, 45.90, 76.80, M, M, nopat_6, 0.0657,
                  0.0657)
    # Within the rounding of the printed two-decimal rates (0.1%, see the core test).
    assert value_driver == pytest.approx(2897.42, rel=0.001)
    assert equity == pytest.approx(2514.07, rel=0.001)
    # The same terminal value as a Gordon perpetuity of the explicit year-6 flow.
    fcff_6 = nopat_6 * (1 - STABLE_GROWTH / 0.0657)
    gordon = cell("KC_DCF", *common, "ev", M, M, M, "gordon", M, M, 45.90, 76.80, M, fcff_6, M, M, 0.0657)
    assert gordon == pytest.approx(value_driver, rel=1e-12)


def test_a_rate_path_row_equals_the_two_stage_scalar_terminal_rate():
    flows, nopat_6 = titan_row()
    fcff_6 = nopat_6 * (1 - STABLE_GROWTH / 0.0657)
    two_stage = cell("KC_DCF", flows, 0.0678, STABLE_GROWTH, M, M, M, M, "ev", M, M, M, M, M, M, M, M, M, fcff_6, M,
                     M, 0.0657)
    path = cell("KC_DCF", flows, ((0.0678,) * 5,), STABLE_GROWTH, M, M, M, M, "ev", M, M, M, M, M, M, M, M, M, fcff_6,
                M, M, 0.0657)
    assert path == pytest.approx(two_stage, rel=1e-12)


def test_mid_year_gordon_is_discounted_from_n_minus_a_half_by_default():
    row = ((100.0, 110.0, 120.0),)
    default = cell("KC_DCF", row, 0.1, 0.03, M, M, M, "mid", "pv_terminal")
    at_end = cell("KC_DCF", row, 0.1, 0.03, M, M, M, "mid", "pv_terminal", M, M, "end")
    assert default == pytest.approx(at_end * 1.1 ** 0.5, rel=1e-12)
    refused = cell("KC_DCF", row, 0.1, M, M, M, M, "mid", M, M, M, "mid", "exit", 12.0)
    assert refused.startswith("KC_DCF: terminal_timing 'mid' does not apply to the exit method")
