"""Reverse DCF: what the market price implies.

* ``implied_wacc``: the WACC at which the DCF value per share equals a price, searched above the
  terminal growth rate (Gordon) up to 1,000%. The value is scanned on a grid first so the root found
  is the lowest-WACC crossing, then refined by bisection to machine precision.
* ``implied_margin_shift``: the uniform shift s added to every year's FCF margin at which the value
  equals the price. FCF_k = revenue_k * (margin_k + s) makes the value affine in s, so s is exact:
  s = (V_target - V(0)) / (V(1) - V(0)) evaluated on the enterprise-value level.
"""

from __future__ import annotations

import numpy as np

from kcfuncs.dcf import dcf_valuation
from kcfuncs.errors import KCInputError
from kcfuncs.projection import fcf_path, revenue_path
from kcfuncs.sensitivity import sensitivity_grid
from kcfuncs.validation import finite_number, format_value, rate

MAX_WACC = 10.0
SCAN_POINTS = 2000


def implied_wacc(cash_flows, terminal_growth, price, net_debt=0.0, shares=1.0, fx=1.0, convention="end",
                 **options) -> float:
    """The WACC above ``terminal_growth`` at which ``dcf_valuation(...).per_share`` equals ``price``."""
    target = finite_number("price", price)
    g = rate("terminal growth", terminal_growth)
    if options.get("method", "gordon") != "gordon":
        raise KCInputError("implied_wacc works with the gordon method only")

    def value(w):
        return dcf_valuation(cash_flows, w, g, net_debt, shares, fx, convention, **options).per_share - target

    # Geometric spacing of (w - g) from 1e-6 to MAX_WACC: dense near g where the value explodes.
    gaps = np.geomspace(1e-6, MAX_WACC - g, SCAN_POINTS)
    grid = sensitivity_grid(cash_flows, g + gaps, [g], net_debt, shares, fx, convention, **options)[:, 0] - target
    crossings = np.flatnonzero(np.sign(grid[:-1]) != np.sign(grid[1:]))
    if grid[0] == 0:
        return float(g + gaps[0])
    if not crossings.size:
        low, high = grid.max() + target, grid.min() + target
        raise KCInputError(f"no WACC between {g + gaps[0]:.4%} and {MAX_WACC:.0%} values the shares at "
                           f"{format_value(target)} (values range {format_value(high)} to {format_value(low)})")
    lo, hi = g + gaps[crossings[0]], g + gaps[crossings[0] + 1]
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
    return 0.5 * (lo + hi)


def implied_margin_shift(first_revenue, growth, margins, wacc, terminal_growth, price, net_debt=0.0, shares=1.0,
                         fx=1.0, convention="end", **options) -> float:
    """The uniform FCF-margin shift (0.01 = one percentage point) that makes the value equal ``price``."""
    target = finite_number("price", price)
    if options.get("final_metric") is not None or options.get("next_flow") is not None:
        raise KCInputError("implied_margin_shift needs a terminal value that moves with the flows; "
                           "drop final_metric and next_flow")
    revenue = revenue_path(first_revenue, growth)
    flows = fcf_path(revenue, margins)
    base = dcf_valuation(flows, wacc, terminal_growth, net_debt, shares, fx, convention, **options)
    per_unit = dcf_valuation(revenue, wacc, terminal_growth, 0.0, shares, fx, convention,
                             **{k: v for k, v in options.items() if k not in ("minorities", "non_operating")})
    if per_unit.per_share == 0:
        raise KCInputError("the revenue path has no value at this WACC; no margin shift can reach the price")
    return (target - base.per_share) / per_unit.per_share
