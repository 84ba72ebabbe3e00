"""Excel's own functions the fast evaluator computes, each with the kind of every parameter.

A parameter's kind says what Excel hands the function and how an argument written there is read:

* ``value``: one value. A range written there is reduced by implicit intersection (outside an array
  formula); an array is applied element by element where the function allows it (``lifts``).
* ``ref``: a reference or an array, as given: a range arrives whole. An expression written there that
  holds a range is refused (``Unsupported``): whether Excel intersects it is not documented per function.
* ``sumref``: the same, and an expression holding a range is intersected as in a ``value`` parameter:
  Microsoft documents that SUM(IF(A1:A3>0,...)) needs an array formula (Ctrl+Shift+Enter) to see the
  whole range, so SUM's family reads nested expressions one value at a time.
* ``array``: a reference or an array, and an expression written there is computed on whole arrays
  (no intersection), as SUMPRODUCT does in any formula.

The rules for what is counted are Microsoft's documentation of each function: numbers typed as
arguments, logical values and numbers stored as text are converted, while inside a reference or an
array only numbers count (SUM, AVERAGE, MIN, MAX, MEDIAN, PRODUCT); COUNT counts what converts and
never propagates an error; errors elsewhere propagate (the first one, in argument then row order).
"""

from __future__ import annotations

import math
import re
import statistics
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP
from typing import Callable, NamedTuple

import numpy as np
from formulas.tokens.operand import XlError

from workbook.calc.values import (DIV0, MISSING, NA, NUM, REF, VALUE, Areas, Ref, Unsupported, cells_of,
                                  compare, excel_round, finite, first_error, is_reference, number, operation, text,
                                  text_number,
                                  truth)


class Spec(NamedTuple):
    function: Callable
    arity: tuple[int, int | None]      # fewest and most arguments (None: any number)
    kind: Callable[[int], str]         # the kind of the parameter at a position
    lifts: bool = False                # applied element by element to arrays in value parameters
    errors_in: bool = False            # receives errors in value parameters (otherwise the first one is returned)


def _every(kind):
    return lambda position: kind


def _kinds(*kinds, rest=None):
    return lambda position: kinds[position] if position < len(kinds) else rest


def _is_number(v) -> bool:
    return type(v) is float or (isinstance(v, (int, float)) and not isinstance(v, bool))


def numbers_of(args, name: str, missing_ok: bool = False):
    """The numbers SUM-like functions count: in references and arrays only numbers; arguments typed
    directly are converted (logical values, numbers stored as text). An error is returned."""
    out = []
    for arg in args:
        if arg is MISSING:
            if missing_ok:
                continue
            raise Unsupported(f"{name} with an omitted argument")
        if is_reference(arg) or isinstance(arg, np.ndarray):
            for v in cells_of(arg):
                if type(v) is float:
                    out.append(v)
                elif isinstance(v, XlError):
                    return v
                elif _is_number(v):
                    out.append(float(v))
            continue
        if isinstance(arg, XlError):
            return arg
        n = number(arg)
        if isinstance(n, XlError):
            return n
        out.append(n)
    return out


def _sum(*args):
    values = numbers_of(args, "SUM", missing_ok=True)
    if isinstance(values, XlError):
        return values
    return finite(sum(values))


def _product(*args):
    values = numbers_of(args, "PRODUCT")
    if isinstance(values, XlError):
        return values
    if not values:
        return 0.0
    result = 1.0
    for v in values:
        result *= v
    return finite(result)


def _max(*args):
    values = numbers_of(args, "MAX")
    return values if isinstance(values, XlError) else (max(values) if values else 0.0)


def _min(*args):
    values = numbers_of(args, "MIN")
    return values if isinstance(values, XlError) else (min(values) if values else 0.0)


def _average(*args):
    values = numbers_of(args, "AVERAGE")
    if isinstance(values, XlError):
        return values
    return finite(sum(values) / len(values)) if values else DIV0


def _median(*args):
    values = numbers_of(args, "MEDIAN")
    if isinstance(values, XlError):
        return values
    return float(statistics.median(values)) if values else NUM


