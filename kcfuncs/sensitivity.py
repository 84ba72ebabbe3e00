"""Valuation over a grid of WACC x terminal growth (or WACC x exit multiple), vectorised.

Rows follow ``wacc_values`` and columns follow the second axis: terminal growth rates for the gordon
and value_driver methods, exit multiples for ``method='exit'``. Each cell is the
``kcfuncs.dcf.dcf_valuation`` result at that pair, computed with the same formulas over numpy arrays:
the explicit-flow PV once per row (a matrix-vector product), the terminal value once per cell. Memory
is a few arrays of the grid's size (8 bytes a cell) plus one row of discount factors per WACC.

Rows and rate paths. Without ``wacc_path`` a row value is the one WACC of every period and of the
terminal value. With ``wacc_path`` (one rate per explicit period, e.g. a high-growth WACC fading to
a stable one) a row value r is that row's *terminal rate* -- the rate the terminal value is priced at,
which is ``terminal_wacc`` when given, else the path's last rate -- and every rate of the path moves
in parallel by s = r - (that base terminal rate). So the row labelled with the base terminal rate is
the base case, a row 1% higher is the whole term structure 1% higher, and each cell equals
``dcf_valuation(flows, [r_k + s for r_k in wacc_path], g, terminal_wacc=r, ...)`` (the terminal rate is
the row value itself, not base + s, which can differ from it in the last bit). A ``terminal_wacc``
without ``wacc_path`` is refused: the rows already set it. With the value_driver
method ``nopat_next`` stays fixed across the growth columns (it is an input, not grown by g here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kcfuncs import terminal
from kcfuncs.dcf import OUTPUT_ALIASES, OUTPUTS, FlowPath, discount_rates, flow_path
from kcfuncs.discounting import cumulative_factor_rows
from kcfuncs.errors import KCInputError
from kcfuncs.validation import choice, finite_array, finite_number, format_percent, positive_number

BEYOND_RANGE = "is beyond the floating-point range (about 1.8e308)"


@dataclass(frozen=True)
class RatePlan:
    """How a row value becomes one rate per period (base + (row - anchor)) and a terminal rate (the row)."""

    base: list[float]        # one rate per explicit period (zeros without a path)
    terminal_base: float     # the terminal rate (zero without a path)
    anchor: float            # the base rate a row value stands for: the terminal rate
    has_path: bool

    def valuation_rates(self, row: float):
        """The ``wacc`` and ``terminal_wacc`` arguments of the scalar valuation that a row value means."""
        if not self.has_path:
            return row, None
        shift = row - self.anchor
        return [r + shift for r in self.base], row


def rate_plan(path: FlowPath, wacc_path=None, terminal_wacc=None) -> RatePlan:
    n = len(path.flows)
    if wacc_path is None:
        if terminal_wacc is not None and path.method in terminal.PERPETUITY_METHODS:
            raise KCInputError("terminal_wacc needs a wacc_path here: without a path each row value is the WACC "
                               "of every period and of the terminal value")
        return RatePlan([0.0] * n, 0.0, 0.0, False)
    rates, terminal_rate, _ = discount_rates(path, wacc_path, terminal_wacc, name="wacc_path")
    return RatePlan(rates, terminal_rate, terminal_rate, True)


def _check_rows(rows: np.ndarray, plan: RatePlan) -> None:
    """Every shifted rate must stay above -100%."""
    lowest = min(plan.base + [plan.terminal_base])
    shifted = lowest + (rows - plan.anchor)
    bad = np.flatnonzero(shifted <= -1.0)
    if not bad.size:
        return
    i = bad[0]
    if not plan.has_path:
        raise KCInputError(f"wacc_values[{i + 1}] ({format_percent(rows[i])}) must be above -100%")
    raise KCInputError(f"wacc_values[{i + 1}] ({format_percent(rows[i])}) moves the lowest rate of wacc_path to "
                       f"{format_percent(shifted[i])}; every rate must stay above -100%")


def _check_growth(name: str, values: np.ndarray) -> None:
    bad = np.flatnonzero(values <= -1.0)
    if bad.size:
        raise KCInputError(f"{name}[{bad[0] + 1}] ({format_percent(values[bad[0]])}) must be above -100%")


def _first_bad(grid: np.ndarray):
    """(row, column) of the first non-finite cell, or None."""
    if np.isfinite(np.add.reduce(grid, axis=None)):
        return None                  # the common case, in one pass: a sum is finite only if every cell is
    bad = np.argwhere(~np.isfinite(grid))
    return (int(bad[0][0]), int(bad[0][-1])) if bad.size else None


def valuation_grid(path: FlowPath, rows: np.ndarray, second: np.ndarray, plan: RatePlan, *, output="per_share",
                   net_debt=0.0, shares=1.0, fx=1.0, minorities=0.0, non_operating=0.0, ads_ratio=1.0,
                   strict=True) -> np.ndarray:
    """The grid of ``output`` for validated rows and columns. ``strict=False`` lets values beyond the
    float range through as inf/NaN (for the reverse DCF's scan) instead of raising."""
    axis_name = "multiple_values" if path.method == "exit" else "growth_values"
    shifts = rows - plan.anchor
    factors, terminal_factor = cumulative_factor_rows(path.line, plan.base, plan.terminal_base, shifts)
    if strict and (cell := _first_bad(factors)) is not None:
        i = cell[0]
        raise KCInputError(f"wacc_values[{i + 1}] ({format_percent(rows[i])}) over {len(path.flows)} period(s) "
                           "gives a discount factor beyond the floating-point range (about 1.8e308)")
    terminal_rates = rows                                # a row value is its terminal rate (module docstring)
    shape = (len(rows), len(second))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        pv_explicit = factors @ path.flows                                   # one value per row
        if path.method in terminal.PERPETUITY_METHODS:
            _check_growth(axis_name, second)
            if terminal_rates.min() <= second.max():
                i, j = np.argwhere(terminal_rates[:, None] <= second[None, :])[0]
                raise KCInputError(f"wacc_values[{i + 1}] ({format_percent(rows[i])}) must exceed "
                                   f"growth_values[{j + 1}] ({format_percent(second[j])})")
            if path.method == "gordon":
                next_values = path.flows[-1] * (1.0 + second) if path.next_flow is None else np.full(
                    len(second), path.next_flow)
            else:
                next_values = path.nopat_next * (1.0 - second / path.ronic)
            # Whole-grid work happens in place in one buffer: TV = F_{n+1} / (w - g), then its PV.
            grid = np.subtract(terminal_rates[:, None], second[None, :])
            np.divide(next_values[None, :], grid, out=grid)
        else:
            grid = np.empty(shape)
            grid[:] = second[None, :] * path.final_metric
        if strict and (cell := _first_bad(grid)) is not None:
            i, j = cell
            raise KCInputError(f"the terminal value at wacc_values[{i + 1}] and {axis_name}[{j + 1}] {BEYOND_RANGE}")
        grid = _outputs(grid, pv_explicit, terminal_factor, output, net_debt, shares, fx, minorities, non_operating,
                        ads_ratio)
    if strict and (cell := _first_bad(grid)) is not None:
        i, j = cell
        raise KCInputError(f"the {output} at wacc_values[{i + 1}] and {axis_name}[{j + 1}] {BEYOND_RANGE}")
    return grid


def _outputs(grid, pv_explicit, terminal_factor, output, net_debt, shares, fx, minorities, non_operating, ads_ratio):
    """From the terminal-value grid to the requested output, in place where possible."""
    shape = grid.shape
    if output == "terminal_value":
        return grid
    grid *= np.asarray(terminal_factor)[:, None]                              # PV of the terminal value
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
    # The bridge of kcfuncs.bridge.equity_bridge over the whole grid: the per-row constant first.
    adjust = (finite_number("net_debt", net_debt) + finite_number("minorities", minorities)
              - finite_number("non_operating", non_operating))
    grid += (pv_explicit - adjust)[:, None]
    if output == "equity":
        return grid
    grid *= positive_number("fx", fx) / positive_number("shares", shares)
    if output == "per_ads":
        grid *= positive_number("ads_ratio", ads_ratio)
    return grid


def sensitivity_grid(cash_flows, wacc_values, second_values, net_debt=0.0, shares=1.0, fx=1.0, convention="end", *,
                     method="gordon", output="per_share", dates=None, valuation_date=None, terminal_timing=None,
                     final_metric=None, next_flow=None, nopat_next=None, ronic=None, wacc_path=None,
                     terminal_wacc=None, minorities=0.0, non_operating=0.0, ads_ratio=1.0) -> np.ndarray:
    """2-D array, shape (len(wacc_values), len(second_values)), of ``output`` at each pair.

    Arguments as ``kcfuncs.dcf.dcf_valuation``; rows and ``wacc_path`` as the module docstring says.
    """
    path = flow_path(cash_flows, convention, dates=dates, valuation_date=valuation_date,
                     terminal_timing=terminal_timing, method=method, final_metric=final_metric,
                     next_flow=next_flow, nopat_next=nopat_next, ronic=ronic)
    axis_name = "multiple_values" if path.method == "exit" else "growth_values"
    rows = finite_array("wacc_values", wacc_values)
    second = finite_array(axis_name, second_values)
    plan = rate_plan(path, wacc_path, terminal_wacc)
    _check_rows(rows, plan)
    output = choice("output", output, OUTPUTS, OUTPUT_ALIASES)
    return valuation_grid(path, rows, second, plan, output=output, net_debt=net_debt, shares=shares, fx=fx,
                          minorities=minorities, non_operating=non_operating, ads_ratio=ads_ratio)
