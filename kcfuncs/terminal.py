"""Terminal value at the end of the explicit forecast.

* Gordon growth (``gordon``): TV = F_{n+1} / (wacc - g), where the next-year flow F_{n+1} is the final
  explicit flow grown one year, F_n * (1 + g), unless the first flow after the forecast is given
  (``next_flow``). Requires wacc > g.
* Value driver (``value_driver``, the "key value driver" formula of McKinsey's *Valuation*):
  TV = NOPAT_{n+1} * (1 - g / RONIC) / (wacc - g). NOPAT_{n+1} is the net operating profit after tax of
  the first year after the forecast, g / RONIC the share of it reinvested to grow at g when new
  capital earns RONIC (return on new invested capital, > 0). Requires wacc > g. RONIC = wacc makes
  growth add no value: TV = NOPAT_{n+1} / wacc.
* Exit multiple (``exit``): TV = multiple * final metric (e.g. EV/EBITDA times final-year EBITDA).

``wacc`` here is the terminal rate: the rate the perpetuity is priced at (see ``kcfuncs.discounting``).
Every method gives a value as of the end of the last explicit period; discounting it back is
``kcfuncs.discounting``'s job. Results beyond the floating-point range are errors, not inf.
"""

from __future__ import annotations

from kcfuncs.errors import KCInputError
from kcfuncs.validation import (choice, finite_number, finite_result, format_value, positive_number, rate,
                                wacc_above_growth)

METHODS = ("gordon", "exit", "value_driver")
METHOD_ALIASES = {"gordon_growth": "gordon", "perpetuity": "gordon", "growth": "gordon",
                  "exit_multiple": "exit", "multiple": "exit",
                  "key_value_driver": "value_driver", "value_driver_formula": "value_driver", "kvd": "value_driver",
                  "ronic": "value_driver"}
PERPETUITY_METHODS = ("gordon", "value_driver")   # the methods priced at a rate against a growth rate


def gordon_terminal_value(final_flow, wacc, growth, next_flow=None, *, rate_name="wacc") -> float:
    """F_{n+1} / (wacc - g) with F_{n+1} = final_flow * (1 + g) unless ``next_flow`` is given."""
    w = rate(rate_name, wacc)
    g = rate("terminal growth", growth)
    wacc_above_growth(w, g, wacc_name=rate_name)
    if next_flow is None:
        flow = finite_number("final_flow", final_flow) * (1.0 + g)
    else:
        flow = finite_number("next_flow", next_flow)
    return finite_result("the terminal value", flow / (w - g))


def value_driver_terminal_value(nopat_next, wacc, growth, ronic, *, rate_name="wacc") -> float:
    """NOPAT_{n+1} * (1 - g / RONIC) / (wacc - g)."""
    w = rate(rate_name, wacc)
    g = rate("terminal growth", growth)
    wacc_above_growth(w, g, wacc_name=rate_name)
    return_on_new_capital = positive_number("ronic", ronic)
    nopat = finite_number("nopat_next", nopat_next)
    return finite_result("the terminal value", nopat * (1.0 - g / return_on_new_capital) / (w - g))


def exit_multiple_terminal_value(final_metric, multiple) -> float:
    """multiple * final_metric."""
    return finite_result("the terminal value",
                         finite_number("multiple", multiple) * finite_number("final_metric", final_metric))


def implied_exit_multiple(terminal_value, final_metric) -> float:
    """The multiple of ``final_metric`` that a terminal value represents (TV / metric)."""
    metric = finite_number("final_metric", final_metric)
    if metric == 0:
        raise KCInputError("final_metric (0) must not be zero to imply a multiple")
    return finite_result("the implied multiple", finite_number("terminal_value", terminal_value) / metric)


def implied_terminal_growth(terminal_value, final_flow, wacc) -> float:
    """The g at which the Gordon value of ``final_flow`` equals ``terminal_value``.

    From TV = F (1 + g) / (w - g): g = (TV * w - F) / (TV + F).
    """
    tv = finite_number("terminal_value", terminal_value)
    flow = finite_number("final_flow", final_flow)
    w = rate("wacc", wacc)
    denominator = tv + flow
    numerator = tv * w - flow
    if not (abs(denominator) < float("inf") and abs(numerator) < float("inf")):
        raise KCInputError(f"terminal_value ({format_value(tv)}) and final_flow ({format_value(flow)}) are too "
                           "large to imply a growth rate (beyond the floating-point range)")
    if denominator == 0:
        raise KCInputError(f"terminal_value ({format_value(tv)}) and final_flow cancel; no growth rate fits")
    return finite_result("the implied growth rate", numerator / denominator)


def terminal_value(final_flow, wacc=None, growth=None, method="gordon", multiple=None, *, ronic=None) -> float:
    """Dispatch on ``method``, from the final explicit year's amount ``final_flow``.

    gordon: final_flow is the final flow, grown one year; exit: final_flow is the final-year metric the
    multiple applies to; value_driver: final_flow is the final-year NOPAT, grown one year, with ``ronic``.
    """
    method = choice("method", method, METHODS, METHOD_ALIASES)
    if method == "exit":
        if multiple is None:
            raise KCInputError("multiple is empty; the exit method needs a multiple")
        return exit_multiple_terminal_value(final_flow, multiple)
    if method == "value_driver":
        if ronic is None:
            raise KCInputError("ronic is empty; the value_driver method needs the return on new invested capital")
        g = rate("terminal growth", growth)
        nopat_next = finite_result("next-year NOPAT", finite_number("final_flow", final_flow) * (1.0 + g))
        return value_driver_terminal_value(nopat_next, wacc, g, ronic)
    return gordon_terminal_value(final_flow, wacc, growth)
