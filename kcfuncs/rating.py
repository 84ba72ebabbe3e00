"""Investment rating from the upside of a target price over the current price.

upside = target / price - 1 (both in the same currency). A scale is a list of tiers from the highest
threshold down; a tier applies when the upside is above its threshold (or equal, when the tier is
inclusive). Comparisons forgive 1e-12 of floating-point noise, so 12 / 10 - 1 counts as exactly +20%.

Named scales:

* ``buy_hold_sell`` (the 12-month scale of Guoyuan Securities HK, seed 000): Buy when upside >= +20%;
  Sell when upside <= -20%; Hold in between. The report's text says Sell is "涨幅不小于-20%" (not less
  than -20%), which would overlap Hold; read as "not more than -20%", the only reading that makes the
  three tiers a partition.
* ``overweight_underweight``: Overweight when upside >= +10%, Underweight when upside <= -10%,
  Neutral in between (seed 002 rates -38.6% Underweight; its thresholds are not printed, so these are
  ours, stated here).

A custom scale is a sequence of (minimum upside, label) pairs: the label applies from its minimum
(inclusive) up to the next higher minimum, and the lowest label also covers anything below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kcfuncs.errors import KCInputError
from kcfuncs.validation import choice, finite_number, finite_result, format_value, positive_number

LANGUAGES = ("en", "zh")
LANGUAGE_ALIASES = {"english": "en", "chinese": "zh", "cn": "zh", "zh_cn": "zh", "中文": "zh"}
TOLERANCE = 1e-12


@dataclass(frozen=True)
class Tier:
    threshold: float  # -inf for the bottom tier
    inclusive: bool
    label_en: str
    label_zh: str

    def label(self, language: str) -> str:
        return self.label_zh if language == "zh" else self.label_en


SCALES: dict[str, tuple[Tier, ...]] = {
    "buy_hold_sell": (
        Tier(0.20, True, "Buy", "买入"),
        Tier(-0.20, False, "Hold", "持有"),
        Tier(-math.inf, True, "Sell", "卖出"),
    ),
    "overweight_underweight": (
        Tier(0.10, True, "Overweight", "增持"),
        Tier(-0.10, False, "Neutral", "中性"),
        Tier(-math.inf, True, "Underweight", "减持"),
    ),
}
SCALE_ALIASES = {"3_tier": "buy_hold_sell", "buy_sell": "buy_hold_sell", "guoyuan": "buy_hold_sell",
                 "ow_uw": "overweight_underweight", "overweight": "overweight_underweight",
                 "overweight_neutral_underweight": "overweight_underweight"}


def upside(target, price) -> float:
    """target / price - 1."""
    return finite_result("the upside", finite_number("target", target) / positive_number("price", price) - 1.0)


def custom_scale(pairs) -> tuple[Tier, ...]:
    """Tiers from (minimum upside, label) pairs in any order; labels are used in every language."""
    tiers = []
    for k, pair in enumerate(pairs, start=1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise KCInputError(f"scale row {k} ({format_value(pair)}) must be a (minimum upside, label) pair")
        minimum, label = pair
        if not isinstance(label, str) or not label.strip():
            raise KCInputError(f"scale row {k} label ({format_value(label)}) must be text")
        tiers.append((finite_number(f"scale row {k} minimum", minimum), label.strip()))
    if len(tiers) < 2:
        # One tier would give every upside the same label: a scale that rates nothing.
        raise KCInputError(f"scale has {len(tiers)} row(s); give at least two (minimum upside, label) pairs")
    tiers.sort(key=lambda t: t[0], reverse=True)
    for (high, a), (low, b) in zip(tiers, tiers[1:]):
        if high == low:
            raise KCInputError(f"scale labels {a!r} and {b!r} share the minimum {format_value(high)}")
    built = [Tier(minimum, True, label, label) for minimum, label in tiers[:-1]]
    return tuple(built) + (Tier(-math.inf, True, tiers[-1][1], tiers[-1][1]),)


def resolve_scale(scale) -> tuple[Tier, ...]:
    if isinstance(scale, str) or scale is None:
        return SCALES[choice("scale", scale, tuple(SCALES), SCALE_ALIASES)]
    return custom_scale(scale)


def rating_for_upside(upside_value, scale="buy_hold_sell", language="en") -> str:
    u = finite_number("upside", upside_value)
    language = choice("language", language, LANGUAGES, LANGUAGE_ALIASES)
    for tier in resolve_scale(scale):
        if u > tier.threshold + TOLERANCE or (tier.inclusive and u >= tier.threshold - TOLERANCE):
            return tier.label(language)
    raise AssertionError("the bottom tier of every scale is unbounded")


def rating(target, price, scale="buy_hold_sell", language="en") -> str:
    """The rating label for ``target`` against ``price`` on ``scale`` in ``language`` (en or zh)."""
    return rating_for_upside(upside(target, price), scale, language)