def _count(*args):
    """COUNT: numbers in references and arrays; typed arguments that are numbers, logical values or
    numbers stored as text. Errors and other text are not counted and do not propagate."""
    count = 0
    for arg in args:
        if arg is MISSING:
            raise Unsupported("COUNT with an omitted argument")
        if is_reference(arg) or isinstance(arg, np.ndarray):
            count += sum(1 for v in cells_of(arg) if _is_number(v))
        elif isinstance(arg, XlError):
            continue
        elif isinstance(arg, str):
            count += not isinstance(text_number(arg), XlError)
        else:
            count += 1
    return float(count)


def _counta(*args):
    """COUNTA: every value that is not an empty cell, errors and empty text included."""
    count = 0
    for arg in args:
        if arg is MISSING:
            raise Unsupported("COUNTA with an omitted argument")
        if is_reference(arg) or isinstance(arg, np.ndarray):
            count += sum(1 for v in cells_of(arg) if v is not None)
        else:
            count += 1
    return float(count)


def _logical(args, combine):
    """AND / OR: logical values and numbers count; text and empty cells in references are ignored."""
    values = []
    for arg in args:
        if arg is MISSING:
            raise Unsupported("AND/OR with an omitted argument")
        if is_reference(arg) or isinstance(arg, np.ndarray):
            for v in cells_of(arg):
                if isinstance(v, XlError):
                    return v
                if isinstance(v, bool) or _is_number(v):
                    values.append(bool(v))
            continue
        t = truth(arg)
        if isinstance(t, XlError):
            return t
        values.append(t)
    return combine(values) if values else VALUE


def _and(*args):
    return _logical(args, all)


def _or(*args):
    return _logical(args, any)


def _not(x):
    t = truth(x)
    return t if isinstance(t, XlError) else not t


def _abs(x):
    n = number(x)
    return n if isinstance(n, XlError) else abs(n)


def _rounding(mode):
    def rounded(x, digits):
        n, d = number(x), number(digits)
        error = first_error((n, d))
        return error if error is not None else excel_round(n, d, mode)
    return rounded


def _whole(value):
    """An index argument (INDEX, SUBSTITUTE): truncated to an integer as Excel does."""
    n = number(value)
    if isinstance(n, XlError):
        return n
    if not -2**31 < n < 2**31:
        return VALUE
    return int(n)


def _index(array, row=MISSING, column=MISSING):
    """INDEX(reference or array, row, column): a cell, or a whole row / column when the number is 0.
    A reference gives a reference (SUM(INDEX(A1:A3,2)) treats text in A2 as text in a reference)."""
    if isinstance(array, Areas):
        raise Unsupported("INDEX of several areas")
    if isinstance(array, XlError):
        return array
    shape = array.shape if isinstance(array, (Ref, np.ndarray)) else (1, 1)
    if isinstance(array, np.ndarray) and array.ndim != 2:
        raise Unsupported("INDEX of an array that is not 2-D")
    r = 0 if row is MISSING else _whole(row)
    c = 0 if column is MISSING else _whole(column)
    for n in (r, c):
        if isinstance(n, XlError):
            return n
    if r < 0 or c < 0:
        return VALUE
    rows, cols = shape
    if column is MISSING:
        if rows == 1 and cols > 1:        # INDEX(row, n) reads along the row
            r, c = 1, r
        elif cols == 1:
            c = 1
        elif r != 0:
            raise Unsupported("INDEX of a block without a column number")
    if r > rows or c > cols:
        return REF
    r1, r2 = (1, rows) if r == 0 else (r, r)
    c1, c2 = (1, cols) if c == 0 else (c, c)
    if isinstance(array, Ref):
        return array.sub(r1, c1, r2, c2)
    if not isinstance(array, np.ndarray):
        return array
    part = array[r1 - 1:r2, c1 - 1:c2]
    return part[0, 0] if part.shape == (1, 1) else part


