"""Valuation over a grid of WACC x terminal growth (or WACC x exit multiple), vectorised.

Rows follow ``wacc_values`` and columns follow the second axis (growth rates, or exit multiples with
``method='exit'``). Each cell is the ``kcfuncs.dcf.dcf_valuation`` result at that pair, computed with
the same formulas over numpy arrays: the explicit-flow PV once per WACC (a matrix-vector product), the
terminal value once per cell. Memory is a few arrays of the grid's size (8 bytes a cell).
"""

from __future__ import annotations

import numpy as np

from kcfuncs.dcf import OUTPUT_ALIASES, OUTPUTS, flow_path
from kcfuncs.discounting import discount_factors
from kcfuncs.errors import KCInputError
from kcfuncs.validation import (choice, finite_array, finite_number, format_percent, positive_number,
                                wacc_above_growth)


def _check_rates(name: str, values: np.ndarray) -> None:
    if values.min() > -1.0:
        return
    bad = np.flatnonzero(values <= -1.0)
    if bad.size:
        raise KCInputError(f"{name}[{bad[0] + 1}] ({format_percent(values[bad[0]])}) must be above -100%")


def sensitivity_grid(cash_flows, wacc_values, second_values, net_debt=0.0, shares=1.0, fx=1.0, convention="end", *,
                     method="gordon", output="per_share", dates=None, valuation_date=None, terminal_timing="end",
                     final_metric=None, next_flow=None, minorities=0.0, non_operating=0.0,
                     ads_ratio=1.0) -> np.ndarray:
    """2-D array, shape (len(wacc_values), len(second_values)), of ``output`` at each pair."""
    path = flow_path(cash_flows, convention, dates=dates, valuation_date=valuation_date,
                     terminal_timing=terminal_timing, method=method, final_metric=final_metric, next_flow=next_flow)
    axis_name = "growth_values" if path.method == "gordon" else "multiple_values"
    wacc = finite_array("wacc_values", wacc_values)
    second = finite_array(axis_name, second_values)
    _check_rates("wacc_values", wacc)
    output = choice("output", output, OUTPUTS, OUTPUT_ALIASES)

    w = wacc[:, None]
    pv_explicit = discount_factors(wacc, path.times) @ path.flows            # one value per WACC
    terminal_discount = (1.0 + wacc) ** -path.terminal_time                  # one value per WACC
    shape = (len(wacc), len(second))
    if path.method == "gordon":
        _check_rates(axis_name, second)
        if wacc.min() <= second.max():
            i, j = np.argwhere(w <= second[None, :])[0]
            wacc_above_growth(wacc[i], second[j], wacc_name=f"wacc_values[{i + 1}]",
                              growth_name=f"growth_values[{j + 1}]")
        next_flows = path.flows[-1] * (1.0 + second) if path.next_flow is None else np.full(len(second),
                                                                                           path.next_flow)
        # Whole-grid work happens in place in one buffer: TV = F_{n+1} / (w - g), then its PV.
        grid = np.subtract(w, second[None, :])
        np.divide(next_flows[None, :], grid, out=grid)
    else:
        grid = np.empty(shape)
        grid[:] = second[None, :] * path.final_metric
    if output == "terminal_value":
        return grid
    grid *= terminal_discount[:, None]                                       # PV of the terminal value
    if output == "pv_terminal":
        return grid
    if output == "pv_explicit":
        return np.broadcast_to(pv_explicit[:, None], shape).copy()
    if output == "tv_share":
        ev = grid + pv_explicit[:, None]
        if np.any(ev == 0):
            raise KCInputError("tv_share is undefined where enterprise value is zero")
        return np.divide(grid, ev, out=ev)
    if output == "ev":
        grid += pv_explicit[:, None]
        return grid
    # The bridge of kcfuncs.bridge.equity_bridge over the whole grid: the per-WACC constant first.
    adjust = (finite_number("net_debt", net_debt) + finite_number("minorities", minorities)
              - finite_number("non_operating", non_operating))
    grid += (pv_explicit - adjust)[:, None]
    if output == "equity":
        return grid
    grid *= positive_number("fx", fx) / positive_number("shares", shares)
    if output == "per_ads":
        grid *= positive_number("ads_ratio", ads_ratio)
    return grid
