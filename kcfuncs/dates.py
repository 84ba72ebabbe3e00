"""Dates as Excel serial day numbers.

Excel stores a date as the number of days since 1899-12-30 (the 1900 date system, leap-year bug
included, which only matters before 1900-03-01). XNPV truncates serials to whole days, so do we.
"""

from __future__ import annotations

import datetime as _dt
import math

import numpy as np

from kcfuncs.errors import KCInputError
from kcfuncs.validation import format_value

EXCEL_EPOCH = _dt.date(1899, 12, 30)
LAST_SERIAL = 2958465  # 9999-12-31, the last date Excel can hold


def excel_serial(name: str, value) -> int:
    """A date, datetime, numpy datetime64, ISO text ('2026-12-31') or serial number -> whole serial day."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise KCInputError(f"{name} ({format_value(value)}) must be a date")
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[D]").item()
    if isinstance(value, str):
        try:
            value = _dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise KCInputError(f"{name} ({format_value(value)}) must be a date such as 2026-12-31") from None
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return (value - EXCEL_EPOCH).days
    try:
        serial = float(value)
    except (TypeError, ValueError):
        raise KCInputError(f"{name} ({format_value(value)}) must be a date") from None
    if not math.isfinite(serial) or serial < 1:
        raise KCInputError(f"{name} ({format_value(value)}) is not a valid date serial number")
    if serial > LAST_SERIAL:
        # 20261231 is the commonest slip: a yyyymmdd number, which as a serial would be a date in year 57,000.
        hint = " (it looks like yyyymmdd: enter it as a date)" if _looks_like_yyyymmdd(serial) else ""
        raise KCInputError(f"{name} ({format_value(value)}) is past 9999-12-31, the last date Excel holds{hint}")
    return int(serial)


def _looks_like_yyyymmdd(serial: float) -> bool:
    digits = f"{int(serial)}"
    if len(digits) != 8 or serial != int(serial):
        return False
    try:
        _dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True
