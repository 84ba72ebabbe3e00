"""The Excel functions: the module xlwings' ``UDF Modules`` setting names (``addin.functions``).

Each function is a thin skin: it reads Excel's values through ``addin.excel_values``, calls the core
(``kcfuncs``) and returns a scalar or a list of rows that Excel spills as a dynamic array. Any failure
comes back as a one-line message in the cell (``addin.cell_messages``). Optional arguments come last
and an empty cell means "default". The same objects are used by ``kc eval`` and by the headless
refresh, so a formula gives the same result everywhere.
"""

from __future__ import annotations

import xlwings as xw

import kcfuncs
from addin import excel_values as xv
from addin.cell_messages import cell_safe

CATEGORY = "KC Valuation"

_DOC_FLOWS = "Explicit free cash flows, one per period (a row or a column)"
_DOC_WACC = "Discount rate per period, e.g. 10.5% or 0.105"
_DOC_GROWTH = "Terminal growth rate, below the WACC"
_DOC_NET_DEBT = "Net debt in the flows' currency (default 0; negative for net cash)"
_DOC_SHARES = "Share count in the flows' scale, e.g. millions (default 1)"
_DOC_FX = "Quoted-currency units per unit of the flows' currency, e.g. 1.10 HKD per CNY (default 1)"
_DOC_CONVENTION = "end (default, as Excel NPV), mid (mid-year) or dated (needs dates and valuation_date)"


def _dcf_options(convention, dates, valuation_date, terminal_timing) -> dict:
    return {
        "convention": xv.text("convention", convention, "end"),
        "dates": xv.raw_values("dates", dates),
        "valuation_date": xv.optional_value("valuation_date", valuation_date),
        "terminal_timing": xv.text("terminal_timing", terminal_timing, "end"),
    }


def _bridge(net_debt, shares, fx) -> dict:
    return {"net_debt": xv.number("net_debt", net_debt, 0.0), "shares": xv.number("shares", shares, 1.0),
            "fx": xv.number("fx", fx, 1.0)}


@xw.func(category=CATEGORY)
@xw.arg("cash_flows", doc=_DOC_FLOWS)
@xw.arg("wacc", doc=_DOC_WACC)
@xw.arg("terminal_growth", doc=_DOC_GROWTH + " (ignored by the exit method)")
@xw.arg("net_debt", doc=_DOC_NET_DEBT)
@xw.arg("shares", doc=_DOC_SHARES)
@xw.arg("fx", doc=_DOC_FX)
@xw.arg("convention", doc=_DOC_CONVENTION)
@xw.arg("output", doc="per_share (default), ev, equity, pv_explicit, pv_terminal, terminal_value, tv_share, per_ads")
@xw.arg("dates", doc="Dated convention: one date per cash flow")
@xw.arg("valuation_date", doc="Dated convention: the date values are discounted to")
@xw.arg("terminal_timing", doc="Mid-year convention: end (default) discounts the terminal value from year n, mid from n - 0.5")
@xw.arg("method", doc="gordon (default) or exit")
@xw.arg("exit_multiple", doc="Exit method: multiple applied to final_metric")
@xw.arg("final_metric", doc="Exit method: the final-year metric (default: the final cash flow)")
@xw.arg("minorities", doc="Minority interests to deduct (default 0)")
@xw.arg("non_operating", doc="Non-operating assets to add (default 0)")
@xw.arg("ads_ratio", doc="Shares per ADS for output per_ads (default 1)")
@cell_safe
def KC_DCF(cash_flows, wacc, terminal_growth, net_debt=None, shares=None, fx=None, convention=None, output=None,
           dates=None, valuation_date=None, terminal_timing=None, method=None, exit_multiple=None,
           final_metric=None, minorities=None, non_operating=None, ads_ratio=None):
    """DCF value of explicit cash flows plus a terminal value: per share by default, or one part of the breakdown."""
    result = kcfuncs.dcf_valuation(
        xv.numbers("cash_flows", cash_flows), xv.number("wacc", wacc),
        xv.optional_number("terminal_growth", terminal_growth),
        **_bridge(net_debt, shares, fx), **_dcf_options(convention, dates, valuation_date, terminal_timing),
        method=xv.text("method", method, "gordon"), exit_multiple=xv.optional_number("exit_multiple", exit_multiple),
        final_metric=xv.optional_number("final_metric", final_metric),
        minorities=xv.number("minorities", minorities, 0.0), non_operating=xv.number("non_operating", non_operating, 0.0),
        ads_ratio=xv.number("ads_ratio", ads_ratio, 1.0))
    return result.output(xv.text("output", output, "per_share"))


