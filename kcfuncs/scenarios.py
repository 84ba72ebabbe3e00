"""Bear / base / bull cases and their probability-weighted value.

Weights must be non-negative and sum to 1 (within 1e-9); without weights every case counts equally.
"""

from __future__ import annotations

import numpy as np

from kcfuncs.errors import KCInputError
from kcfuncs.validation import finite_array, finite_result, format_value

WEIGHT_SUM_TOLERANCE = 1e-9


def scenario_weights(weights, count: int) -> np.ndarray:
    if weights is None:
        return np.full(count, 1.0 / count)
    w = finite_array("weights", weights)
    if len(w) != count:
        raise KCInputError(f"weights has {len(w)} value(s) but there are {count} scenario values")
    negative = np.flatnonzero(w < 0)
    if negative.size:
        raise KCInputError(f"weights[{negative[0] + 1}] ({format_value(float(w[negative[0]]))}) must not be negative")
    if abs(w.sum() - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise KCInputError(f"weights add up to {w.sum():.6g}; they must add up to 1 (100%)")
    return w


def weighted_value(values, weights=None) -> float:
    """sum(value_k * weight_k) over the scenarios."""
    v = finite_array("values", values)
    with np.errstate(over="ignore", invalid="ignore"):
        value = np.dot(v, scenario_weights(weights, len(v)))
    return finite_result("the weighted value", value)
