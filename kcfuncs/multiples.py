"""Targets from a valuation multiple, as seed 000 sets its target from P/S.

value = multiple * metric - net_debt (pass net_debt only for an EV multiple such as EV/Sales or
EV/EBITDA; an equity multiple such as P/S or P/E uses the metric directly);
per share (or per ADS) = value / count * fx, with fx as in ``kcfuncs.bridge`` (quoted-currency units per
model-currency unit: CNY model, USD quote at 7.17 CNY per USD -> fx = 1 / 7.17).
"""

from __future__ import annotations

from kcfuncs.errors import KCInputError
from kcfuncs.validation import finite_number, finite_result, positive_number


def multiple_target(multiple, metric, count, fx=1.0, net_debt=0.0) -> float:
    value = finite_number("multiple", multiple) * finite_number("metric", metric) - finite_number("net_debt", net_debt)
    return finite_result("the target", value / positive_number("count", count) * positive_number("fx", fx))


def implied_multiple(price, metric, count, fx=1.0, net_debt=0.0) -> float:
    """The multiple the market pays: (price / fx * count + net_debt) / metric."""
    metric_value = finite_number("metric", metric)
    if metric_value == 0:
        raise KCInputError("metric (0) must not be zero to imply a multiple")
    value = finite_number("price", price) / positive_number("fx", fx) * positive_number("count", count)
    return finite_result("the implied multiple", (value + finite_number("net_debt", net_debt)) / metric_value)
