"""Reverse DCF: what the market price implies.

Both functions take every option ``kcfuncs.dcf.dcf_valuation`` takes (dates, valuation_date,
terminal_timing, method with its inputs, next_flow, terminal_wacc, minorities, non_operating, ...).

* ``implied_wacc``: the WACC at which the DCF value per share equals a price. Without ``wacc_path``
  it is the one rate of every period and of the terminal value. With ``wacc_path`` the term structure
  keeps its shape and moves in parallel, and the answer is stated as the row value of
  ``kcfuncs.sensitivity``: the implied *terminal rate* (``terminal_wacc`` when given, else the path's
  last rate) after the shift. The shift itself is the answer minus that base rate, and the implied
  explicit rates are wacc_path + shift. The search runs from just above the terminal growth rate
  (perpetuity methods; just above the -100% bound for exit) up to 1,000%: the value is scanned on a
  grid first so the root found is the lowest-WACC crossing, then refined by bisection to machine
  precision.
* ``implied_margin_shift``: the uniform shift s added to every year's FCF margin at which the value
  equals the price. FCF_k = revenue_k * (margin_k + s) makes the value affine in s (the terminal value
  moves with the flows where it is built from the final flow: gordon without ``next_flow``, exit
  without ``final_metric``; otherwise it stays put), so s is exact: s = (P - V(0)) / (V(1) - V(0)).
"""

from __future__ import annotations

import numpy as np

from kcfuncs import terminal
from kcfuncs.dcf import dcf_valuation, flow_path
from kcfuncs.errors import KCInputError
from kcfuncs.projection import fcf_path, revenue_path
from kcfuncs.sensitivity import rate_plan, valuation_grid
from kcfuncs.validation import finite_number, format_percent, format_value, rate

MAX_WACC = 10.0
SCAN_POINTS = 2000
SMALLEST_GAP = 1e-6     # the scan's first point above the lower bound


def implied_wacc(cash_flows, terminal_growth, price, net_debt=0.0, shares=1.0, fx=1.0, convention="end", *,
                 wacc_path=None, terminal_wacc=None, method="gordon", exit_multiple=None, dates=None,
                 valuation_date=None, terminal_timing=None, final_metric=None, next_flow=None, nopat_next=None,
                 ronic=None, minorities=0.0, non_operating=0.0, ads_ratio=1.0) -> float:
    """The WACC (see the module docstring for rate paths) at which ``dcf_valuation(...).per_share``
    equals ``price``. ``terminal_growth`` may be empty with ``method='exit'``."""
    target = finite_number("price", price)
    path = flow_path(cash_flows, convention, dates=dates, valuation_date=valuation_date,
                     terminal_timing=terminal_timing, method=method, final_metric=final_metric,
                     next_flow=next_flow, nopat_next=nopat_next, ronic=ronic)
    plan = rate_plan(path, wacc_path, terminal_wacc)
    # Below `lower` some rate would reach -100% (or the terminal rate the growth rate).
    lower = plan.anchor - 1.0 - min(plan.base + [plan.terminal_base])
    if path.method in terminal.PERPETUITY_METHODS:
        g = rate("terminal growth", terminal_growth)
        lower, second = max(lower, g), np.array([g])
    else:
        if exit_multiple is None:
            raise KCInputError("exit_multiple is empty; the exit method needs a multiple")
        g, second = None, np.array([finite_number("exit_multiple", exit_multiple)])
    if lower + SMALLEST_GAP >= MAX_WACC:
        raise KCInputError(f"no WACC between {format_percent(lower)} and {MAX_WACC:.0%} can be searched")
    bridge = {"net_debt": net_debt, "shares": shares, "fx": fx, "minorities": minorities,
              "non_operating": non_operating, "ads_ratio": ads_ratio}
    options = {"dates": dates, "valuation_date": valuation_date, "terminal_timing": terminal_timing,
               "method": method, "exit_multiple": exit_multiple, "final_metric": final_metric,
               "next_flow": next_flow, "nopat_next": nopat_next, "ronic": ronic, **bridge}

    def value(w: float) -> float:
        wacc, shifted_terminal = plan.valuation_rates(w)
        return dcf_valuation(cash_flows, wacc, g, convention=convention, terminal_wacc=shifted_terminal,
                             **options).per_share - target

    # Geometric spacing of the distance to the lower bound: dense near it, where the value explodes.
    rows = lower + np.geomspace(SMALLEST_GAP, MAX_WACC - lower, SCAN_POINTS)
    values = valuation_grid(path, rows, second, plan, strict=False, **bridge)[:, 0]
    usable = np.flatnonzero(np.isfinite(values))       # points beyond the float range are skipped
    rows, values = rows[usable], values[usable]
    scanned = values - target
    changes = np.flatnonzero((scanned[:-1] == 0) | (np.sign(scanned[:-1]) != np.sign(scanned[1:])))
    if not changes.size:
        if scanned.size and scanned[-1] == 0:
            return float(rows[-1])
        low, high = (format_value(float(values.min())), format_value(float(values.max()))) \
            if values.size else ("-", "-")
        raise KCInputError(f"no WACC between {format_percent(lower + SMALLEST_GAP)} and {MAX_WACC:.0%} values the "
                           f"shares at {format_value(target)} (values range {low} to {high})")
    k = int(changes[0])
    if scanned[k] == 0:
        return float(rows[k])
    lo, hi = float(rows[k]), float(rows[k + 1])
    f_lo = value(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        f_mid = value(mid)
        if f_mid == 0:
            return mid
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return float(0.5 * (lo + hi))


def implied_margin_shift(first_revenue, growth, margins, wacc, terminal_growth, price, net_debt=0.0, shares=1.0,
                         fx=1.0, convention="end", **options) -> float:
    """The uniform FCF-margin shift (0.01 = one percentage point) that makes the value equal ``price``.

    ``wacc`` is one rate or one per year; ``options`` are ``dcf_valuation``'s keyword arguments.
    """
    target = finite_number("price", price)
    revenue = revenue_path(first_revenue, growth)
    flows = fcf_path(revenue, margins)
    base = dcf_valuation(flows, wacc, terminal_growth, net_debt, shares, fx, convention, **options).per_share
    moved = dcf_valuation(flows + revenue, wacc, terminal_growth, net_debt, shares, fx, convention,
                          **options).per_share
    per_unit = moved - base          # the value of one whole unit of margin (100 percentage points)
    if per_unit == 0:
        raise KCInputError("the revenue path has no value at this WACC; no margin shift can reach the price")
    return float((target - base) / per_unit)
