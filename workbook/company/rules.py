"""What each named input of the model may hold, checked with the rules the KC functions apply.

One table says which defined name takes which kind of value (a rate, a positive number, a date, one of a
set of options, ...); ``kc set`` (text typed on the command line) and data files (TOML values) are both
checked against it before anything is written, with the very checks of ``kcfuncs.validation`` and the
text reading of ``addin.arguments`` (what a KC function would say of the same value in a cell), so a
value the functions would refuse never reaches a workbook.

Names not in the table are checked by what their cell holds now: a number stays a number, text stays
text. New named inputs of the template get a row in ``KINDS`` (exact name) or ``PATTERNS`` (a family of
names such as ``Case_<scenario>_WACC``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from addin import arguments
from kcfuncs.dates import EXCEL_EPOCH, excel_serial
from kcfuncs.discounting import CONVENTION_ALIASES, CONVENTIONS
from kcfuncs.errors import KCInputError
from kcfuncs.rating import SCALE_ALIASES, SCALES
from kcfuncs.validation import choice, finite_number, format_percent, format_value, positive_number, rate


@dataclass(frozen=True)
class Kind:
    name: str                       # rate, positive, number, nonnegative, date, text, option, scenario
    options: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()


RATE, POSITIVE, NUMBER, NONNEGATIVE = Kind("rate"), Kind("positive"), Kind("number"), Kind("nonnegative")
DATE, TEXT, SCENARIO = Kind("date"), Kind("text"), Kind("scenario")
CONVENTION = Kind("option", CONVENTIONS, tuple(CONVENTION_ALIASES.items()))
RATING_SCALE = Kind("option", tuple(SCALES), tuple(SCALE_ALIASES.items()))

KINDS: dict[str, Kind] = {
    "ValuationDate": DATE, "Price": POSITIVE, "Shares": POSITIVE, "NetDebt": NUMBER, "FX": POSITIVE,
    "ADS_Ratio": POSITIVE, "ADS_FX": POSITIVE, "ADS_Price": POSITIVE, "W52_Low": POSITIVE, "W52_High": POSITIVE,
    "LTM_Revenue": POSITIVE, "Convention": CONVENTION, "Scenario": SCENARIO, "RatingScale": RATING_SCALE,
    "TieTolerance": NONNEGATIVE, "DataFile": TEXT, "PS_Multiple": POSITIVE, "PS_Year": TEXT, "PS_Count": POSITIVE,
    "Sens_WACC_Step": POSITIVE, "Sens_Growth_Step": POSITIVE,
}
PATTERNS: tuple[tuple[re.Pattern, Kind], ...] = (
    (re.compile(r"Case_.+_(WACC|TerminalGrowth|Growth|Margins)"), RATE),
    (re.compile(r"Case_.+_Revenue"), POSITIVE),
    (re.compile(r"Line_.+"), NUMBER),
    # Names that say they hold a rate or a ratio (a tax rate, a risk premium, a margin path, a payout
    # ratio): typed as 11%, and "11" is the slip of a missing % sign.
    (re.compile(r".*(rate|margin|growth|wacc|premium|yield|spread|ratio|risk_free).*", re.I), RATE),
)


def kind_of(name: str) -> Kind | None:
    if name in KINDS:
        return KINDS[name]
    return next((kind for pattern, kind in PATTERNS if pattern.fullmatch(name)), None)


def kind_of_cell(value) -> Kind:
    """The kind of an input the table does not know, from what its cell holds now."""
    return TEXT if isinstance(value, str) else NUMBER


def _checked_number(kind: Kind, name: str, number: float) -> float:
    if kind is RATE:
        return rate(name, number)
    if kind is POSITIVE:
        return positive_number(name, number)
    if kind is NONNEGATIVE:
        number = finite_number(name, number)
        if number < 0:
            raise KCInputError(f"{name} ({format_value(number)}) must not be negative")
        return number
    return finite_number(name, number)


def _option(kind: Kind, name: str, value, options: list[str] | None) -> str:
    if options:
        # The workbook's own list (its data validation) decides; matched without regard to case.
        if isinstance(value, str):
            match = next((o for o in options if o.lower() == value.strip().lower()), None)
            if match is not None:
                return match
        raise KCInputError(f"{name} ({format_value(value)}) must be one of: {', '.join(options)}")
    if kind.options:
        return choice(name, value, kind.options, dict(kind.aliases))
    if not isinstance(value, str) or not value.strip():
        raise KCInputError(f"{name} ({format_value(value)}) must be text")
    return value.strip()


def from_text(name: str, kind: Kind, text: str, options: list[str] | None = None):
    """A value typed on the command line (``kc set BOOK Name=text``), as the cell will hold it."""
    if kind.name in ("option", "scenario"):
        return _option(kind, name, text, options)
    if kind is TEXT:
        if options:
            return _option(kind, name, text, options)
        return text
    if kind is DATE:
        try:
            day = dt.date.fromisoformat(text.strip())
        except ValueError:
            raise KCInputError(f"{name} ({format_value(text)}) must be a date such as 2026-12-31") from None
        return float(excel_serial(name, day))
    if not text.strip():
        raise KCInputError(f"{name} is empty; a number is required")
    number = arguments.parse_number_text(name, text)
    if kind is RATE and "%" not in text and abs(number) >= 1:
        # 11 for 11% is the classic slip: as a rate it would mean 1,100%.
        raise KCInputError(f"{name} ({text.strip()}) would be {format_percent(number)}; write {text.strip()}% "
                           f"or {number / 100:g}")
    return _checked_number(kind, name, number)


def from_data(name: str, kind: Kind, value, options: list[str] | None = None):
    """A value from a data file (TOML: numbers, text, dates), as the cell will hold it."""
    if kind.name in ("option", "scenario") or (kind is TEXT and options):
        return _option(kind, name, value, options)
    if kind is TEXT:
        if not isinstance(value, str):
            raise KCInputError(f"{name} ({format_value(value)}) must be text")
        return value
    if kind is DATE:
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, (str, dt.date)):
            raise KCInputError(f"{name} ({format_value(value)}) must be a date such as 2026-12-31")
        return float(excel_serial(name, value))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise KCInputError(f"{name} ({format_value(value)}) must be a number")
    return _checked_number(kind, name, float(value))


def shown(kind: Kind | None, value) -> str:
    """A cell value as the analyst reads it: rates in %, dates in ISO, text quoted."""
    if value is None:
        return "empty"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if kind is RATE and isinstance(value, float):
        return format_percent(value)
    if kind is DATE and isinstance(value, (int, float)) and math.isfinite(value) and 0 < value < 2_958_466:
        return (EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
    if isinstance(value, float):
        return f"{value:,.10g}" if abs(value) < 1e15 else f"{value:g}"
    return str(value)


def check_scenarios(values: dict[str, object], touched: set[str] | None = None) -> None:
    """Cross-checks over the named inputs as they will stand ({name: value or list}): each scenario's
    WACC above its terminal growth (what KC_DCF requires), the 52-week low not above the high. With
    ``touched``, only the pairs of which one of these names is part (what a change could have broken)."""
    def concerned(*names):
        return touched is None or any(n in touched for n in names)

    for name, wacc in values.items():
        match = re.fullmatch(r"Case_(.+)_WACC", name)
        if not match or not concerned(name, f"Case_{match[1]}_TerminalGrowth"):
            continue
        growth = values.get(f"Case_{match[1]}_TerminalGrowth")
        w, g = _single(wacc), _single(growth)
        if isinstance(w, float) and isinstance(g, float) and w <= g:
            raise KCInputError(f"Case_{match[1]}_WACC ({format_percent(w)}) must exceed "
                               f"Case_{match[1]}_TerminalGrowth ({format_percent(g)})")
    low, high = _single(values.get("W52_Low")), _single(values.get("W52_High"))
    if isinstance(low, float) and isinstance(high, float) and low > high and concerned("W52_Low", "W52_High"):
        raise KCInputError(f"W52_Low ({low:g}) must not exceed W52_High ({high:g})")


def _single(value):
    if isinstance(value, list):
        return value[0] if len(value) == 1 else None
    return value
