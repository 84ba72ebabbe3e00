"""The one call the Basic wrappers make: a KC_* function's name and its arguments as LibreOffice Basic hands
them over, turned into the values Excel (xlwings) hands our callables, and the result turned back into
something Basic can give Calc.

This module runs inside LibreOffice's own Python (the UNO component imports it), and is plain Python
otherwise, so the conversions are tested without LibreOffice. It never raises: whatever goes wrong comes
back as the function's one-line message, because an exception that reaches Basic becomes a Basic runtime
error, and an unhandled one stops headless LibreOffice for good (seen on 7.4.7).

How values arrive from a Basic wrapper (seen on LibreOffice 7.4.7, the prototype's probes):

* a number as float, except that Basic hands whole numbers over as int (3.0 arrives as 3);
* an empty cell, and an argument left out at the end, as None (the wrapper turns "missing" into Empty);
* an argument left out in the middle, ``f(a,,c)``, as 0: Calc gives the Basic function a 0 there, which
  nothing downstream can tell from a typed 0. The template writes "" for a skipped argument, which every
  host reads as "use the default";
* TRUE/FALSE as 1/0 (Calc has no boolean cell values), where Excel hands over a boolean;
* a range, an inline array or a named range as a tuple of row tuples (1-based in Basic, rows here),
  its empty cells as None; a one-cell reference as its value;
* an error value never arrives: Calc does not call a Basic function whose argument is an error, and
  shows that error in the cell (Excel hands the error's text over and the function names the argument).
"""

from __future__ import annotations

MISSING_CODE = "the KC Python code could not be loaded in LibreOffice ({reason}); run kc libreoffice-setup again"

_functions = None
_load_error = None


def _registry():
    """``addin.registry.FUNCTIONS``, imported on the first call (numpy and the core load once)."""
    global _functions, _load_error
    if _functions is None and _load_error is None:
        try:
            from addin.registry import FUNCTIONS
            _functions = FUNCTIONS
        except Exception as error:  # noqa: BLE001 - reported in the cell, one line
            _load_error = f"{type(error).__name__}: {' '.join(str(error).split())}"
    return _functions


def handed_over(value):
    """One value as Basic handed it -> the xlwings shape our callables take (see the module's note)."""
    if isinstance(value, tuple):
        rows = [[_scalar(v) for v in (row if isinstance(row, tuple) else (row,))] for row in value]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]  # a 1x1 block is its single value, as xlwings and our engines hand it over
        return rows
    return _scalar(value)


def _scalar(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)  # Basic's narrowing undone: Excel hands every number over as float
    return value


def for_basic(value):
    """A callable's result -> a number, a text, or a tuple of equally long row tuples (the wrapper makes
    a 2-D Basic array of it, which fills an array formula)."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy arrays and numpy scalars
    if isinstance(value, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]
        if value and not any(isinstance(r, (list, tuple)) for r in value):
            rows = [list(value)]  # a flat list is one row, as a spilled path
        width = max((len(r) for r in rows), default=0)
        return tuple(tuple(_cell(r[j]) if j < len(r) else "" for j in range(width)) for r in rows)
    return _cell(value)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value if isinstance(value, str) else str(value)


def call(name: str, args) -> object:
    """``name``'s result for these Basic arguments, or its one-line message; never raises."""
    try:
        functions = _registry()
        if functions is None:
            return f"{name}: " + MISSING_CODE.format(reason=_load_error)
        function = functions.get(name)
        if function is None:
            return f"{name}: not a KC function of this version; run kc libreoffice-setup again"
        # A wrapper passes every declared parameter, given or not, as xlwings does (None when not given).
        return for_basic(function(*[handed_over(v) for v in (args or ())]))
    except Exception as error:  # noqa: BLE001 - the cell gets one line, never a traceback
        return f"{name}: unexpected failure in LibreOffice ({type(error).__name__}); please report it with the formula"
