"""Revenue and free-cash-flow paths, as the seed DCF report builds them.

revenue_1 = the first forecast year's revenue; revenue_k = revenue_{k-1} * (1 + growth_{k-1}).
So ``growth`` holds one rate per *later* year and the path has len(growth) + 1 years.
FCF_k = revenue_k * margin_k, with one margin per year of the path.
"""

from __future__ import annotations

import numpy as np

from kcfuncs.errors import KCInputError
from kcfuncs.validation import finite_array, finite_number, format_percent


def _finite_path(what: str, values: np.ndarray) -> np.ndarray:
    if not np.isfinite(values).all():
        k = int(np.flatnonzero(~np.isfinite(values))[0])
        raise KCInputError(f"{what} of year {k + 1} is beyond the floating-point range (about 1.8e308)")
    return values


def revenue_path(first_revenue, growth) -> np.ndarray:
    start = finite_number("first_revenue", first_revenue)
    rates = finite_array("growth", growth, min_length=0) if growth is not None else np.empty(0)
    bad = np.flatnonzero(rates <= -1.0)
    if bad.size:
        raise KCInputError(f"growth[{bad[0] + 1}] ({format_percent(rates[bad[0]])}) must be above -100%")
    with np.errstate(over="ignore", invalid="ignore"):
        path = start * np.concatenate(([1.0], np.cumprod(1.0 + rates)))
    return _finite_path("revenue", path)


def fcf_path(revenue, margins) -> np.ndarray:
    sales = finite_array("revenue", revenue)
    rates = finite_array("margins", margins)
    if len(rates) != len(sales):
        raise KCInputError(f"margins has {len(rates)} value(s) but the revenue path has {len(sales)} years")
    with np.errstate(over="ignore", invalid="ignore"):
        flows = sales * rates
    return _finite_path("FCF", flows)
