"""Discounted cash-flow valuation of an explicit flow path plus a terminal value.

EV = sum_i CF_i (1 + wacc) ** -t_i + TV (1 + wacc) ** -t_TV, with t_i and t_TV from
``kcfuncs.discounting`` (convention ``end`` by default, as the seed DCF report does), TV from
``kcfuncs.terminal`` (Gordon growth by default), then ``kcfuncs.bridge`` to equity and per share.
Money amounts stay in the model currency; only per_share / per_ads are converted with fx.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from kcfuncs import bridge, discounting, terminal
from kcfuncs.errors import KCInputError
from kcfuncs.validation import choice, finite_array, finite_number, rate

OUTPUTS = ("per_share", "ev", "equity", "pv_explicit", "pv_terminal", "terminal_value", "tv_share", "per_ads")
OUTPUT_ALIASES = {"value_per_share": "per_share", "enterprise_value": "ev", "equity_value": "equity",
                  "tv": "terminal_value", "pv_tv": "pv_terminal", "terminal_share": "tv_share"}


@dataclass(frozen=True)
class DCFResult:
    """The valuation and its breakdown. ``tv_share`` is PV(terminal) / EV."""

    pv_explicit: float
    pv_terminal: float
    terminal_value: float
    ev: float
    equity: float
    per_share: float
    per_ads: float

    @property
    def tv_share(self) -> float:
        if self.ev == 0:
            raise KCInputError("tv_share is undefined: enterprise value is zero")
        return self.pv_terminal / self.ev

    def output(self, name: str) -> float:
        return getattr(self, choice("output", name, OUTPUTS, OUTPUT_ALIASES))

    def as_dict(self) -> dict[str, float]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["tv_share"] = self.tv_share if self.ev != 0 else float("nan")
        return values


@dataclass(frozen=True)
class FlowPath:
    """Validated flows with their discount timing and terminal-value recipe, shared by the scalar
    valuation and the vectorised grids so both read their inputs identically."""

    flows: np.ndarray
    times: np.ndarray
    terminal_time: float
    method: str
    final_metric: float
    next_flow: float | None


def flow_path(cash_flows, convention="end", *, dates=None, valuation_date=None, terminal_timing="end",
              method="gordon", final_metric=None, next_flow=None) -> FlowPath:
    flows = finite_array("cash_flows", cash_flows)
    times = discounting.discount_times(len(flows), convention, dates=dates, valuation_date=valuation_date)
    t_tv = discounting.terminal_time(times, convention, terminal_timing)
    method = choice("method", method, terminal.METHODS, terminal.METHOD_ALIASES)
    metric = float(flows[-1]) if final_metric is None else finite_number("final_metric", final_metric)
    if next_flow is not None:
        if method != "gordon":
            raise KCInputError("next_flow applies only to the gordon method")
        next_flow = finite_number("next_flow", next_flow)
    return FlowPath(flows, times, t_tv, method, metric, next_flow)


def dcf_valuation(cash_flows, wacc, terminal_growth=None, net_debt=0.0, shares=1.0, fx=1.0, convention="end", *,
                  dates=None, valuation_date=None, terminal_timing="end", method="gordon", exit_multiple=None,
                  final_metric=None, next_flow=None, minorities=0.0, non_operating=0.0, ads_ratio=1.0) -> DCFResult:
    """Value of the flows per the module conventions.

    ``method='gordon'`` needs ``terminal_growth`` < ``wacc``; ``method='exit'`` needs ``exit_multiple``
    and applies it to ``final_metric`` (default: the final cash flow).
    """
    path = flow_path(cash_flows, convention, dates=dates, valuation_date=valuation_date,
                     terminal_timing=terminal_timing, method=method, final_metric=final_metric, next_flow=next_flow)
    w = rate("wacc", wacc)
    if path.method == "gordon":
        tv = terminal.gordon_terminal_value(path.flows[-1], w, terminal_growth, path.next_flow)
    else:
        if exit_multiple is None:
            raise KCInputError("exit_multiple is empty; the exit method needs a multiple")
        tv = terminal.exit_multiple_terminal_value(path.final_metric, exit_multiple)
    pv_explicit = sum(cf * (1.0 + w) ** -t for cf, t in zip(path.flows.tolist(), path.times.tolist()))
    pv_terminal = tv * (1.0 + w) ** -path.terminal_time
    to_equity = bridge.equity_bridge(pv_explicit + pv_terminal, net_debt, shares, fx, minorities=minorities,
                                     non_operating=non_operating, ads_ratio=ads_ratio)
    return DCFResult(pv_explicit, pv_terminal, tv, to_equity.enterprise_value, to_equity.equity_value,
                     to_equity.per_share, to_equity.per_ads)
