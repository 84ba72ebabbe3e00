"""Every Excel function, declared once: its name, description, and each argument's name, kind, default
and help text, with the core call it makes.

Everything else is derived from these declarations: the plain callables the headless engines and
``kc eval`` use (``addin.registry``), the xlwings decorators of the UDF module Excel imports
(``addin.functions``), the VBA and MacroOptions (``addin.vba``), and the argument conversion of every
call (``addin.arguments``). Argument kinds:

* ``number``: one finite number (numbers stored as text are read); ``default`` stands in for an empty
  cell; with ``default=None`` the core receives None and applies its own default.
* ``numbers``: a row or column of numbers, in order; ``optional_numbers``: the same, or None when empty.
* ``rates``: one rate, or a row or column with one rate per period (the core discounts cumulatively).
* ``option``: a text option (``default`` for an empty cell).
* ``value``: one value as given (a date, a serial number, text), None when empty.
* ``values``: every cell of a range as given (e.g. dates), None when all empty.
* ``scale``: a rating-scale name or a two-column block of (minimum upside, label).

Required arguments come first; an optional one has ``default`` set (possibly None). The core receives
each argument under its declared name, or under ``core`` when the core names it differently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import kcfuncs

CATEGORY = "KC Valuation"
REQUIRED = object()
KINDS = ("number", "numbers", "rates", "optional_numbers", "option", "value", "values", "scale")
RESULT_SHAPES = ("scalar", "row", "grid")


@dataclass(frozen=True)
class Arg:
    name: str
    kind: str
    doc: str
    default: object = REQUIRED     # what an empty cell means; REQUIRED: an empty cell is an error
    core: str | None = None        # the core's keyword, when it differs from the Excel name
    placed: bool = False           # has its place among the required arguments though it may be empty

    @property
    def required(self) -> bool:
        """Required in the Excel signature (VBA: not ``Optional``)."""
        return self.default is REQUIRED or self.placed

    @property
    def keyword(self) -> str:
        return self.name if self.core is None else self.core


@dataclass(frozen=True)
class ExcelFunction:
    name: str
    doc: str
    args: tuple[Arg, ...]
    compute: Callable[..., object]   # called with the converted arguments by keyword
    result: str = "scalar"           # scalar, row (a 1-D path spilled across) or grid (2-D, spilled)
    # Many cells' calls at once (``addin.registry.batch_callable``): the converted arguments, per-row ones as
    # arrays, in; (values, ok) or None out, each ok value bit for bit what ``compute`` gives for its row.
    batch: Callable[..., object] | None = None

    def __post_init__(self):
        seen_optional = False
        for arg in self.args:
            if arg.kind not in KINDS:
                raise ValueError(f"{self.name}: argument {arg.name} has unknown kind {arg.kind!r}")
            if arg.required and seen_optional:
                raise ValueError(f"{self.name}: required argument {arg.name} follows an optional one")
            seen_optional = seen_optional or not arg.required
        if self.result not in RESULT_SHAPES:
            raise ValueError(f"{self.name}: unknown result shape {self.result!r}")


# Help texts shared by several functions (Excel's function wizard shows them).
FLOWS = "Explicit free cash flows, one per period (a row or a column)"
WACC = "Discount rate per period, e.g. 10.5% or 0.105"
WACC_PATH = ("Discount rate, e.g. 10.5%, or a row with one rate per period (discounted cumulatively; the "
             "terminal value uses the last unless terminal_wacc)")
TIMING = ("Mid-year convention: mid (default for gordon and value_driver) discounts the terminal value from "
          "n - 0.5, end from n; an exit value is always discounted from n")
METHOD = "gordon (default), exit (exit_multiple x final_metric) or value_driver (nopat_next, ronic)"
NEXT_FLOW = "Gordon: the first flow after the forecast (default: the final flow x (1 + g))"
TERMINAL_WACC = "Rate for the terminal value when the WACC is a path (default: its last rate)"
NOPAT_NEXT = "Value driver: NOPAT of the first year after the forecast"
RONIC = "Value driver: return on new invested capital (TV = NOPAT x (1 - g / RONIC) / (WACC - g))"
GROWTH = "Terminal growth rate, below the WACC"
NET_DEBT = "Net debt in the flows' currency (default 0; negative for net cash)"
SHARES = "Share count in the flows' scale, e.g. millions (default 1)"
FX = "Quoted-currency units per unit of the flows' currency, e.g. 1.10 HKD per CNY (default 1)"
CONVENTION = "end (default, as Excel NPV), mid (mid-year) or dated (needs dates and valuation_date)"
DATES = "Dated convention: one date per cash flow"
VALUATION_DATE = "Dated convention: the date values are discounted to"
FINAL_METRIC = "Exit method: the final-year metric (default: the final cash flow)"
PRICE = "Market price per share, in the quoted currency"
FIRST_REVENUE = "Revenue of the first forecast year"


def bridge_args() -> tuple[Arg, ...]:
    return (Arg("net_debt", "number", NET_DEBT, 0.0), Arg("shares", "number", SHARES, 1.0),
            Arg("fx", "number", FX, 1.0))


def capm_args() -> tuple[Arg, ...]:
    return (Arg("risk_free", "number", "Risk-free rate, e.g. the 10-year government bond yield"),
            Arg("beta", "number", "Equity beta (levered)"),
            Arg("equity_risk_premium", "number", "Mature-market equity risk premium, e.g. 5.5%"),
            Arg("country_premium", "number", "Country risk premium added to the cost of equity (default 0)", 0.0),
            Arg("size_premium", "number", "Size premium added to the cost of equity (default 0)", 0.0))


def terminal_args() -> tuple[Arg, ...]:
    return (Arg("next_flow", "number", NEXT_FLOW, None), Arg("nopat_next", "number", NOPAT_NEXT, None),
            Arg("ronic", "number", RONIC, None))


def adjustment_args() -> tuple[Arg, ...]:
    return (Arg("minorities", "number", "Minority interests to deduct (default 0)", 0.0),
            Arg("non_operating", "number", "Non-operating assets to add (default 0)", 0.0),
            Arg("ads_ratio", "number", "Shares per ADS for output per_ads (default 1)", 1.0))


def dcf_option_args() -> tuple[Arg, ...]:
    """KC_DCF's options after the convention, for the reverse-DCF functions (they solve on per share)."""
    return (Arg("dates", "values", DATES, None), Arg("valuation_date", "value", VALUATION_DATE, None),
            Arg("terminal_timing", "option", TIMING, None), Arg("method", "option", METHOD, "gordon"),
            Arg("exit_multiple", "number", "Exit method: multiple applied to final_metric", None),
            Arg("final_metric", "number", FINAL_METRIC, None),
            Arg("minorities", "number", "Minority interests to deduct (default 0)", 0.0),
            Arg("non_operating", "number", "Non-operating assets to add (default 0)", 0.0),
            *terminal_args())