@xw.func(category=CATEGORY)
@xw.arg("final_flow", doc="Final explicit cash flow (gordon) or final-year metric (exit)")
@xw.arg("wacc", doc=_DOC_WACC + " (gordon)")
@xw.arg("growth", doc=_DOC_GROWTH + " (gordon)")
@xw.arg("method", doc="gordon (default): final_flow x (1+g) / (wacc - g); exit: multiple x final_flow")
@xw.arg("multiple", doc="Exit method: the multiple")
@cell_safe
def KC_TERMINAL(final_flow, wacc, growth, method=None, multiple=None):
    """Terminal value at the end of the forecast, by Gordon growth or an exit multiple."""
    return kcfuncs.terminal_value(xv.number("final_flow", final_flow), xv.optional_number("wacc", wacc),
                                  xv.optional_number("growth", growth), xv.text("method", method, "gordon"),
                                  xv.optional_number("multiple", multiple))


@xw.func(category=CATEGORY)
@xw.arg("target", doc="Target price")
@xw.arg("price", doc="Current price, same currency")
@xw.arg("scale", doc="buy_hold_sell (default, +/-20%), overweight_underweight (+/-10%), or a 2-column range of (minimum upside, label)")
@xw.arg("language", doc="en (default) or zh")
@cell_safe
def KC_RATING(target, price, scale=None, language=None):
    """Rating label from the upside of target over price on a named or custom scale."""
    return kcfuncs.rating(xv.number("target", target), xv.number("price", price), xv.scale("scale", scale),
                          xv.text("language", language, "en"))


@xw.func(category=CATEGORY)
@xw.arg("target", doc="Target price")
@xw.arg("price", doc="Current price, same currency")
@cell_safe
def KC_UPSIDE(target, price):
    """Upside of target over price: target / price - 1."""
    return kcfuncs.upside(xv.number("target", target), xv.number("price", price))


@xw.func(category=CATEGORY)
@xw.arg("cash_flows", doc=_DOC_FLOWS)
@xw.arg("wacc_values", doc="WACC values, one per row of the result")
@xw.arg("growth_values", doc="Terminal growth rates (or exit multiples with method exit), one per column")
@xw.arg("net_debt", doc=_DOC_NET_DEBT)
@xw.arg("shares", doc=_DOC_SHARES)
@xw.arg("fx", doc=_DOC_FX)
@xw.arg("convention", doc=_DOC_CONVENTION)
@xw.arg("method", doc="gordon (default) or exit (columns are exit multiples)")
@xw.arg("output", doc="per_share (default) or another KC_DCF output")
@xw.arg("final_metric", doc="Exit method: the final-year metric (default: the final cash flow)")
@xw.arg("dates", doc="Dated convention: one date per cash flow")
@xw.arg("valuation_date", doc="Dated convention: the date values are discounted to")
@xw.arg("terminal_timing", doc="Mid-year convention: end (default) or mid")
@cell_safe
def KC_SENSITIVITY(cash_flows, wacc_values, growth_values, net_debt=None, shares=None, fx=None, convention=None,
                   method=None, output=None, final_metric=None, dates=None, valuation_date=None,
                   terminal_timing=None):
    """Grid of DCF values: rows follow wacc_values, columns follow growth_values. Spills."""
    grid = kcfuncs.sensitivity_grid(
        xv.numbers("cash_flows", cash_flows), xv.numbers("wacc_values", wacc_values),
        xv.numbers("growth_values", growth_values), **_bridge(net_debt, shares, fx),
        **_dcf_options(convention, dates, valuation_date, terminal_timing),
        method=xv.text("method", method, "gordon"), output=xv.text("output", output, "per_share"),
        final_metric=xv.optional_number("final_metric", final_metric))
    return xv.as_grid(grid)


