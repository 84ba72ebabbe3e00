"""What Excel hands a function, turned into what the core expects: the one place that decides.

``convert`` reads one argument by the kind its declaration gives (``addin.catalog``).

How values arrive (xlwings, classic UDFs): numbers as float, an empty cell as None, one cell as a
scalar, a row or a column as a 1-D list, a block as a list of lists (tuples from COM); dates as
datetime when the cell is formatted as a date; an error cell as its text ("#N/A"), because every
argument is declared with xlwings' ``err_to_str`` (the headless engines hand errors over the same way).
Nothing is guessed: a value is read exactly as Excel (en-US) would read it, or refused with a message
naming the argument. Decisions:

* Empty (None or "") for an optional argument means "use the default"; for a required one it is an
  error naming the argument. An error value (#N/A, #DIV/0!, ...) is never "empty": it is refused,
  naming the argument and the error.
* A 1x1 range is its single value wherever a scalar is expected.
* Numbers stored as text are read as Excel reads them: "10.5%" -> 0.105, "1,234.5" -> 1234.5,
  "(12)" -> -12. Refused: a comma that is not a thousands separator ("10,5%", "1,2,3"), a sign inside
  parentheses ("(-10)"), inner spaces, underscores, currency symbols, digits other than 0-9.
* TRUE/FALSE are never numbers (a boolean in a rate cell is a slip, not 1 or 0).
* A range of numbers is one row or one column, read in order; a block of several rows and columns is
  refused (a 2x2 block of flows, or flows selected with their year-header row, must not be flattened
  without a word). Every cell must hold a number: an empty cell inside it is an error naming its
  position, so a short path never passes silently.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from kcfuncs.errors import KCInputError
from kcfuncs.validation import finite_number, format_value

# Digits are ASCII only ([0-9], not \d, which also matches full-width and other scripts' digits).
_NUMBER_TEXT = re.compile(r"^[+-]?([0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?|[0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")


def is_error(value) -> bool:
    """An Excel error value as xlwings (``err_to_str``) and our engines hand it over: its text."""
    return isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS


def refuse_error(name: str, value) -> None:
    if is_error(value):
        raise KCInputError(f"{name} is the error {value.strip().upper()}; fix the cell it comes from")


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_SEQUENCES = {list, tuple}
_NESTED = {list, tuple, np.ndarray}


def cells(value) -> list:
    """Every cell of a scalar, row, column or block, row by row."""
    if isinstance(value, np.ndarray):
        return value.ravel().tolist()
    if isinstance(value, (list, tuple)):
        if value and set(map(type, value)) <= _SEQUENCES:  # a block of rows: the usual range shape
            flat = [v for row in value for v in row]
            if not set(map(type, flat)) & _NESTED:
                return flat
        out = []
        for item in value:
            out.extend(cells(item) if isinstance(item, (list, tuple, np.ndarray)) else [item])
        return out
    return [value]


def rows(value) -> list[list]:
    """A block as a list of rows; a scalar is one 1x1 row, a 1-D list one row."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if value and all(isinstance(r, (list, tuple)) for r in value):
        return [list(r) for r in value]
    return [list(value)]


