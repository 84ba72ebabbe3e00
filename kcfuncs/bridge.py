"""From enterprise value to a value per share or per ADS.

equity = EV - net debt - minorities + non-operating assets (all in the model currency);
per share = equity / shares * fx, where fx is units of the *quoted* currency per unit of the model
currency (1 CNY = 1.10 HKD -> fx = 1.10; 1 USD = 7.17 CNY -> fx = 1 / 7.17);
per ADS = per share * ads_ratio (ordinary shares per ADS; 15 for KC).
Shares are in the same unit as the money amounts' scale (CNY millions over millions of shares).
"""

from __future__ import annotations

from dataclasses import dataclass

from kcfuncs.validation import finite_number, finite_result, positive_number


@dataclass(frozen=True)
class EquityBridge:
    enterprise_value: float
    equity_value: float
    per_share: float
    per_ads: float


def equity_bridge(enterprise_value, net_debt=0.0, shares=1.0, fx=1.0, *, minorities=0.0,
                  non_operating=0.0, ads_ratio=1.0) -> EquityBridge:
    ev = finite_number("enterprise value", enterprise_value)
    equity = finite_result("the equity value", ev - finite_number("net_debt", net_debt)
                           - finite_number("minorities", minorities) + finite_number("non_operating", non_operating))
    per_share = finite_result("the value per share",
                              equity / positive_number("shares", shares) * positive_number("fx", fx))
    per_ads = finite_result("the value per ADS", per_share * positive_number("ads_ratio", ads_ratio))
    return EquityBridge(ev, equity, per_share, per_ads)
