"""Discount rates built up from market inputs: CAPM cost of equity and the after-tax WACC.

cost of equity Ke = risk_free + beta * equity_risk_premium + country_premium + size_premium, where the
equity risk premium is the market's expected return over the risk-free rate (not the market return
itself) and the country and size premiums are added as they are, not scaled by beta. (Where a source
scales a country premium by beta, as Damodaran's lambda-free variant does, fold it into the equity risk
premium instead.)

WACC = (1 - D/V) * Ke + D/V * Kd * (1 - t), with D/V the debt weight (debt over debt plus equity, at
market values), Kd the pre-tax cost of debt and t the marginal tax rate that shields interest.
All rates are decimals per year (0.105 for 10.5%). A debt weight of 100% would leave no equity to
price, so weights and tax rates are at least 0 and below 1.
"""

from __future__ import annotations

from kcfuncs.validation import finite_number, finite_result, rate, unit_fraction


def cost_of_equity(risk_free, beta, equity_risk_premium, country_premium=0.0, size_premium=0.0) -> float:
    """rf + beta * ERP + country premium + size premium."""
    value = (finite_number("risk_free", risk_free) + finite_number("beta", beta)
             * finite_number("equity_risk_premium", equity_risk_premium)
             + finite_number("country_premium", country_premium) + finite_number("size_premium", size_premium))
    return rate("the cost of equity", finite_result("the cost of equity", value))


def wacc(risk_free, beta, equity_risk_premium, pre_tax_cost_of_debt, tax_rate, debt_weight, country_premium=0.0,
         size_premium=0.0) -> float:
    """(1 - D/V) * Ke + D/V * Kd * (1 - t), with Ke from ``cost_of_equity``."""
    equity = cost_of_equity(risk_free, beta, equity_risk_premium, country_premium, size_premium)
    debt = finite_number("pre_tax_cost_of_debt", pre_tax_cost_of_debt)
    t = unit_fraction("tax_rate", tax_rate)
    weight = unit_fraction("debt_weight", debt_weight)
    return rate("the WACC", finite_result("the WACC", (1.0 - weight) * equity + weight * debt * (1.0 - t)))