def single(name: str, value):
    """The one value of a scalar or a 1x1 range."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return value
    items = cells(value)
    if len(items) != 1:
        raise KCInputError(f"{name} must be a single cell, not a range of {len(items)} cells")
    return items[0]


def parse_number_text(name: str, text: str) -> float:
    refuse_error(name, text)
    raw = text.strip()
    negative = raw.startswith("(") and raw.endswith(")")
    if negative:
        raw = raw[1:-1].strip()
        if raw[:1] in ("+", "-"):
            raise KCInputError(f"{name} ({format_value(text)}) must be a number: a sign inside parentheses is "
                               f"ambiguous")
    percent = raw.endswith("%")
    if percent:
        raw = raw[:-1].rstrip()
    if not _NUMBER_TEXT.match(raw):
        hint = " (use . for decimals; , only between thousands)" if "," in raw else ""
        raise KCInputError(f"{name} ({format_value(text)}) must be a number{hint}")
    number = float(raw.replace(",", "")) / (100.0 if percent else 1.0)
    return -number if negative else number


def number(name: str, value, default=None) -> float:
    """A finite number; ``default`` (when not None) stands in for an empty cell."""
    if type(value) is float and math.isfinite(value):  # what Excel sends for a number
        return value
    value = single(name, value)
    if is_empty(value):
        if default is not None:
            return default
        raise KCInputError(f"{name} is empty; a number is required")
    if isinstance(value, str):
        value = parse_number_text(name, value)
    return finite_number(name, value)


def optional_value(name: str, value):
    """The single value of an optional argument as given (a date, text, number), or None when empty."""
    value = single(name, value)
    refuse_error(name, value)
    return None if is_empty(value) else value


def one_dimensional(name: str, value) -> None:
    """Refuse a block of several rows and several columns where a row or a column belongs."""
    if isinstance(value, np.ndarray):
        shape = value.shape if value.ndim == 2 else (1, value.size)
    elif isinstance(value, (list, tuple)) and len(value) > 1 and isinstance(value[0], (list, tuple, np.ndarray)):
        # A range arrives as rows of equal length, so the first row gives the width (one look, not a scan).
        shape = (len(value), len(value[0]))
    else:
        return
    if shape[0] > 1 and shape[1] > 1:
        raise KCInputError(f"{name} must be one row or one column, not a block of {shape[0]} rows x {shape[1]} "
                           f"columns")


def optional_number(name: str, value):
    """A number, or None for an empty cell (the core then applies its own default)."""
    return None if is_empty(single(name, value)) else number(name, value)


def numbers(name: str, value) -> np.ndarray:
    """Every cell of a row or column as a number, in order (a 1-D float array)."""
    one_dimensional(name, value)
    items = cells(value)
    if items and set(map(type, items)) == {float}:  # what Excel sends for a range of numbers
        return np.array(items, dtype=float)
    if not items or all(is_empty(v) for v in items):
        raise KCInputError(f"{name} is empty; at least one number is required")
    if len(items) == 1:
        return np.array([number(name, items[0])], dtype=float)
    return np.array([number(f"{name}[{i}]", v) for i, v in enumerate(items, start=1)], dtype=float)


def rates(name: str, value, default=None):
    """One rate (a single cell), or one rate per period (a row or a column): the core discounts
    cumulatively with a path. An empty optional argument gives ``default`` (None: the core's own)."""
    if isinstance(value, (list, tuple, np.ndarray)) and len(cells(value)) > 1:
        return numbers(name, value)
    if default is None:
        return optional_number(name, value)
    return number(name, value, default if isinstance(default, float) else None)


def text(name: str, value, default: str) -> str:
    value = single(name, value)
    refuse_error(name, value)
    if is_empty(value):
        return default
    if not isinstance(value, str):
        example = f" such as {default!r}" if default else " (an option name)"
        raise KCInputError(f"{name} ({format_value(value)}) must be text{example}")
    return value


def raw_values(name: str, value) -> list | None:
    """Every cell of an optional row or column as given (dates, serials, text); None when all empty."""
    one_dimensional(name, value)
    items = cells(value)
    for i, item in enumerate(items, start=1):
        refuse_error(f"{name}[{i}]" if len(items) > 1 else name, item)
    if all(is_empty(v) for v in items):
        return None
    for i, item in enumerate(items, start=1):
        if is_empty(item):
            raise KCInputError(f"{name}[{i}] is empty")
    return items


def scale(name: str, value):
    """A scale name, or a two-column block of (minimum upside, label) rows for a custom scale."""
    block = rows(value)
    if len(block) == 1 and len(block[0]) == 1:
        return text(name, block[0][0], "buy_hold_sell")
    pairs = []
    for k, row in enumerate(block, start=1):
        if all(is_empty(v) for v in row):
            continue
        if len(row) != 2:
            raise KCInputError(f"{name} must have two columns (minimum upside, label); row {k} has {len(row)}")
        refuse_error(f"{name} row {k} label", row[1])
        pairs.append((number(f"{name} row {k} minimum", row[0]), row[1]))
    if len(pairs) < 2:
        raise KCInputError(f"{name} needs at least two rows (minimum upside, label); with {len(pairs)} every "
                           f"upside would get the same label")
    return pairs


def as_grid(grid) -> np.ndarray:
    """A 2-D float array: xlwings spills it as a dynamic array (and turns NaN into an empty cell)."""
    return np.asarray(grid, dtype=float)


def as_row(values: Sequence[float]) -> list[list[float]]:
    """A 1-D path as one spilled row (years across, as a model lays them out)."""
    return [np.asarray(values, dtype=float).tolist()]


def as_handed_over(value, is_absent, error_text=lambda value: None):
    """A value in the shape xlwings hands to a UDF, for callers that are not Excel (the headless engines):
    a scalar, or a list of rows; a 1x1 block is its single value; an Excel error becomes its text, as
    ``error_text`` gives it (what xlwings' ``err_to_str`` does); other cells for which ``is_absent`` is
    true (empty, omitted) become None; numpy and integer numbers become Python floats."""
    if isinstance(value, np.ndarray):
        grid = np.atleast_2d(value) if value.ndim != 2 else value
        if grid.shape == (1, 1):
            return as_handed_over(grid[0, 0], is_absent, error_text)
        return [[as_handed_over(v, is_absent, error_text) for v in row] for row in grid.tolist()]
    error = error_text(value)
    if error is not None:
        return error
    if value is None or is_absent(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def convert(arg, value):
    """One argument as the core takes it, by its declared kind (``addin.catalog.Arg``)."""
    kind, name = arg.kind, arg.name
    if kind == "number":
        if arg.default is None:
            return optional_number(name, value)
        return number(name, value, arg.default if isinstance(arg.default, float) else None)
    if kind == "numbers":
        return numbers(name, value)
    if kind == "rates":
        return rates(name, value, arg.default)
    if kind == "optional_numbers":
        return None if raw_values(name, value) is None else numbers(name, value)
    if kind == "option":
        return text(name, value, arg.default)
    if kind == "value":
        return optional_value(name, value)
    if kind == "values":
        return raw_values(name, value)
    if kind == "scale":
        return scale(name, value)
    raise ValueError(f"unknown argument kind {kind!r}")
