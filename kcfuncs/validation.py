"""Argument checks shared by every core function.

Conventions: numbers are Python/numpy reals; booleans are *not* numbers here (Excel's TRUE in a rate
cell is a mistake, not 1); NaN and infinities are rejected everywhere; sequences are flattened to 1-D
float arrays in row-major order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from kcfuncs.errors import KCInputError


def format_value(value) -> str:
    """Short display of a value for error messages."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.6g}"
    if isinstance(value, str):
        return repr(value) if value else "empty text"
    if value is None:
        return "empty"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def format_percent(rate: float) -> str:
    """3.0% for 0.03, 3.05% for 0.0305: at least one decimal, no misleading rounding."""
    text = f"{rate * 100:.4f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return text + "%"


def finite_number(name: str, value) -> float:
    """The value as a finite float, or a KCInputError naming `name`."""
    if value is None:
        raise KCInputError(f"{name} is empty; a number is required")
    if isinstance(value, (bool, np.bool_)):
        raise KCInputError(f"{name} ({value}) must be a number, not TRUE/FALSE")
    if isinstance(value, str):
        raise KCInputError(f"{name} ({format_value(value)}) must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise KCInputError(f"{name} ({format_value(value)}) must be a number") from None
    if not math.isfinite(number):
        raise KCInputError(f"{name} ({format_value(number)}) must be a finite number")
    return number


def positive_number(name: str, value) -> float:
    number = finite_number(name, value)
    if number <= 0:
        raise KCInputError(f"{name} ({format_value(number)}) must be greater than zero")
    return number


def rate(name: str, value) -> float:
    """A periodic rate: finite and above -100% (a discount factor needs 1 + rate > 0)."""
    number = finite_number(name, value)
    if number <= -1.0:
        raise KCInputError(f"{name} ({format_percent(number)}) must be above -100%")
    return number


def finite_array(name: str, values, *, min_length: int = 1) -> np.ndarray:
    """A 1-D float array of finite numbers with at least `min_length` entries."""
    if values is None:
        raise KCInputError(f"{name} is empty; at least {min_length} number(s) required")
    if isinstance(values, (str, bytes)):
        raise KCInputError(f"{name} ({format_value(values)}) must be numbers")
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        numbers = values.astype(float).ravel()
        if numbers.size >= min_length and np.isfinite(numbers).all():
            return numbers  # the common case for arrays: already finite floats
    if np.isscalar(values) or isinstance(values, (int, float)):
        items = [values]
    else:
        items = list(_flatten(values))
    if len(items) >= min_length and set(map(type, items)) <= {float, int}:
        numbers = np.array(items, dtype=float)
        if np.isfinite(numbers).all():
            return numbers
    numbers = np.empty(len(items), dtype=float)
    for i, item in enumerate(items):
        numbers[i] = finite_number(f"{name}[{i + 1}]", item)
    if len(numbers) < min_length:
        raise KCInputError(f"{name} has {len(numbers)} value(s); at least {min_length} required")
    return numbers


def _flatten(values) -> Iterable:
    if isinstance(values, np.ndarray):
        yield from values.ravel().tolist()
        return
    for item in values:
        if isinstance(item, (list, tuple, np.ndarray)):
            yield from _flatten(item)
        else:
            yield item


def choice(name: str, value, options: Sequence[str], aliases: dict[str, str] | None = None) -> str:
    """A case-insensitive option name, returned in its canonical spelling."""
    if not isinstance(value, str) or not value.strip():
        raise KCInputError(f"{name} ({format_value(value)}) must be one of: {', '.join(options)}")
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if aliases and key in aliases:
        key = aliases[key]
    if key not in options:
        raise KCInputError(f"{name} ({value!r}) must be one of: {', '.join(options)}")
    return key


def wacc_above_growth(wacc: float, growth: float, *, wacc_name="wacc", growth_name="terminal growth"):
    if wacc <= growth:
        raise KCInputError(
            f"{wacc_name} ({format_percent(wacc)}) must exceed {growth_name} ({format_percent(growth)})"
        )


def unit_fraction(name: str, value) -> float:
    """A share of a whole such as a tax rate or a debt weight: at least 0 and below 1 (100%)."""
    number = finite_number(name, value)
    if not 0.0 <= number < 1.0:
        raise KCInputError(f"{name} ({format_percent(number)}) must be at least 0% and below 100%")
    return number


def finite_result(what: str, value) -> float:
    """A computed amount as a plain float, or a KCInputError when it left the floating-point range.

    Overflow shows up as inf or NaN (numpy, float division) or as OverflowError (``**``); callers catch
    the latter and pass ``math.inf`` here so every route ends in the same one-line message.
    """
    number = float(value)
    if not math.isfinite(number):
        raise KCInputError(f"{what} is beyond the floating-point range (about 1.8e308); check the inputs' scale")
    return number
