"""Terminal value at the end of the explicit forecast.

* Gordon growth: TV = F_{n+1} / (wacc - g), where the next-year flow F_{n+1} is the final explicit
  flow grown one year, F_n * (1 + g), unless an explicit next-year flow is given. Requires wacc > g.
* Exit multiple: TV = multiple * final metric (e.g. EV/EBITDA times final-year EBITDA).

Both give a value as of the end of the last explicit period; discounting it back is
``kcfuncs.discounting``'s job.
"""

from __future__ import annotations

from kcfuncs.errors import KCInputError
from kcfuncs.validation import choice, finite_number, format_value, rate, wacc_above_growth

METHODS = ("gordon", "exit")
METHOD_ALIASES = {"gordon_growth": "gordon", "perpetuity": "gordon", "growth": "gordon",
                  "exit_multiple": "exit", "multiple": "exit"}


def gordon_terminal_value(final_flow, wacc, growth, next_flow=None) -> float:
    """F_{n+1} / (wacc - g) with F_{n+1} = final_flow * (1 + g) unless ``next_flow`` is given."""
    w = rate("wacc", wacc)
    g = rate("terminal growth", growth)
    wacc_above_growth(w, g)
    if next_flow is None:
        flow = finite_number("final_flow", final_flow) * (1.0 + g)
    else:
        flow = finite_number("next_flow", next_flow)
    return flow / (w - g)


def exit_multiple_terminal_value(final_metric, multiple) -> float:
    """multiple * final_metric."""
    return finite_number("multiple", multiple) * finite_number("final_metric", final_metric)


def implied_exit_multiple(terminal_value, final_metric) -> float:
    """The multiple of ``final_metric`` that a terminal value represents (TV / metric)."""
    metric = finite_number("final_metric", final_metric)
    if metric == 0:
        raise KCInputError("final_metric (0) must not be zero to imply a multiple")
    return finite_number("terminal_value", terminal_value) / metric


def implied_terminal_growth(terminal_value, final_flow, wacc) -> float:
    """The g at which the Gordon value of ``final_flow`` equals ``terminal_value``.

    From TV = F (1 + g) / (w - g): g = (TV * w - F) / (TV + F).
    """
    tv = finite_number("terminal_value", terminal_value)
    flow = finite_number("final_flow", final_flow)
    w = rate("wacc", wacc)
    if tv + flow == 0:
        raise KCInputError(f"terminal_value ({format_value(tv)}) and final_flow cancel; no growth rate fits")
    return (tv * w - flow) / (tv + flow)


def terminal_value(final_flow, wacc=None, growth=None, method="gordon", multiple=None) -> float:
    """Dispatch on ``method``: gordon uses wacc and growth, exit uses multiple x final_flow."""
    if choice("method", method, METHODS, METHOD_ALIASES) == "exit":
        if multiple is None:
            raise KCInputError("multiple is empty; the exit method needs a multiple")
        return exit_multiple_terminal_value(final_flow, multiple)
    return gordon_terminal_value(final_flow, wacc, growth)
