"""Which input cell of a model workbook holds which number of a company data file.

The template gives every input a defined name (``workbook.template``); this module maps names to
data-file fields, so ``kc refresh --data`` can load new statements and market data into any workbook
built from the template, wherever an analyst has since moved the cells.
"""

from __future__ import annotations

from workbook.company import STATEMENTS

# Defined name -> (section of the data file, dotted for a sub-table, key).
MARKET_INPUTS = {
    "Price": ("valuation", "price"), "Shares": ("valuation", "shares"), "NetDebt": ("valuation", "net_debt"),
    "FX": ("valuation", "fx"), "ADS_Ratio": ("valuation", "ads_ratio"), "ADS_FX": ("valuation", "ads_fx"),
    "ADS_Price": ("valuation", "ads_price"), "W52_Low": ("market_000", "week52_low_usd"),
    "W52_High": ("market_000", "week52_high_usd"), "LTM_Revenue": ("market_002", "ltm_revenue_m"),
    "ValuationDate": ("valuation", "valuation_date"), "Convention": ("valuation", "convention"),
    "Scenario": ("valuation", "live_scenario"), "RatingScale": ("valuation", "rating_scale"),
    "PS_Multiple": ("valuation.multiple", "multiple"), "PS_Year": ("valuation.multiple", "metric_year"),
    "PS_Count": ("valuation.multiple", "count"),
    # The driver model's (workbook.template): house DCF options and the report P/S case's own rate and price.
    "Timing": ("house", "timing"), "Stub": ("house", "stub"), "PS_FX": ("valuation.multiple", "ads_fx"),
    "PS_Price": ("valuation.multiple", "price"),
}
CASE_FIELDS = {"Revenue": "base_revenue_m", "Growth": "growth", "Margins": "fcf_margin", "WACC": "wacc",
               "TerminalGrowth": "terminal_growth"}


HOUSE_FIELDS = ("probability", "risk_free", "beta", "equity_risk_premium", "country_premium", "pre_tax_cost_of_debt",
                "tax_rate", "terminal_growth", "wacc_override")


def line_name(key: str) -> str:
    return f"Line_{key}"


def case_name(case: str, field: str) -> str:
    return f"Case_{case}_{field}"


def _section(data: dict, dotted: str):
    table = data
    for part in dotted.split("."):
        table = table.get(part, {}) if isinstance(table, dict) else {}
    return table if isinstance(table, dict) else {}


def input_sources(data: dict) -> dict[str, tuple[object, str]]:
    """{defined name: (value or list of values, where the data file gives it)} for every input the data
    file provides. A partial data file gives only some: statements, scenarios and their fields may be
    absent, and only what is present is mapped."""
    out: dict[str, tuple[object, str]] = {}
    for name, (section, key) in MARKET_INPUTS.items():
        table = _section(data, section)
        if key in table:
            out[name] = (table[key], f"{section}.{key}")
    for statement in STATEMENTS:
        for n, line in enumerate(data.get(statement, []) or [], start=1):
            if isinstance(line, dict) and "key" in line and "values" in line:
                values = line["values"]
                out[line_name(line["key"])] = (list(values) if isinstance(values, list) else values,
                                               f"{statement}.{line['key']}.values")
    for case in data.get("scenarios", []) or []:
        if not isinstance(case, dict) or "name" not in case:
            continue
        for field, key in CASE_FIELDS.items():
            if key in case:
                out[case_name(case["name"], field)] = (case[key], f"scenarios.{case['name']}.{key}")
    out.update(_driver_model_sources(data))
    return out


def _driver_model_sources(data: dict) -> dict[str, tuple[object, str]]:
    """The driver model's inputs: each scenario's house valuation inputs (House_<scenario>_<field>) and each
    driver's explicit values (Drv_<driver>_<scenario>) and steady state (Drv_<driver>_<scenario>_Final), laid
    out as workbook.company.forecast reads them (the final value is its own cell unless every year is given)."""
    out: dict[str, tuple[object, str]] = {}
    for case in data.get("house_cases", []) or []:
        if not isinstance(case, dict) or "name" not in case:
            continue
        for field in HOUSE_FIELDS:
            if field in case:
                out[f"House_{case['name']}_{field}"] = (case[field], f"house_cases.{case['name']}.{field}")
    years = data.get("forecast", {}).get("years") if isinstance(data.get("forecast"), dict) else None
    if not isinstance(years, list):
        return out
    for driver in data.get("drivers", []) or []:
        if not isinstance(driver, dict) or "key" not in driver:
            continue
        for name, values in driver.items():
            if name in ("key", "en", "zh", "unit", "actual", "basis", "note") or not isinstance(values, list) \
                    or not values:
                continue
            where = f"drivers.{driver['key']}.{name}"
            base = f"Drv_{driver['key']}_{name}"
            if len(values) == len(years):
                out[base] = (list(values), where)
            else:
                out[base] = (list(values[:-1]) if len(values) > 1 else list(values), where)
                out[f"{base}_Final"] = (values[-1], f"{where}[{len(values)}]")
    return out


def named_inputs(data: dict) -> dict[str, object]:
    """{defined name: value, or list of values for a range} for every input the data file provides
    (dates as ISO text, so the answer is plain JSON)."""
    out = {}
    for name, (value, _) in input_sources(data).items():
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