@xw.func(category=CATEGORY)
@xw.arg("cash_flows", doc=_DOC_FLOWS)
@xw.arg("rate", doc="Discount rate per period")
@xw.arg("convention", doc=_DOC_CONVENTION)
@xw.arg("dates", doc="Dated convention: one date per cash flow")
@xw.arg("valuation_date", doc="Dated convention: the date values are discounted to")
@cell_safe
def KC_PV(cash_flows, rate, convention=None, dates=None, valuation_date=None):
    """Present value of cash flows: end of period (= Excel NPV), mid-year, or dated (= XNPV from valuation_date)."""
    options = _dcf_options(convention, dates, valuation_date, None)
    del options["terminal_timing"]
    return kcfuncs.present_value(xv.numbers("cash_flows", cash_flows), xv.number("rate", rate), **options)


@xw.func(category=CATEGORY)
@xw.arg("first_revenue", doc="Revenue of the first forecast year")
@xw.arg("growth", doc="Growth rates of the later years, one per year")
@cell_safe
def KC_REVENUE(first_revenue, growth):
    """Revenue path: the first year, then each later year grown by its rate. Spills as a row."""
    return xv.as_row(kcfuncs.revenue_path(xv.number("first_revenue", first_revenue), xv.numbers("growth", growth)))


@xw.func(category=CATEGORY)
@xw.arg("first_revenue", doc="Revenue of the first forecast year")
@xw.arg("growth", doc="Growth rates of the later years, one per year")
@xw.arg("margins", doc="FCF margin of every year of the path")
@cell_safe
def KC_FCF(first_revenue, growth, margins):
    """Free cash flow path: revenue path x FCF margins. Spills as a row."""
    revenue = kcfuncs.revenue_path(xv.number("first_revenue", first_revenue), xv.numbers("growth", growth))
    return xv.as_row(kcfuncs.fcf_path(revenue, xv.numbers("margins", margins)))


@xw.func(category=CATEGORY)
@xw.arg("values", doc="Value of each scenario (e.g. bear, base, bull)")
@xw.arg("weights", doc="Probability of each scenario, adding up to 100% (default: equal)")
@cell_safe
def KC_SCENARIO_VALUE(values, weights=None):
    """Probability-weighted value of scenarios."""
    return kcfuncs.weighted_value(xv.numbers("values", values),
                                  None if xv.raw_values("weights", weights) is None else xv.numbers("weights", weights))


@xw.func(category=CATEGORY)
@xw.arg("cash_flows", doc=_DOC_FLOWS)
@xw.arg("terminal_growth", doc=_DOC_GROWTH)
@xw.arg("price", doc="Market price per share, in the quoted currency")
@xw.arg("net_debt", doc=_DOC_NET_DEBT)
@xw.arg("shares", doc=_DOC_SHARES)
@xw.arg("fx", doc=_DOC_FX)
@xw.arg("convention", doc=_DOC_CONVENTION)
@cell_safe
def KC_IMPLIED_WACC(cash_flows, terminal_growth, price, net_debt=None, shares=None, fx=None, convention=None):
    """Reverse DCF: the WACC at which the DCF value per share equals the price."""
    return kcfuncs.implied_wacc(xv.numbers("cash_flows", cash_flows), xv.number("terminal_growth", terminal_growth),
                                xv.number("price", price), **_bridge(net_debt, shares, fx),
                                convention=xv.text("convention", convention, "end"))


