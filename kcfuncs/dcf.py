"""Discounted cash-flow valuation of an explicit flow path plus a terminal value.

EV = sum_i CF_i * DF_i + TV * DF_TV, with the cumulative discount factors of ``kcfuncs.discounting``
(one WACC, or one WACC per explicit period; convention ``end`` by default, as the seed DCF report does),
TV from ``kcfuncs.terminal`` (Gordon growth by default), then ``kcfuncs.bridge`` to equity and per share.
Money amounts stay in the model currency; only per_share / per_ads are converted with fx.

* Terminal rate: the perpetuity methods (gordon, value_driver) price the terminal value at
  ``terminal_wacc`` when given, else at the last period's WACC; either way it is discounted back
  along the explicit path (``kcfuncs.discounting``). A two-stage valuation is a high-growth WACC for
  the forecast years and a stable ``terminal_wacc``.
* Terminal timing: by default ``mid`` under the mid-year convention for the perpetuity methods (the
  flows after year n keep arriving mid-year, so the perpetuity stands at n - 0.5) and ``end``
  otherwise; an explicit ``end`` is allowed with mid-year flows. An exit multiple values the business
  at the end of year n, so ``mid`` with the exit method is refused.
* Method inputs: gordon uses ``terminal_growth`` and optionally ``next_flow`` (the first flow after
  the forecast, used instead of final flow x (1 + g)); value_driver needs ``terminal_growth``,
  ``nopat_next`` (NOPAT of the first year after the forecast; required, because the cash flows are
  after reinvestment and the exit metric is not NOPAT, so neither is a safe stand-in) and ``ronic``;
  exit needs ``exit_multiple`` and applies it to ``final_metric`` (default: the final cash flow).
  Inputs of another method are ignored, so a sheet can switch ``method`` in one cell; ``next_flow``
  is refused by the other methods because it is a cash flow, not a NOPAT or a metric.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from kcfuncs import bridge, discounting, terminal
from kcfuncs.errors import KCInputError
from kcfuncs.validation import choice, finite_array, finite_number, finite_result, positive_number, rate

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
    """Validated flows with their timeline and terminal-value recipe, shared by the scalar valuation,
    the vectorised grids and the reverse DCF so all of them read their inputs identically."""

    flows: np.ndarray
    line: discounting.Timeline
    method: str
    final_metric: float
    next_flow: float | None
    nopat_next: float | None
    ronic: float | None

    @property
    def times(self) -> np.ndarray:
        return self.line.times

    @property
    def terminal_time(self) -> float:
        return self.line.terminal_time


def terminal_timing_for(method: str, convention: str, terminal_timing) -> str:
    """The terminal timing after defaults (see the module docstring); ``None`` means the default."""
    convention = choice("convention", convention, discounting.CONVENTIONS, discounting.CONVENTION_ALIASES)
    if terminal_timing is None:
        return "mid" if convention == "mid" and method in terminal.PERPETUITY_METHODS else "end"
    timing = choice("terminal_timing", terminal_timing, discounting.TERMINAL_TIMINGS)
    if timing == "mid" and method == "exit":
        raise KCInputError("terminal_timing 'mid' does not apply to the exit method: "
                           "a multiple values the business at the end of year n")
    return timing


def flow_path(cash_flows, convention="end", *, dates=None, valuation_date=None, terminal_timing=None,
              method="gordon", final_metric=None, next_flow=None, nopat_next=None, ronic=None) -> FlowPath:
    flows = finite_array("cash_flows", cash_flows)
    method = choice("method", method, terminal.METHODS, terminal.METHOD_ALIASES)
    timing = terminal_timing_for(method, convention, terminal_timing)
    line = discounting.timeline(len(flows), convention, dates=dates, valuation_date=valuation_date,
                                terminal_timing=timing)
    metric = float(flows[-1])
    if method == "exit" and final_metric is not None:
        metric = finite_number("final_metric", final_metric)
    if next_flow is not None:
        if method != "gordon":
            raise KCInputError(f"next_flow applies only to the gordon method, not {method!r} "
                               "(value_driver takes nopat_next)")
        next_flow = finite_number("next_flow", next_flow)
    if method == "value_driver":
        if nopat_next is None:
            raise KCInputError("nopat_next is empty; the value_driver method needs the NOPAT of the first year "
                               "after the forecast")
        if ronic is None:
            raise KCInputError("ronic is empty; the value_driver method needs the return on new invested capital")
        nopat_next, ronic = finite_number("nopat_next", nopat_next), positive_number("ronic", ronic)
    else:
        nopat_next = ronic = None
    return FlowPath(flows, line, method, metric, next_flow, nopat_next, ronic)


def is_rate_path(wacc) -> bool:
    """Whether a WACC argument is a path of several rates rather than one rate."""
    return isinstance(wacc, (list, tuple, np.ndarray)) and np.size(wacc) > 1


def discount_rates(path: FlowPath, wacc, terminal_wacc=None, *, name="wacc") -> tuple[list[float], float, str]:
    """One rate per period, the terminal rate, and the name the terminal rate goes by in messages."""
    rates = discounting.rate_path(name, wacc, len(path.flows))
    if terminal_wacc is not None and path.method in terminal.PERPETUITY_METHODS:
        return rates, rate("terminal_wacc", terminal_wacc), "terminal_wacc"
    return rates, rates[-1], f"{name}[{len(rates)}]" if is_rate_path(wacc) else name


def path_terminal_value(path: FlowPath, terminal_rate: float, rate_name: str, terminal_growth, exit_multiple) -> float:
    """The terminal value of ``path`` by its method, priced at ``terminal_rate``."""
    if path.method == "gordon":
        return terminal.gordon_terminal_value(path.flows[-1], terminal_rate, terminal_growth, path.next_flow,
                                              rate_name=rate_name)
    if path.method == "value_driver":
        return terminal.value_driver_terminal_value(path.nopat_next, terminal_rate, terminal_growth, path.ronic,
                                                    rate_name=rate_name)
    if exit_multiple is None:
        raise KCInputError("exit_multiple is empty; the exit method needs a multiple")
    return terminal.exit_multiple_terminal_value(path.final_metric, exit_multiple)


def dcf_valuation(cash_flows, wacc, terminal_growth=None, net_debt=0.0, shares=1.0, fx=1.0, convention="end", *,
                  dates=None, valuation_date=None, terminal_timing=None, method="gordon", exit_multiple=None,
                  final_metric=None, next_flow=None, nopat_next=None, ronic=None, terminal_wacc=None,
                  minorities=0.0, non_operating=0.0, ads_ratio=1.0) -> DCFResult:
    """Value of the flows per the module conventions.

    ``wacc`` is one rate or one rate per cash flow (period). ``method='gordon'`` (default) needs
    ``terminal_growth`` below the terminal rate; ``'value_driver'`` also needs ``nopat_next`` and
    ``ronic``; ``'exit'`` needs ``exit_multiple`` and applies it to ``final_metric`` (default: the final
    cash flow). ``terminal_timing`` None means the module's default.
    """
    path = flow_path(cash_flows, convention, dates=dates, valuation_date=valuation_date,
                     terminal_timing=terminal_timing, method=method, final_metric=final_metric,
                     next_flow=next_flow, nopat_next=nopat_next, ronic=ronic)
    rates, terminal_rate, rate_name = discount_rates(path, wacc, terminal_wacc)
    tv = path_terminal_value(path, terminal_rate, rate_name, terminal_growth, exit_multiple)
    factors, terminal_factor = discounting.path_factors(path.line, rates, terminal_rate, "wacc")
    pv_explicit = finite_result("the PV of the explicit flows",
                                discounting.discounted_sum(path.flows.tolist(), factors))
    pv_terminal = finite_result("the PV of the terminal value", tv * terminal_factor)
    to_equity = bridge.equity_bridge(finite_result("the enterprise value", pv_explicit + pv_terminal), net_debt,
                                     shares, fx, minorities=minorities, non_operating=non_operating,
                                     ads_ratio=ads_ratio)
    return DCFResult(pv_explicit, pv_terminal, tv, to_equity.enterprise_value, to_equity.equity_value,
                     to_equity.per_share, to_equity.per_ads)
