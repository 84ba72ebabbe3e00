"""Excel's values and the rules that turn one kind into another, for the fast evaluator.

Values: a float, a str, a bool, ``None`` for an empty cell, an Excel error (``XlError``, the type the
writer in ``workbook.xlsx.cached_values`` stores as ``t="e"``), ``MISSING`` for an omitted argument,
a 2-D object ``np.ndarray`` for an array (an array constant, or what an array formula computes), and
``Ref`` / ``Areas`` for a reference, which functions such as SUM treat differently from a value (a
text cell inside a reference is skipped, a text typed as an argument is converted).

Where Excel's rule is known (Microsoft's documentation of the function or operator) it is followed;
where the result would depend on something this evaluator cannot know, or on behaviour nobody has
documented, the rule raises ``Unsupported`` rather than guess. Numbers stored as text follow Excel's
conversion in an en-US locale (decimal point ".", thousands separator ",", currency "$"): "5%" is 0.05,
"$5" is 5, "(5)" is -5, "1,000" is 1000; "1_000" and full-width digits are #VALUE!. Text that could be a
date, a time or a fraction ("1/2", "12:00", "1 1/2") depends on the locale and raises ``Unsupported``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

import numpy as np
from formulas.tokens.operand import Error, XlError

ERRORS = Error.errors
VALUE, DIV0, NA, NUM, REF, NAME = (ERRORS[e] for e in ("#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#REF!", "#NAME?"))
SMALLEST_NORMAL = 2.2250738585072014e-308   # Excel keeps no denormal numbers: smaller results are 0


class Unsupported(Exception):
    """The formula (or cell) is outside what the fast evaluator computes exactly."""


class Refused(Exception):
    """A formula no engine here computes as Excel would; the message goes to the user with the cell."""


class External(Unsupported):
    """A reference into another workbook."""


class _Missing:
    """An omitted argument, f(a,,c)."""

    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


class Ref:
    """A reference to one rectangular area of a sheet; ``grid()`` reads its values (an object array)."""

    __slots__ = ("book", "sheet", "r1", "c1", "r2", "c2")

    def __init__(self, book, sheet, r1, c1, r2, c2):
        self.book, self.sheet, self.r1, self.c1, self.r2, self.c2 = book, sheet, r1, c1, r2, c2

    @property
    def shape(self) -> tuple[int, int]:
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    def grid(self) -> np.ndarray:
        return self.book.block(self.sheet, self.r1, self.c1, self.r2, self.c2)

    def value(self, row: int, col: int):
        """The value of the cell at (row, col) of the sheet (absolute position)."""
        return self.book.value(self.sheet, row, col)

    def intersect(self, row: int, col: int):
        """Excel's implicit intersection with the formula's cell at (row, col): a single cell is itself;
        a column range gives its cell in the formula's row, a row range its cell in the formula's
        column; a block the cell in both; no such cell is #VALUE!."""
        rows, cols = self.shape
        if rows == 1 and cols == 1:
            return self.value(self.r1, self.c1)
        r = self.r1 if rows == 1 else (row if self.r1 <= row <= self.r2 else None)
        c = self.c1 if cols == 1 else (col if self.c1 <= col <= self.c2 else None)
        if r is None or c is None:
            return VALUE
        return self.value(r, c)

    def sub(self, r1, c1, r2, c2) -> "Ref":
        """A part of this area, positions relative to its top-left cell (1-based)."""
        return Ref(self.book, self.sheet, self.r1 + r1 - 1, self.c1 + c1 - 1, self.r1 + r2 - 1, self.c1 + c2 - 1)


class Areas(tuple):
    """A reference made of several areas (a defined name such as Sheet1!$A$1:$A$3,Sheet1!$C$1)."""


def is_reference(value) -> bool:
    return isinstance(value, (Ref, Areas))


def cells_of(value) -> list:
    """Every value of a reference, array or scalar, row by row (areas one after the other). A large
    reference (a whole column) gives only its cells that hold something, in the same order: what
    functions that skip empty cells need, without a million Nones."""
    if isinstance(value, Ref):
        return value.book.filled(value.sheet, value.r1, value.c1, value.r2, value.c2)
    if isinstance(value, Areas):
        return [v for area in value for v in cells_of(area)]
    if isinstance(value, np.ndarray):
        return value.ravel().tolist()
    return [value]


def first_error(values):
    for v in values:
        if isinstance(v, XlError):
            return v
    return None


# ------------------------------------------------------------------------------------------------
# Numbers stored as text