def _dcf(output, **core):
    return kcfuncs.dcf_valuation(**core).output(output)


def _dcf_batch(output, **core):
    return kcfuncs.dcf_batch(output=output, **core)


def _fcf(first_revenue, growth, margins):
    return kcfuncs.fcf_path(kcfuncs.revenue_path(first_revenue, growth), margins)


FUNCTIONS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        "KC_DCF",
        "DCF value of explicit cash flows plus a terminal value: per share by default, or one part of the breakdown.",
        (Arg("cash_flows", "numbers", FLOWS), Arg("wacc", "rates", WACC_PATH),
         Arg("terminal_growth", "number", GROWTH + " (ignored by the exit method)", None, placed=True),
         *bridge_args(), Arg("convention", "option", CONVENTION, "end"),
         Arg("output", "option", "per_share (default), ev, equity, pv_explicit, pv_terminal, terminal_value, "
             "tv_share, per_ads", "per_share"),
         Arg("dates", "values", DATES, None), Arg("valuation_date", "value", VALUATION_DATE, None),
         Arg("terminal_timing", "option", TIMING, None),
         Arg("method", "option", METHOD, "gordon"),
         Arg("exit_multiple", "number", "Exit method: multiple applied to final_metric", None),
         Arg("final_metric", "number", FINAL_METRIC, None),
         *adjustment_args(), *terminal_args(), Arg("terminal_wacc", "number", TERMINAL_WACC, None)),
        _dcf, batch=_dcf_batch),
    ExcelFunction(
        "KC_TERMINAL", "Terminal value at the end of the forecast, by Gordon growth or an exit multiple.",
        (Arg("final_flow", "number", "Final explicit cash flow (gordon) or final-year metric (exit)"),
         Arg("wacc", "number", WACC + " (gordon)", None, placed=True),
         Arg("growth", "number", GROWTH + " (gordon)", None, placed=True),
         Arg("method", "option", "gordon (default): final_flow x (1+g) / (wacc - g); exit: multiple x final_flow; "
             "value_driver: final_flow is final-year NOPAT", "gordon"),
         Arg("multiple", "number", "Exit method: the multiple", None),
         Arg("ronic", "number", RONIC, None)),
        kcfuncs.terminal_value),
    ExcelFunction(
        "KC_RATING", "Rating label from the upside of target over price on a named or custom scale.",
        (Arg("target", "number", "Target price"), Arg("price", "number", "Current price, same currency"),
         Arg("scale", "scale", "buy_hold_sell (default, +/-20%), overweight_underweight (+/-10%), or a 2-column "
             "range of (minimum upside, label)", "buy_hold_sell"),
         Arg("language", "option", "en (default) or zh", "en")),
        kcfuncs.rating),
    ExcelFunction(
        "KC_UPSIDE", "Upside of target over price: target / price - 1.",
        (Arg("target", "number", "Target price"), Arg("price", "number", "Current price, same currency")),
        kcfuncs.upside),
    ExcelFunction(
        "KC_SENSITIVITY", "Grid of DCF values: rows follow wacc_values, columns follow growth_values. Spills.",
        (Arg("cash_flows", "numbers", FLOWS), Arg("wacc_values", "numbers", "WACC values, one per row of the result"),
         Arg("growth_values", "numbers", "Terminal growth rates (or exit multiples with method exit), one per column",
             core="second_values"),
         *bridge_args(), Arg("convention", "option", CONVENTION, "end"),
         Arg("method", "option", "gordon (default), exit (columns are exit multiples) or value_driver", "gordon"),
         Arg("output", "option", "per_share (default) or another KC_DCF output", "per_share"),
         Arg("final_metric", "number", FINAL_METRIC, None),
         Arg("dates", "values", DATES, None), Arg("valuation_date", "value", VALUATION_DATE, None),
         Arg("terminal_timing", "option", TIMING, None), *terminal_args(),
         Arg("wacc_path", "optional_numbers", "A rate per period; each row's WACC is then its terminal rate and shifts the "
             "whole path in parallel", None),
         *adjustment_args()),
        kcfuncs.sensitivity_grid, "grid"),
    ExcelFunction(
        "KC_PV", "Present value of cash flows: end of period (= Excel NPV), mid-year, or dated (= XNPV from "
        "valuation_date).",
        (Arg("cash_flows", "numbers", FLOWS),
         Arg("rate", "rates", "Discount rate per period, or a row with one rate per period (cumulative)",
             core="discount_rate"),
         Arg("convention", "option", CONVENTION, "end"), Arg("dates", "values", DATES, None),
         Arg("valuation_date", "value", VALUATION_DATE, None)),
        kcfuncs.present_value),
    ExcelFunction(
        "KC_REVENUE", "Revenue path: the first year, then each later year grown by its rate. Spills as a row.",
        (Arg("first_revenue", "number", FIRST_REVENUE),
         Arg("growth", "numbers", "Growth rates of the later years, one per year")),
        kcfuncs.revenue_path, "row"),
    ExcelFunction(
        "KC_FCF", "Free cash flow path: revenue path x FCF margins. Spills as a row.",
        (Arg("first_revenue", "number", FIRST_REVENUE),
         Arg("growth", "numbers", "Growth rates of the later years, one per year"),
         Arg("margins", "numbers", "FCF margin of every year of the path")),
        _fcf, "row"),
    ExcelFunction(
        "KC_SCENARIO_VALUE", "Probability-weighted value of scenarios.",
        (Arg("values", "numbers", "Value of each scenario (e.g. bear, base, bull)"),
         Arg("weights", "optional_numbers", "Probability of each scenario, adding up to 100% (default: equal)", None)),
        kcfuncs.weighted_value),
    ExcelFunction(
        "KC_IMPLIED_WACC", "Reverse DCF: the WACC at which the DCF value per share equals the price.",
        (Arg("cash_flows", "numbers", FLOWS), Arg("terminal_growth", "number", GROWTH),
         Arg("price", "number", PRICE), *bridge_args(), Arg("convention", "option", CONVENTION, "end"),
         *dcf_option_args(),
         Arg("wacc_path", "optional_numbers", "A rate per period: the answer is then the terminal rate of the path shifted "
             "in parallel", None),
         Arg("terminal_wacc", "number", TERMINAL_WACC, None)),
        kcfuncs.implied_wacc),
    ExcelFunction(
        "KC_IMPLIED_MARGIN_SHIFT",
        "Reverse DCF: the uniform shift of every FCF margin at which the value equals the price.",
        (Arg("first_revenue", "number", FIRST_REVENUE), Arg("growth", "numbers", "Growth rates of the later years"),
         Arg("margins", "numbers", "FCF margin of every year"), Arg("wacc", "rates", WACC_PATH),
         Arg("terminal_growth", "number", GROWTH), Arg("price", "number", PRICE), *bridge_args(),
         Arg("convention", "option", CONVENTION, "end"), *dcf_option_args(),
         Arg("terminal_wacc", "number", TERMINAL_WACC, None)),
        kcfuncs.implied_margin_shift),
    ExcelFunction(
        "KC_MULTIPLE_TARGET", "Target price from a multiple: (multiple x metric - net debt) / count x fx.",
        (Arg("multiple", "number", "Valuation multiple, e.g. 3.5 for P/S 3.5x"),
         Arg("metric", "number", "The metric it applies to, e.g. FY2025E revenue"),
         Arg("count", "number", "Shares or ADS count, in the metric's scale"), Arg("fx", "number", FX, 1.0),
         Arg("net_debt", "number", "Net debt, for an EV multiple only (default 0)", 0.0)),
        kcfuncs.multiple_target),
    ExcelFunction(
        "KC_MARKET_MULTIPLE", "The multiple the market pays: (price / fx x count + net debt) / metric.",
        (Arg("price", "number", "Market price per share or ADS"), Arg("metric", "number", "The metric, e.g. LTM revenue"),
         Arg("count", "number", "Shares or ADS count, in the metric's scale"), Arg("fx", "number", FX, 1.0),
         Arg("net_debt", "number", "Net debt, for an EV multiple only (default 0)", 0.0)),
        kcfuncs.implied_multiple),
    ExcelFunction(
        "KC_IMPLIED_MULTIPLE", "The exit multiple a terminal value represents: TV / final metric.",
        (Arg("terminal_value", "number", "A terminal value"), Arg("final_metric", "number", "The final-year metric")),
        kcfuncs.implied_exit_multiple),
    ExcelFunction(
        "KC_IMPLIED_GROWTH", "The perpetual growth a terminal value implies: (TV x wacc - F) / (TV + F).",
        (Arg("terminal_value", "number", "A terminal value"), Arg("final_flow", "number", "Final explicit cash flow"),
         Arg("wacc", "number", WACC)),
        kcfuncs.implied_terminal_growth),
    ExcelFunction(
        "KC_COST_OF_EQUITY", "Cost of equity by CAPM: risk-free + beta x equity risk premium + country and size "
        "premiums.",
        capm_args(), kcfuncs.cost_of_equity),
    ExcelFunction(
        "KC_WACC", "Weighted average cost of capital: (1 - D/V) x cost of equity + D/V x cost of debt x (1 - tax).",
        (*capm_args()[:3],
         Arg("pre_tax_cost_of_debt", "number", "Pre-tax cost of debt, e.g. 4.5%"),
         Arg("tax_rate", "number", "Marginal tax rate on interest, e.g. 25%"),
         Arg("debt_weight", "number", "Debt / (debt + equity) at market values, 0 to below 100%"),
         *capm_args()[3:]),
        kcfuncs.wacc),
    ExcelFunction(
        "KC_FCFF", "Free cash flow to the firm per year: EBIT x (1 - tax) + D&A - capex - increase in NWC. Spills as "
        "a row.",
        (Arg("ebit", "numbers", "EBIT of each year (a row)"),
         Arg("tax_rate", "rates", "Tax rate on EBIT: one rate, or one per year"),
         Arg("d_and_a", "numbers", "Depreciation and amortisation of each year (positive, added back)"),
         Arg("capex", "numbers", "Capital expenditure of each year (positive, spent)"),
         Arg("change_in_nwc", "numbers", "Increase in net working capital of each year (positive reduces cash)")),
        kcfuncs.fcff, "row"),
)

BY_NAME: dict[str, ExcelFunction] = {f.name: f for f in FUNCTIONS}