@xw.func(category=CATEGORY)
@xw.arg("first_revenue", doc="Revenue of the first forecast year")
@xw.arg("growth", doc="Growth rates of the later years")
@xw.arg("margins", doc="FCF margin of every year")
@xw.arg("wacc", doc=_DOC_WACC)
@xw.arg("terminal_growth", doc=_DOC_GROWTH)
@xw.arg("price", doc="Market price per share, in the quoted currency")
@xw.arg("net_debt", doc=_DOC_NET_DEBT)
@xw.arg("shares", doc=_DOC_SHARES)
@xw.arg("fx", doc=_DOC_FX)
@xw.arg("convention", doc=_DOC_CONVENTION)
@cell_safe
def KC_IMPLIED_MARGIN_SHIFT(first_revenue, growth, margins, wacc, terminal_growth, price, net_debt=None, shares=None,
                            fx=None, convention=None):
    """Reverse DCF: the uniform shift of every FCF margin at which the value equals the price."""
    return kcfuncs.implied_margin_shift(
        xv.number("first_revenue", first_revenue), xv.numbers("growth", growth), xv.numbers("margins", margins),
        xv.number("wacc", wacc), xv.number("terminal_growth", terminal_growth), xv.number("price", price),
        **_bridge(net_debt, shares, fx), convention=xv.text("convention", convention, "end"))


@xw.func(category=CATEGORY)
@xw.arg("multiple", doc="Valuation multiple, e.g. 3.5 for P/S 3.5x")
@xw.arg("metric", doc="The metric it applies to, e.g. FY2025E revenue")
@xw.arg("count", doc="Shares or ADS count, in the metric's scale")
@xw.arg("fx", doc=_DOC_FX)
@xw.arg("net_debt", doc="Net debt, for an EV multiple only (default 0)")
@cell_safe
def KC_MULTIPLE_TARGET(multiple, metric, count, fx=None, net_debt=None):
    """Target price from a multiple: (multiple x metric - net debt) / count x fx."""
    return kcfuncs.multiple_target(xv.number("multiple", multiple), xv.number("metric", metric),
                                   xv.number("count", count), xv.number("fx", fx, 1.0),
                                   xv.number("net_debt", net_debt, 0.0))


@xw.func(category=CATEGORY)
@xw.arg("price", doc="Market price per share or ADS")
@xw.arg("metric", doc="The metric, e.g. LTM revenue")
@xw.arg("count", doc="Shares or ADS count, in the metric's scale")
@xw.arg("fx", doc=_DOC_FX)
@xw.arg("net_debt", doc="Net debt, for an EV multiple only (default 0)")
@cell_safe
def KC_MARKET_MULTIPLE(price, metric, count, fx=None, net_debt=None):
    """The multiple the market pays: (price / fx x count + net debt) / metric."""
    return kcfuncs.implied_multiple(xv.number("price", price), xv.number("metric", metric), xv.number("count", count),
                                    xv.number("fx", fx, 1.0), xv.number("net_debt", net_debt, 0.0))


@xw.func(category=CATEGORY)
@xw.arg("terminal_value", doc="A terminal value")
@xw.arg("final_metric", doc="The final-year metric")
@cell_safe
def KC_IMPLIED_MULTIPLE(terminal_value, final_metric):
    """The exit multiple a terminal value represents: TV / final metric."""
    return kcfuncs.implied_exit_multiple(xv.number("terminal_value", terminal_value),
                                         xv.number("final_metric", final_metric))


@xw.func(category=CATEGORY)
@xw.arg("terminal_value", doc="A terminal value")
@xw.arg("final_flow", doc="Final explicit cash flow")
@xw.arg("wacc", doc=_DOC_WACC)
@cell_safe
def KC_IMPLIED_GROWTH(terminal_value, final_flow, wacc):
    """The perpetual growth a terminal value implies: (TV x wacc - F) / (TV + F)."""
    return kcfuncs.implied_terminal_growth(xv.number("terminal_value", terminal_value),
                                           xv.number("final_flow", final_flow), xv.number("wacc", wacc))


@xw.sub
def RefreshKCData():
    """Macro: reload statements and market data from the data file into this workbook, then recalculate."""
    from addin.excel_refresh import refresh

    refresh(xw.Book.caller())


EXCEL_FUNCTIONS = {name: obj for name, obj in dict(globals()).items() if name.startswith("KC_") and callable(obj)}
