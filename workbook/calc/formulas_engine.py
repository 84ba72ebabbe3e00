"""The `formulas` engine with the KC_* functions registered from the very objects Excel calls.

Values cross from the engine to a KC function through ``excel_args``, which gives each argument the
shape xlwings gives it in Excel (NOTES §1): a scalar, or a list of rows; an empty cell, an omitted
argument or an error as None. Results go back as the engine's own types: a scalar, or a 2-D Array
for a spilled grid. Import this module before loading a workbook: names not registered by then are
parsed as references.
"""

from __future__ import annotations

import functools

import numpy as np
import formulas
import schedula as sh
from formulas.functions import Array, wrap_ranges_func
from formulas.ranges import Ranges
from formulas.tokens.operand import XlError
from formulas.tokens.operand import Empty

from addin.arguments import as_handed_over
from addin.registry import FUNCTIONS as EXCEL_FUNCTIONS


class _Omitted(int):
    """An omitted argument (`f(a,,c)`): 0 to Excel's own functions, as in Excel; None to ours."""


OMITTED = _Omitted(0)
# The engine compiles an omitted argument to the integer 0, indistinguishable from a typed 0; a
# marked zero keeps native semantics and lets a KC function see "use the default".
Empty.compile = staticmethod(lambda: OMITTED)


def _absent(value) -> bool:
    return value is OMITTED or value is sh.EMPTY or isinstance(value, XlError)


def excel_argument(value):
    """An engine value as xlwings would hand it over (a reference arrives as a 2-D Ranges object)."""
    if isinstance(value, Ranges):
        value = value.value
    return as_handed_over(value, _absent)


def engine_result(value):
    if isinstance(value, (list, np.ndarray)):
        return np.asarray(value, dtype=object).view(Array)
    return value


def engine_function(function):
    """The engine-facing twin of an Excel function; ``excel_function`` is the very object Excel calls."""

    def call(*args):
        return engine_result(function(*[excel_argument(a) for a in args]))

    # The engine's own range handling: while it compiles, ranges have no values yet and the call is skipped.
    wrapped = wrap_ranges_func(functools.update_wrapper(call, function))
    wrapped.excel_function = function
    return wrapped


def register_functions() -> None:
    registry = formulas.get_functions()
    for name, function in EXCEL_FUNCTIONS.items():
        registry[name] = registry["_XLUDF." + name] = engine_function(function)


def evaluate_formula(formula: str):
    """Evaluate one formula of literals (e.g. '=KC_DCF({1,2,3},0.1,0.02)'): a scalar or a list of rows."""
    from workbook.errors import BookError

    text = formula.strip()
    if not text.startswith("="):
        text = "=" + text
    try:
        compiled = formulas.Parser().ast(text)[1].compile()
    except formulas.errors.FormulaError:
        raise BookError(f"cannot parse the formula {formula!r}") from None
    if list(compiled.inputs):
        raise BookError(f"the formula refers to cells ({', '.join(compiled.inputs)}); use literal values")
    result = compiled()
    if isinstance(result, np.ndarray):
        grid = np.atleast_2d(result)
        return grid[0, 0] if grid.shape == (1, 1) else grid.tolist()
    return result


register_functions()
