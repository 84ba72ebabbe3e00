"""Failures become a short message in the cell, never a traceback.

Excel shows whatever a UDF returns, and xlwings would otherwise put the Python traceback in the cell.
A wrapped function returns ``"KC_DCF: wacc (3.0%) must exceed terminal growth (3.0%)"`` instead: the
function's name, a colon, the one-line reason. Downstream arithmetic on that text gives #VALUE!, as
an error should. ``is_message`` recognises such a result (used by the workbook checks).
"""

from __future__ import annotations

import functools
import inspect
import re

from kcfuncs.errors import KCInputError

MESSAGE_PATTERN = re.compile(r"^KC_[A-Z0-9_]+: ")
MAX_LENGTH = 250  # Excel cells show up to 255 characters returned by a UDF comfortably


def is_message(value) -> bool:
    return isinstance(value, str) and bool(MESSAGE_PATTERN.match(value))


def message(function_name: str, error: BaseException) -> str:
    if isinstance(error, KCInputError):
        reason = str(error)
    elif isinstance(error, OverflowError):
        reason = "the inputs are too large: the result overflows"
    elif isinstance(error, ZeroDivisionError):
        reason = "a division by zero: check the inputs"
    elif isinstance(error, ArithmeticError):
        reason = "the result is undefined for these inputs"
    else:
        # Not a message we wrote: say so in words, without the interpreter's text.
        reason = "unexpected failure for these inputs; please report it with the formula"
    text = f"{function_name}: {' '.join(reason.split())}"
    return text if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 3] + "..."


def cell_safe(function):
    """Wrap an Excel function so any exception comes back as its one-line message."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the cell must never show a traceback
            return message(function.__name__, error)

    # xlwings reads the argument list to build the Excel wrapper; keep the original one.
    wrapper.__signature__ = inspect.signature(function)
    return wrapper
