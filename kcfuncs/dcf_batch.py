"""Many DCF valuations at once, each bit for bit the one ``kcfuncs.dcf.dcf_valuation`` gives.

A sheet that holds the same DCF formula in thousands of rows, each with its own flows and rates, is
valued here in one call: row i of every array argument is row i's valuation. The result is not an
approximation of the one-by-one call but the same floating-point operations in the same order:
numpy's +, -, * and / round every element as Python's float does, the powers are Python's own ``**``
element by element, and sums add left to right like ``discounting.discounted_sum``. A row-by-row
test against ``dcf_valuation`` holds this to the last bit.

Covered: the gordon method (no ``next_flow``) at one WACC per row, under the ``end`` or ``mid``
convention with the default terminal timing, any output. Anything else returns None and the caller
values each row alone. Rows whose inputs the one-by-one call would refuse (WACC not above growth,
shares not positive, a value beyond the floating-point range, ...) are flagged not ``ok``: the caller
values those alone too, so each gets its own one-line message.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np

from kcfuncs import discounting, terminal
from kcfuncs.dcf import OUTPUT_ALIASES, OUTPUTS, terminal_timing_for
from kcfuncs.errors import KCInputError
from kcfuncs.validation import choice


def _column(value, n: int) -> np.ndarray | None:
    """A per-row argument as a float array of n, or None when it is not one number per row."""
    array = np.asarray(value, dtype=float) if value is not None else None
    if array is None or array.ndim > 1:
        return None
    return np.full(n, float(array)) if array.ndim == 0 else (array if array.shape == (n,) else None)


def _powers(bases: np.ndarray, exponent: float) -> np.ndarray:
    """bases ** exponent by Python's float power, element by element (numpy's power may round
    differently); a power beyond the float range is inf, as ``path_factors`` treats it."""
    bases = bases.tolist()
    try:
        return np.array(list(map(pow, bases, repeat(exponent, len(bases)))), dtype=float)   # pow is float's **
    except OverflowError:
        pass
    out = []
    for base in bases:
        try:
            out.append(base ** exponent)
        except OverflowError:
            out.append(np.inf)
    return np.array(out, dtype=float)


def dcf_batch(cash_flows, wacc, terminal_growth=None, net_debt=0.0, shares=1.0, fx=1.0, convention="end", *,
              output="per_share", dates=None, valuation_date=None, terminal_timing=None, method="gordon",
              exit_multiple=None, final_metric=None, next_flow=None, nopat_next=None, ronic=None,
              terminal_wacc=None, minorities=0.0, non_operating=0.0, ads_ratio=1.0):
    """(values, ok) for n valuations, or None when the options fall outside this module's cover.

    ``cash_flows`` is an (n, k) array (row i: row i's flows); ``wacc``, ``terminal_growth`` and the
    bridge amounts are one number per row (arrays of n) or one number for all. A WACC path (one rate per
    period) is not taken here: an array of n is read as one rate per row, so a caller holding a path
    must value each row alone. ``values[i]`` is
    ``dcf_valuation(...).output(output)`` of row i wherever ``ok[i]``; elsewhere it is meaningless.
    ``exit_multiple``, ``final_metric``, ``nopat_next`` and ``ronic`` are ignored, as the gordon
    method ignores them.
    """
    del exit_multiple, final_metric, nopat_next, ronic          # not read by the gordon method
    try:
        method = choice("method", method, terminal.METHODS, terminal.METHOD_ALIASES)
        output = choice("output", output, OUTPUTS, OUTPUT_ALIASES)
        convention = choice("convention", convention, discounting.CONVENTIONS, discounting.CONVENTION_ALIASES)
        if (method != "gordon" or convention == "dated" or terminal_timing is not None or next_flow is not None
                or terminal_wacc is not None or dates is not None or valuation_date is not None):
            return None
        timing = terminal_timing_for(method, convention, None)
    except KCInputError:
        return None                    # every row would give this message: let each row say it
    flows = np.asarray(cash_flows, dtype=float)
    if flows.ndim != 2 or flows.shape[1] == 0:
        return None
    n, periods = flows.shape
    w, g = _column(wacc, n), _column(terminal_growth, n)
    amounts = [_column(v, n) for v in (net_debt, shares, fx, minorities, non_operating, ads_ratio)]
    if w is None or g is None or any(a is None for a in amounts):
        return None
    net_debt, shares, fx, minorities, non_operating, ads_ratio = amounts
    line = discounting.timeline(periods, convention, terminal_timing=timing)

    with np.errstate(all="ignore"):
        ok = np.isfinite(flows).all(axis=1) & np.isfinite(w) & np.isfinite(g)
        for amount in amounts:
            ok &= np.isfinite(amount)
        ok &= (w > -1.0) & (g > -1.0) & (w > g) & (shares > 0) & (fx > 0) & (ads_ratio > 0)
        w, g = np.where(ok, w, 0.5), np.where(ok, g, 0.0)       # refused rows: harmless stand-ins

        # terminal.gordon_terminal_value: F_n * (1 + g) / (w - g)
        tv = flows[:, -1] * (1.0 + g) / (w - g)
        # discounting.cumulative_factors with one rate: 1.0 * (1 + r) ** -((t - 0.0) / unit)
        bases = 1.0 + w
        pv_explicit = np.zeros(n)
        for k in range(periods):
            factor = 1.0 * _powers(bases, -((line.flow_points[k] - 0.0) / line.unit))
            ok &= np.isfinite(factor)
            pv_explicit = pv_explicit + flows[:, k] * factor
        terminal_factor = 1.0 * _powers(bases, -((line.terminal_point - 0.0) / line.unit))
        ok &= np.isfinite(terminal_factor)
        pv_terminal = tv * terminal_factor
        ev = pv_explicit + pv_terminal
        # bridge.equity_bridge
        equity = ev - net_debt - minorities + non_operating
        per_share = equity / shares * fx
        per_ads = per_share * ads_ratio
        for stage in (tv, pv_explicit, pv_terminal, ev, equity, per_share, per_ads):
            ok &= np.isfinite(stage)
        if output == "tv_share":
            ok &= ev != 0
            values = pv_terminal / ev
        else:
            values = {"per_share": per_share, "ev": ev, "equity": equity, "pv_explicit": pv_explicit,
                      "pv_terminal": pv_terminal, "terminal_value": tv, "per_ads": per_ads}[output]
    return values, ok
