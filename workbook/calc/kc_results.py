"""KC_* results remembered from one refresh to the next, keyed by the exact arguments.

Every KC_* function is a pure function of the values handed to it (no clock, no chance, no state), so
a call with the same arguments as a call before gives the same result; an analyst who changes one
input and refreshes changes the arguments of the calls downstream of it only, and the others (the
cash-flow paths, the reverse DCFs of an unchanged price) are answered from here. A key tells apart
everything the function could tell apart: 0.0 from -0.0, TRUE from 1, a row from a column, text from
a number. NaN never reaches a key twice (it is not equal to itself), so it is always computed.

Results go back as the function gave them; the engine copies a list or array result into its own
array before anyone sees it, so a remembered result is never changed in place.
"""

from __future__ import annotations

import math
import threading

REMEMBERED_AT_MOST = 20_000     # calls; past it the store starts again (a template makes about 200)

_LIST = object()                # marks a list in a key, so no list's key is any scalar's
_results: dict = {}
_lock = threading.Lock()


def _frozen(value):
    kind = type(value)
    if kind is float:
        return value if value else (value, math.copysign(1.0, value))
    if kind is list:
        return (_LIST, *map(_frozen, value))
    if kind is str or value is None:
        return value
    return (kind, value)        # TRUE and 1.0 are equal in Python, not to the function


def remembered(name: str, function, arguments: list):
    """``function(*arguments)``, or the result of the last call of ``name`` with exactly these arguments."""
    try:
        key = (name, *map(_frozen, arguments))
        found = _results.get(key, _results)
    except TypeError:           # an argument that cannot be a key: computed every time
        return function(*arguments)
    if found is not _results:
        return found
    result = function(*arguments)
    with _lock:
        if len(_results) >= REMEMBERED_AT_MOST:
            _results.clear()
        _results[key] = result
    return result


def forget() -> None:
    """Compute every call afresh from now on (tests that time or count calls)."""
    with _lock:
        _results.clear()
