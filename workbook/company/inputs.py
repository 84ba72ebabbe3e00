"""Which input cell of a model workbook holds which number of a company data file.

The template gives every input a defined name (``workbook.template``); this module maps names to
data-file fields, so ``kc refresh --data`` can load new statements and market data into any workbook
built from the template, wherever an analyst has since moved the cells.
"""

from __future__ import annotations

from workbook.company import STATEMENTS
from workbook.errors import BookError
from workbook.xlsx import references as pkg

# Defined name -> (section of the data file, key).
MARKET_INPUTS = {
    "Price": ("valuation", "price"), "Shares": ("valuation", "shares"), "NetDebt": ("valuation", "net_debt"),
    "FX": ("valuation", "fx"), "ADS_Ratio": ("valuation", "ads_ratio"), "ADS_FX": ("valuation", "ads_fx"),
    "ADS_Price": ("valuation", "ads_price"), "W52_Low": ("market_000", "week52_low_usd"),
    "W52_High": ("market_000", "week52_high_usd"), "LTM_Revenue": ("market_002", "ltm_revenue_m"),
}
CASE_FIELDS = {"Revenue": "base_revenue_m", "Growth": "growth", "Margins": "fcf_margin", "WACC": "wacc",
               "TerminalGrowth": "terminal_growth"}


def line_name(key: str) -> str:
    return f"Line_{key}"


def case_name(case: str, field: str) -> str:
    return f"Case_{case}_{field}"


def named_inputs(data: dict) -> dict[str, object]:
    """{defined name: value, or list of values for a range} for every input the data file provides."""
    out: dict[str, object] = {}
    for name, (section, key) in MARKET_INPUTS.items():
        if key in data.get(section, {}):
            out[name] = data[section][key]
    for statement in STATEMENTS:
        for line in data[statement]:
            out[line_name(line["key"])] = list(line["values"])
    for case in data["scenarios"]:
        for field, key in CASE_FIELDS.items():
            out[case_name(case["name"], field)] = case[key]
    return out


def input_updates(data: dict, names: dict[str, tuple[str, str]]) -> dict[str, dict]:
    """{sheet: {cell: value}} for every named input of the workbook (``names``) the data file provides."""
    updates: dict[str, dict] = {}
    for name, values in named_inputs(data).items():
        if name not in names:
            continue
        sheet, ref = names[name]
        cells = pkg.range_cells(ref)
        values = values if isinstance(values, list) else [values]
        if len(values) != len(cells):
            raise BookError(f"defined name {name} covers {len(cells)} cells but the data file gives "
                            f"{len(values)} value(s)")
        updates.setdefault(sheet, {}).update(zip(cells, values))
    return updates
