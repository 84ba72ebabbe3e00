"""Revenue and free-cash-flow paths, as the seed DCF report builds them.

revenue_1 = the first forecast year's revenue; revenue_k = revenue_{k-1} * (1 + growth_{k-1}).
So ``growth`` holds one rate per *later* year and the path has len(growth) + 1 years.
FCF_k = revenue_k * margin_k, with one margin per year of the path.
"""

from __future__ import annotations

import numpy as np

from kcfuncs.errors import KCInputError
from kcfuncs.validation import finite_array, finite_number, format_percent


def revenue_path(first_revenue, growth) -> np.ndarray:
    start = finite_number("first_revenue", first_revenue)
    rates = finite_array("growth", growth, min_length=0) if growth is not None else np.empty(0)
    bad = np.flatnonzero(rates <= -1.0)
    if bad.size:
        raise KCInputError(f"growth[{bad[0] + 1}] ({format_percent(rates[bad[0]])}) must be above -100%")
    return start * np.concatenate(([1.0], np.cumprod(1.0 + rates)))


def fcf_path(revenue, margins) -> np.ndarray:
    sales = finite_array("revenue", revenue)
    rates = finite_array("margins", margins)
    if len(rates) != len(sales):
        raise KCInputError(f"margins has {len(rates)} value(s) but the revenue path has {len(sales)} years")
    return sales * rates
