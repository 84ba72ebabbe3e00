"""Assumptions sheet: every input a defined name, blue on yellow; the scenario switch."""

from __future__ import annotations

import datetime as dt


from kcfuncs.rating import SCALES
from workbook.company.inputs import case_name
from workbook.template.layout import FIRST_VALUE_COL, GENERIC_NOTES, Model, Writer, cell, on, span


def write_assumptions(w: Writer, model: Model) -> None:
    data, v, f = model.data, model.data["valuation"], w.f
    w.title("Assumptions", "假设", "Blue cells on yellow are inputs; every input is a defined name. CNY millions "
                                   "unless stated.")
    w.ws.set_column(2, 2, 14)
    w.ws.set_column(3, 3, 16)
    w.ws.set_column(4, 5, 14)  # notes in E overflow to the right; E and F also hold scenario columns
    w.header(3, "Input", "输入", ["Value", "Name", "Source / note"])
    m0 = data.get("market_000", {})
    sources = v.get("sources", {})
    rows = [
        ("ValuationDate", "Valuation date", "估值日", dt.date.fromisoformat(v["valuation_date"]), "date",
         ""),
        ("Price", "Share price (HK$)", "股价（港元）", v["price"], "per_share", ""),
        ("Shares", "Shares outstanding (m)", "总股本（百万股）", v["shares"], "number1", ""),
        ("NetDebt", "Net debt (CNY m)", "净负债（百万元）", v["net_debt"], "number1", ""),
        ("FX", "HKD per CNY", "汇率 港元/人民币", v["fx"], "per_share", ""),
        ("ADS_Ratio", "Shares per ADS", "每 ADS 股数", v.get("ads_ratio", 1), "general", ""),
        ("ADS_FX", "CNY per USD", "汇率 人民币/美元", v["ads_fx"], "per_share",
         ""),
        ("ADS_Price", "ADS price (US$)", "ADS 股价（美元）", v.get("ads_price", 0), "per_share", ""),
        ("Convention", "Discounting convention", "折现惯例", v.get("convention", "end"), "text",
         "end = end of year (as Excel NPV); mid = mid-year"),
        ("Scenario", "Live scenario", "当前情景", v["live_scenario"], "text", "drives DCF, Sensitivity and Summary"),
        ("RatingScale", "Rating scale", "评级标准", v["rating_scale"], "text", "see the Rating sheet"),
        ("TieTolerance", "Tie-out tolerance (CNY m)", "勾稽容差", 1, "general",
         "printed figures are rounded to 1m; subtotals may differ by 1"),
        ("DataFile", "Data file for the RefreshKCData macro", "数据文件", "", "text",
         "path of a company data file (.toml); blank: the data embedded in the add-in"),
    ]
    # Optional market data: rows only where the data file has them.
    ltm = v.get("ltm_revenue", data.get("market_002", {}).get("ltm_revenue_m"))
    if ltm is not None:
        rows.insert(9, ("LTM_Revenue", "LTM revenue (CNY m)", "过去12个月收入", ltm, "number1", ""))
    if m0.get("week52_low_usd") is not None and m0.get("week52_high_usd") is not None:
        rows[9:9] = [("W52_Low", "52-week low (US$ per ADS)", "52周最低（美元）", m0["week52_low_usd"], "per_share", ""),
                     ("W52_High", "52-week high (US$ per ADS)", "52周最高（美元）", m0["week52_high_usd"], "per_share", "")]
    row = 4
    for name, en, zh, value, kind, note in rows:
        note = sources.get(name, note if name in GENERIC_NOTES else "")
        w.labels(row, en, zh)
        fmt = "text_input" if kind == "text" else f"{kind}_input"
        if kind == "date":
            w.ws.write_datetime(row, 2, dt.datetime.combine(value, dt.time()), f["date_input"])
        else:
            w.ws.write(row, 2, value, f[fmt])
        w.ws.write(row, 3, name, f["note"])
        w.text(row, 4, note, "note")
        w.reach(row, 8)  # the note overflows to the right; print it whole
        w.define(name, row, 2)
        model.refs[name] = on(w.name, cell(row, 2, True))
        row += 1
    names = [case["name"] for case in data["scenarios"]]
    validations = {"Convention": ["end", "mid"], "Scenario": names, "RatingScale": list(SCALES)}
    for i, (name, *_rest) in enumerate(rows):
        if name in validations:
            w.ws.data_validation(4 + i, 2, 4 + i, 2, {"validate": "list", "source": validations[name]})

    # Multiple-based target inputs.
    mult = v.get("multiple")
    row += 1
    w.text(row, 0, "Multiple-based target", "section")
    row += 1
    if mult:
        for name, en, zh, value, fmt, note in (
            ("PS_Multiple", "P/S multiple", "市销率倍数", mult["multiple"], "number1_input", sources.get("PS_Multiple", "")),
            ("PS_Year", "Revenue year", "收入年份", mult["metric_year"], "text_input", ""),
            ("PS_Count", "ADS count (m)", "ADS 数量（百万）", mult["count"], "number1_input", sources.get("PS_Count", "")),
        ):
            w.labels(row, en, zh)
            w.ws.write(row, 2, value, f[fmt])
            w.ws.write(row, 3, name, f["note"])
            w.ws.write(row, 4, note, f["note"])
            w.define(name, row, 2)
            row += 1
        w.labels(row, "Revenue of that year (CNY m)", "该年收入")
        sheet, line_row = model.line_cells[mult["metric_key"]]
        first, last = cell(line_row, FIRST_VALUE_COL, True), cell(line_row, FIRST_VALUE_COL + len(model.years) - 1, True)
        header = cell(3, FIRST_VALUE_COL, True) + ":" + cell(3, FIRST_VALUE_COL + len(model.years) - 1, True)
        w.formula(row, 2, f"=INDEX({on(sheet, first + ':' + last)},MATCH(PS_Year,{on(sheet, header)},0))",
                  "number_link")
        w.ws.write(row, 3, "PS_Revenue", f["note"])
        w.define("PS_Revenue", row, 2)
        row += 1

    # Scenario drivers.
    row += 1
    w.text(row, 0, "Scenario drivers", "section")
    row += 1
    scen_header = row
    w.header(row, "Driver", "驱动因素", names + ["Live"])
    live_col = FIRST_VALUE_COL + len(names)
    first_case = data["scenarios"][0]
    first_year = int(first_case.get("first_year", 1))
    n_growth = len(first_case["growth"])
    header_range = span(scen_header, FIRST_VALUE_COL, scen_header, live_col - 1, True)

    def case_ranges(field, first_row, last_row):
        for j, case in enumerate(data["scenarios"]):
            w.define(case_name(case["name"], field), first_row, FIRST_VALUE_COL + j, last_row, FIRST_VALUE_COL + j)

    def driver(row, en, zh, values, fmt, name=None):
        w.labels(row, en, zh)
        for j, value in enumerate(values):
            if value is None:
                w.ws.write_blank(row, FIRST_VALUE_COL + j, None, f[f"{fmt}_input"])
            else:
                w.ws.write(row, FIRST_VALUE_COL + j, value, f[f"{fmt}_input"])
        w.formula(row, live_col, f"=INDEX({span(row, FIRST_VALUE_COL, row, live_col - 1)},"
                                 f"MATCH(Scenario,{header_range},0))", fmt + "_bold")
        if name:
            w.define(name, row, live_col)

    row += 1
    driver(row, f"Revenue {first_year}E (CNY m)", "首年收入", [c["base_revenue_m"] for c in data["scenarios"]], "number1",
           "Live_Revenue")
    model.refs["scenario_revenue_row"] = row
    case_ranges("Revenue", row, row)
    row += 1
    def yearly(row, en, zh, key, first, count, live_name, field):
        """One driver row per year, the live column named as a range; returns the next row."""
        for k in range(count):
            driver(row + k, f"{en} {first + k}E", f"{zh} {first + k}E", [c[key][k] for c in data["scenarios"]],
                   "percent")
        w.define(live_name, row, live_col, row + count - 1, live_col)
        case_ranges(field, row, row + count - 1)
        return row + count

    growth_first = row
    row = yearly(row, "Revenue growth", "收入增长", "growth", first_year + 1, n_growth, "Live_Growth", "Growth")
    margin_first = row
    row = yearly(row, "FCF margin", "自由现金流利润率", "fcf_margin", first_year, n_growth + 1, "Live_Margins",
                 "Margins")
    wacc_row = row
    driver(row, "WACC", "加权平均资本成本", [c["wacc"] for c in data["scenarios"]], "percent", "WACC")
    case_ranges("WACC", row, row)
    row += 1
    driver(row, "Terminal growth", "永续增长率", [c["terminal_growth"] for c in data["scenarios"]], "percent",
           "TerminalGrowth")
    case_ranges("TerminalGrowth", row, row)
    row += 1
    probabilities = [c.get("probability") for c in data["scenarios"]]
    prob_row = None
    if all(p is not None for p in probabilities):
        prob_row = row
        driver(row, "Probability", "情景概率", probabilities, "percent")
        row += 1
    w.labels(row, "Value in the source report (HK$)", "报告所载价值", "note")
    for j, case in enumerate(data["scenarios"]):
        if case.get("printed_value_hkd") is not None:
            w.ws.write(row, FIRST_VALUE_COL + j, case["printed_value_hkd"], f["per_share"])
    model.refs.update(scen_header=scen_header, growth_first=growth_first, margin_first=margin_first,
                      wacc_row=wacc_row, prob_row=prob_row, printed_row=row, first_year=first_year,
                      n_growth=n_growth)
    w.ws.freeze_panes(4, 2)