def _wildcard(pattern: str):
    """MATCH's wildcards: * any text, ? one character, ~ makes the next * ? or ~ literal."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~":
            if i + 1 < len(pattern) and pattern[i + 1] in "*?~":
                out.append(re.escape(pattern[i + 1]))
                i += 2
                continue
            raise Unsupported("a ~ not before * ? or ~ in a MATCH pattern")
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S | re.I)


def strictly_monotonic(items, descending: bool = False) -> bool:
    """Numbers only, each above (below) the one before: where Excel's binary search of an approximate
    lookup finds what a scan finds."""
    if not all(type(v) is float or (_is_number(v)) for v in items):
        return False
    pairs = zip(items, items[1:])
    return all(a > b for a, b in pairs) if descending else all(a < b for a, b in pairs)


def _approximate_match(value, items, kind):
    """MATCH type 1 (largest value <= the number) or -1 (smallest value >= it), over numbers in strictly
    ascending (descending) order; other data depends on how Excel's binary search probes it."""
    if not (type(value) is float or _is_number(value)):
        raise Unsupported("approximate MATCH of a value that is not a number")
    if not strictly_monotonic(items, descending=kind < 0):
        raise Unsupported("approximate MATCH over data not in strict order (Excel's binary search)")
    found = None
    for position, item in enumerate(items, start=1):
        if (item <= value) if kind > 0 else (item >= value):
            found = position
        else:
            break
    return NA if found is None else float(found)


def _match(value, array, kind=MISSING):
    """MATCH(value, row or column, 0): the position of the first equal value; text ignores case and
    takes wildcards; empty cells match nothing; not found is #N/A. Approximate matching (1, the default,
    or -1) is computed over numbers in strict order only (``_approximate_match``)."""
    kind = 1.0 if kind is MISSING else number(kind)
    if isinstance(kind, XlError):
        return kind
    if isinstance(value, XlError):
        return value
    if value is None or value is MISSING:
        return NA
    if isinstance(array, Areas):
        raise Unsupported("MATCH over several areas")
    shape = array.shape if isinstance(array, (Ref, np.ndarray)) else (1, 1)
    if shape[0] != 1 and shape[1] != 1:
        return NA
    items = array.grid().ravel().tolist() if isinstance(array, Ref) else cells_of(array)
    if kind != 0:
        return _approximate_match(value, items, 1 if kind > 0 else -1)
    if isinstance(value, str):
        pattern = _wildcard(value) if any(ch in value for ch in "*?~") else None
        lower = value.lower()
        for position, item in enumerate(items, start=1):
            if isinstance(item, str) and (pattern.fullmatch(item) if pattern else item.lower() == lower):
                return float(position)
        return NA
    for position, item in enumerate(items, start=1):
        if item is None or isinstance(item, XlError) or isinstance(item, str):
            continue
        if isinstance(item, bool) != isinstance(value, bool):
            continue
        if compare("=", value, item) is True:
            return float(position)
    return NA


def _npv(rate, *values):
    """NPV(rate, value1, ...): each value discounted one more period. In references and arrays only
    numbers count; an error anywhere propagates (Microsoft KB 103634 corrects the manual on what is
    ignored). A typed argument other than a number or an error is refused: the manual's rule for those
    is contradicted by what users observe."""
    r = number(rate)
    if isinstance(r, XlError):
        return r
    flows = []
    for arg in values:
        if is_reference(arg) or isinstance(arg, np.ndarray):
            for v in cells_of(arg):
                if isinstance(v, XlError):
                    return v
                if _is_number(v):
                    flows.append(float(v))
        elif isinstance(arg, XlError):
            return arg
        elif type(arg) is float:
            flows.append(arg)
        else:
            raise Unsupported("NPV with a typed argument that is not a number")
    if r == -1:
        return DIV0
    total, factor = 0.0, 1.0
    for v in flows:
        factor *= 1.0 + r
        if factor == float("inf") or factor == 0:
            raise Unsupported("NPV whose discount factor leaves the range of numbers")
        total += v / factor
    return finite(total)


def _sumproduct(*arrays):
    """SUMPRODUCT: the arrays must have the same size; entries that are not numbers count as 0."""
    grids = []
    for arg in arrays:
        if isinstance(arg, Areas):
            raise Unsupported("SUMPRODUCT of several areas")
        if isinstance(arg, Ref):
            grids.append(arg.grid())
        elif isinstance(arg, np.ndarray):
            grids.append(arg)
        elif isinstance(arg, XlError):
            return arg
        elif type(arg) is float:
            grids.append(np.array([[arg]], dtype=object))
        else:
            raise Unsupported("SUMPRODUCT of a typed value that is not a number")
    if len({g.shape for g in grids}) != 1:
        return VALUE
    total = 0.0
    for items in zip(*(g.ravel().tolist() for g in grids)):
        error = first_error(items)
        if error is not None:
            return error
        product = 1.0
        for v in items:
            product *= float(v) if _is_number(v) else 0.0
        total += product
    return finite(total)