_ASCII_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_PLAIN = re.compile(rf"([+-]?)({_ASCII_NUMBER}(?:[eE][+-]?[0-9]+)?)(%?)")
_CURRENCY = re.compile(rf"(-?)\$({_ASCII_NUMBER})")
_BRACKETED = re.compile(rf"\((\$?)({_ASCII_NUMBER})(%?)\)")
# Characters an en-US date, time or fraction may hold; text with any other character is no number.
_MAYBE_DATE = re.compile(r"[0-9A-Za-z .,:/+\-$%()]*")


def text_number(text: str):
    """A number stored as text as Excel's arithmetic reads it (en-US), or #VALUE!."""
    stripped = text.strip(" ")
    match = _PLAIN.fullmatch(stripped)
    if match:
        sign, body, percent = match.groups()
        value = float(body.replace(",", "")) / (100.0 if percent else 1.0)
        return -value if sign == "-" else value
    match = _CURRENCY.fullmatch(stripped)
    if match:
        value = float(match[2].replace(",", ""))
        return -value if match[1] else value
    match = _BRACKETED.fullmatch(stripped)
    if match and not (match[1] and match[3]):
        return -float(match[2].replace(",", "")) / (100.0 if match[3] else 1.0)
    if not re.search(r"[0-9]", stripped) or not _MAYBE_DATE.fullmatch(stripped):
        return VALUE            # no ASCII digit, or a character no number/date/time has ("1_000", "５")
    raise Unsupported(f"the text {text!r} in arithmetic (a date, time or fraction is read by the locale)")


# ------------------------------------------------------------------------------------------------
# Coercion of one value


def number(value):
    """One scalar in arithmetic: a float or an error."""
    if type(value) is float:
        return value
    if isinstance(value, XlError):
        return value
    if value is None or value is MISSING:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float, np.number)):
        return float(value)
    if isinstance(value, str):
        return text_number(value)
    raise Unsupported(f"a {type(value).__name__} in arithmetic")


def text(value):
    """One scalar as text (the & operator, text functions): Excel's General format of a number."""
    if isinstance(value, str):
        return value
    if isinstance(value, XlError):
        return value
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        x = float(value)
        if x == 0:
            return "0"
        if not 1e-4 <= abs(x) < 1e15:
            raise Unsupported(f"the number {x!r} as text (Excel's scientific notation is not reproduced)")
        shown = format(x, ".15g")
        return shown.rstrip("0").rstrip(".") if "." in shown else shown
    raise Unsupported(f"a {type(value).__name__} as text")


def truth(value):
    """One scalar as a condition (IF, NOT): a bool or an error."""
    if isinstance(value, bool):
        return value
    if isinstance(value, XlError):
        return value
    if value is None or value is MISSING:
        return False
    if isinstance(value, str):
        upper = value.upper()
        if upper in ("TRUE", "FALSE"):
            return upper == "TRUE"
        return VALUE
    if isinstance(value, (int, float)):
        return float(value) != 0
    raise Unsupported(f"a {type(value).__name__} as a condition")


def top_left(value):
    """What a cell shows of an array in a formula that is not an array formula: its first element."""
    if isinstance(value, np.ndarray):
        return value.flat[0] if value.size else VALUE
    return value


def finite(x: float):
    """A computed number as Excel keeps it: overflow is #NUM!, a denormal result 0."""
    if not math.isfinite(x):
        return NUM
    if x != 0 and abs(x) < SMALLEST_NORMAL:
        return 0.0
    return x


# ------------------------------------------------------------------------------------------------
# Operators


def _rank(value) -> int:
    """Excel orders numbers < text < logicals when the types differ."""
    if isinstance(value, bool):
        return 2
    if isinstance(value, str):
        return 1
    return 0


_COLLATION_SAFE = re.compile(r"[A-Za-z0-9 ]*")


def compare(op, a, b):
    if isinstance(a, XlError):
        return a
    if isinstance(b, XlError):
        return b
    if a is None or a is MISSING:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0.0)
    if b is None or b is MISSING:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0.0)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        x, y = ra, rb
    elif ra == 1:
        x, y = a.lower(), b.lower()
        if op not in ("=", "<>") and not (_COLLATION_SAFE.fullmatch(a) and _COLLATION_SAFE.fullmatch(b)):
            # Excel orders text by a locale's collation (hyphens, accents, symbols), not by code point
            raise Unsupported("ordering text with symbols or accents")
    else:
        x, y = float(a), float(b)
    if op == "=":
        return x == y
    if op == "<>":
        return x != y
    if op == "<":
        return x < y
    if op == ">":
        return x > y
    if op == "<=":
        return x <= y
    return x >= y


COMPARISONS = frozenset(("=", "<>", "<", ">", "<=", ">="))


def _numeric(op, x, y):
    if op == "+":
        return finite(x + y)
    if op == "-":
        return finite(x - y)
    if op == "*":
        return finite(x * y)
    if op == "/":
        return DIV0 if y == 0 else finite(x / y)
    # ^: Excel gives #NUM! for 0^0 and a negative base with a fractional exponent, #DIV/0! for 0^-n
    if x == 0:
        if y == 0:
            return NUM
        if y < 0:
            return DIV0
    if x < 0 and not float(y).is_integer():
        return NUM
    try:
        return finite(math.pow(x, y))
    except OverflowError:
        return NUM
    except ValueError:
        return NUM


def power(x: float, y: float):
    """x ^ y as Excel computes it (#NUM! for 0^0, overflow and a negative base with a fraction)."""
    return _numeric("^", x, y)


def scalar_operation(op, a, b):
    if op in COMPARISONS:
        return compare(op, a, b)
    if op == "&":
        x = text(a)
        if isinstance(x, XlError):
            return x
        y = text(b)
        return y if isinstance(y, XlError) else x + y
    x = number(a)
    if isinstance(x, XlError):
        return x
    y = number(b)
    if isinstance(y, XlError):
        return y
    return _numeric(op, x, y)


def operation(op, a, b):
    """A binary operator on scalars, or element by element on arrays (a 1-sized side is repeated)."""
    if type(a) is float and type(b) is float and op in "+-*":
        return _numeric(op, a, b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return lift(lambda x, y: scalar_operation(op, x, y), a, b)
    return scalar_operation(op, a, b)


def lift(function, *args):
    """``function`` of scalars applied element by element where arguments are arrays."""
    arrays = [a if isinstance(a, np.ndarray) else np.array([[a]], dtype=object) for a in args]
    try:
        pairs = np.broadcast(*arrays)
    except ValueError:
        raise Unsupported("arrays of different sizes (Excel fills the gap with #N/A)") from None
    out = np.empty(pairs.shape, dtype=object)
    out.flat = [function(*items) for items in pairs]
    return out


def negate(value):
    if isinstance(value, np.ndarray):
        return lift(negate, value)
    x = number(value)
    return x if isinstance(x, XlError) else (-x if x else 0.0)


def percent(value):
    if isinstance(value, np.ndarray):
        return lift(percent, value)
    x = number(value)
    return x if isinstance(x, XlError) else finite(x / 100.0)


# ------------------------------------------------------------------------------------------------
# ROUND as Excel does it: on the number's 15-significant-digit decimal form, halves away from zero


def excel_round(x: float, digits: float, rounding=ROUND_HALF_UP):
    places = int(digits)              # Excel truncates the number of digits
    x = float(x)
    if x == 0:
        return 0.0
    shown = Decimal(format(x, ".14e"))   # the 15 significant digits Excel keeps
    # A rounding position below the last of those digits changes nothing (ROUND(1,400) is 1).
    if -places < shown.adjusted() - 14:
        return x
    if -places > shown.adjusted() + 1:
        return 0.0
    with localcontext() as context:
        context.prec = 40
        try:
            rounded = shown.quantize(Decimal(1).scaleb(-places), rounding=rounding)
        except InvalidOperation:
            return NUM
    return finite(float(rounded))


# ------------------------------------------------------------------------------------------------
# Dates stored as ISO 8601 text (cells of type t="d")

_EPOCH_1900, _EPOCH_1904 = datetime(1899, 12, 30), datetime(1904, 1, 1)


def iso_serial(text: str, date1904: bool) -> float:
    """The serial number Excel gives an ISO 8601 date or date-time: days since its epoch, with the time
    as a fraction of a day. The 1900 system counts a 29 February 1900 that never was, so its serials
    are those of the calendar from 1 March 1900 on; earlier dates are refused."""
    raw = text.strip().rstrip("Z")
    try:
        moment = datetime.fromisoformat(raw) if "T" in raw or ":" in raw else datetime.combine(date.fromisoformat(raw), datetime.min.time())
    except ValueError:
        raise Unsupported(f"the date {text!r} is not ISO 8601") from None
    moment = moment.replace(tzinfo=None)
    if date1904:
        if moment < _EPOCH_1904:
            raise Unsupported(f"the date {text!r} is before 1904 (the workbook's date system)")
        delta = moment - _EPOCH_1904
    else:
        if moment < datetime(1900, 3, 1):
            raise Unsupported(f"the date {text!r} is before 1 March 1900 (Excel's 1900 leap-year rule)")
        delta = moment - _EPOCH_1900
    return delta / timedelta(days=1)