def _substitute(value, old, new, instance=MISSING):
    parts = [text(value), text(old), text(new)]
    error = first_error(parts)
    if error is not None:
        return error
    source, old, new = parts
    if not old:
        return source
    if instance is MISSING:
        return source.replace(old, new)
    n = _whole(instance)
    if isinstance(n, XlError):
        return n
    if n < 1:
        return VALUE
    start = -1
    for _ in range(n):
        start = source.find(old, start + 1)
        if start < 0:
            return source
    return source[:start] + new + source[start + len(old):]


def _sqrt(x):
    n = number(x)
    if isinstance(n, XlError):
        return n
    return NUM if n < 0 else math.sqrt(n)


def _ln(x):
    n = number(x)
    if isinstance(n, XlError):
        return n
    return NUM if n <= 0 else math.log(n)


def _exp(x):
    n = number(x)
    if isinstance(n, XlError):
        return n
    try:
        return finite(math.exp(n))
    except OverflowError:
        return NUM


def _power(x, y):
    return operation("^", x, y)


def _int(x):
    """INT: the largest integer not above the number (rounds down, -1.5 gives -2)."""
    n = number(x)
    return n if isinstance(n, XlError) else float(math.floor(n))


def _mod(n, d):
    """MOD(n, d) = n - d*INT(n/d), the sign of the divisor; #DIV/0! for a zero divisor."""
    x, y = number(n), number(d)
    error = first_error((x, y))
    if error is not None:
        return error
    if y == 0:
        return DIV0
    return finite(x - y * math.floor(x / y))


def _na():
    return NA


NATIVE: dict[str, Spec] = {
    "SUM": Spec(_sum, (1, None), _every("sumref")),
    "PRODUCT": Spec(_product, (1, None), _every("sumref")),
    "MAX": Spec(_max, (1, None), _every("sumref")),
    "MIN": Spec(_min, (1, None), _every("sumref")),
    "AVERAGE": Spec(_average, (1, None), _every("sumref")),
    "MEDIAN": Spec(_median, (1, None), _every("sumref")),
    "COUNT": Spec(_count, (1, None), _every("sumref"), errors_in=True),
    "COUNTA": Spec(_counta, (1, None), _every("sumref"), errors_in=True),
    "AND": Spec(_and, (1, None), _every("sumref")),
    "OR": Spec(_or, (1, None), _every("sumref")),
    "NOT": Spec(_not, (1, 1), _every("value"), lifts=True),
    "ABS": Spec(_abs, (1, 1), _every("value"), lifts=True),
    "ROUND": Spec(_rounding(ROUND_HALF_UP), (2, 2), _every("value"), lifts=True),
    "ROUNDUP": Spec(_rounding(ROUND_UP), (2, 2), _every("value"), lifts=True),
    "ROUNDDOWN": Spec(_rounding(ROUND_DOWN), (2, 2), _every("value"), lifts=True),
    "INDEX": Spec(_index, (2, 3), _kinds("ref", "value", "value")),
    "MATCH": Spec(_match, (2, 3), _kinds("value", "ref", "value")),
    "NPV": Spec(_npv, (2, None), _kinds("value", rest="sumref")),
    "SUMPRODUCT": Spec(_sumproduct, (1, None), _every("array")),
    "SUBSTITUTE": Spec(_substitute, (3, 4), _every("value"), lifts=True),
    "SQRT": Spec(_sqrt, (1, 1), _every("value"), lifts=True),
    "LN": Spec(_ln, (1, 1), _every("value"), lifts=True),
    "EXP": Spec(_exp, (1, 1), _every("value"), lifts=True),
    "POWER": Spec(_power, (2, 2), _every("value"), lifts=True),
    "INT": Spec(_int, (1, 1), _every("value"), lifts=True),
    "MOD": Spec(_mod, (2, 2), _every("value"), lifts=True),
    "NA": Spec(_na, (0, 0), _every("value")),
}
LAZY = frozenset(("IF", "IFERROR"))   # only the branch taken is evaluated, as in Excel
