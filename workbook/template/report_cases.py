"""Report cases sheet: the source reports' own valuations, reproduced from their stated inputs and kept
beside the house view. "seed 002 DCF": revenue x FCF margin per case, the report's WACC and growth,
whole years from the valuation date (its convention), its net debt; "seed 000 P/S": the multiple on the
printed FY revenue per ADS at the report's implied exchange rate. Each beside the figure the report
prints, and the difference."""

from __future__ import annotations

from workbook.company.forecast import ExpressionError, parse, to_excel, walk
from workbook.company.inputs import case_name
from workbook.errors import BookError
from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, on, span

SCENARIO_ZH = {"bear": "悲观", "base": "基准", "bull": "乐观"}


def write_report_cases(w: Writer, model: Model) -> None:
    data, f = model.data, w.f
    sheet = w.name
    cases = data["scenarios"]
    first = cases[0]
    first_year, n_growth = int(first.get("first_year", 1)), len(first["growth"])
    n = n_growth + 1
    years = [f"{first_year + k}E" for k in range(n)]
    label = data.get("report_dcf", {}).get("label", "report DCF")
    w.title("Report cases", "报告估值", f"The reports' own valuations from their stated inputs, beside what they print. "
                                      f"'{label}' discounts whole years from the valuation date (its convention).")
    w.ws.set_column(0, 0, 40)
    w.ws.set_column(1, 1, 14)
    w.ws.set_column(2, 12, 11)
    names = [c["name"] for c in cases]

    # Inputs of the report DCF, one column per case.
    w.text(3, 0, f"Report case '{label}': inputs as stated in the report", "section")
    w.header(4, "Input", "输入", names + ["Live"])
    live_col = FIRST_VALUE_COL + len(names)
    header = span(4, FIRST_VALUE_COL, 4, live_col - 1, True)
    row = 5
    at = {}

    def driver(row, en, zh, values, fmt, field=None, k=None):
        w.labels(row, en, zh)
        for j, value in enumerate(values):
            w.value(row, FIRST_VALUE_COL + j, value, f"{fmt}_input")
        w.formula(row, live_col, f"=INDEX({span(row, FIRST_VALUE_COL, row, live_col - 1)},MATCH(Scenario,{header},0))",
                  fmt + "_bold")

    driver(row, f"Revenue {first_year}E (CNY m)", "首年收入", [c["base_revenue_m"] for c in cases], "number1")
    at["revenue"] = row
    for j, c in enumerate(cases):
        w.define(case_name(c["name"], "Revenue"), row, FIRST_VALUE_COL + j)
    w.define("Report_Live_Revenue", row, live_col)
    row += 1
    at["growth"] = row
    for k in range(n_growth):
        driver(row + k, f"Revenue growth {first_year + 1 + k}E", "收入增长", [c["growth"][k] for c in cases], "percent")
    for j, c in enumerate(cases):
        w.define(case_name(c["name"], "Growth"), row, FIRST_VALUE_COL + j, row + n_growth - 1, FIRST_VALUE_COL + j)
    w.define("Report_Live_Growth", row, live_col, row + n_growth - 1, live_col)
    row += n_growth
    at["margin"] = row
    for k in range(n):
        driver(row + k, f"FCF margin {first_year + k}E", "自由现金流利润率", [c["fcf_margin"][k] for c in cases], "percent")
    for j, c in enumerate(cases):
        w.define(case_name(c["name"], "Margins"), row, FIRST_VALUE_COL + j, row + n - 1, FIRST_VALUE_COL + j)
    w.define("Report_Live_Margins", row, live_col, row + n - 1, live_col)
    row += n
    at["wacc"] = row
    driver(row, "WACC", "加权平均资本成本", [c["wacc"] for c in cases], "percent")
    for j, c in enumerate(cases):
        w.define(case_name(c["name"], "WACC"), row, FIRST_VALUE_COL + j)
    w.define("Report_WACC", row, live_col)
    row += 1
    at["g"] = row
    driver(row, "Terminal growth", "永续增长率", [c["terminal_growth"] for c in cases], "percent")
    for j, c in enumerate(cases):
        w.define(case_name(c["name"], "TerminalGrowth"), row, FIRST_VALUE_COL + j)
    w.define("Report_TerminalGrowth", row, live_col)
    row += 1
    at["printed"] = row
    w.labels(row, "Value the report prints (HK$ per share)", "报告所载价值")
    for j, c in enumerate(cases):
        if c.get("printed_value_hkd") is not None:
            w.value(row, FIRST_VALUE_COL + j, c["printed_value_hkd"], "per_share_input")
    row += 1
    w.labels(row, "Net debt, shares, FX: the report's (Assumptions: NetDebt, Shares, FX)", "", "note")
    row += 2

    # Every case valued.
    w.text(row, 0, f"'{label}' reproduced: FCF = revenue x margin, KC_DCF, whole years (Convention)", "section")
    row += 1
    w.header(row, "Case", "情景", years + ["WACC", "g", "HK$/share", "US$/ADS", "Report", "vs report"])
    row += 1
    scen = {}
    for j, case in enumerate(cases):
        col_a = FIRST_VALUE_COL + j
        w.labels(row, f"{case['name']}: revenue", "收入", "label_indent")
        w.labels(row + 1, f"{case['name']}: free cash flow", "自由现金流", "label_bold")
        for k in range(n):
            col = FIRST_VALUE_COL + k
            if k == 0:
                w.formula(row, col, f"={cell(at['revenue'], col_a, True)}")
            else:
                w.formula(row, col, f"={cell(row, col - 1)}*(1+{cell(at['growth'] + k - 1, col_a, True)})")
            w.formula(row + 1, col, f"={cell(row, col)}*{cell(at['margin'] + k, col_a, True)}", "number_bold")
        c = FIRST_VALUE_COL + n
        w.formula(row + 1, c, f"={cell(at['wacc'], col_a, True)}", "percent")
        w.formula(row + 1, c + 1, f"={cell(at['g'], col_a, True)}", "percent")
        flows = span(row + 1, FIRST_VALUE_COL, row + 1, FIRST_VALUE_COL + n - 1)
        w.formula(row + 1, c + 2, f"=KC_DCF({flows},{cell(row + 1, c)},{cell(row + 1, c + 1)},NetDebt,Shares,FX,"
                                  f"Convention)", "per_share_bold")
        w.formula(row + 1, c + 3, f"={cell(row + 1, c + 2)}/FX/ADS_FX*ADS_Ratio", "per_share")
        if case.get("printed_value_hkd") is not None:
            w.formula(row + 1, c + 4, f"={cell(at['printed'], col_a, True)}", "per_share")
            w.formula(row + 1, c + 5, f"={cell(row + 1, c + 2)}/{cell(row + 1, c + 4)}-1", "percent")
            model.checks.append({"en": f"Report case {label} {case['name']}: within 0.5% of the printed value",
                                 "zh": "报告估值复现", "cells": [f"ABS({on(sheet, cell(row + 1, c + 5))})<=0.005"]})
        scen[case["name"]] = {"per_share": on(sheet, cell(row + 1, c + 2, True)),
                              "per_ads": on(sheet, cell(row + 1, c + 3, True)),
                              "wacc": on(sheet, cell(row + 1, c, True)), "g": on(sheet, cell(row + 1, c + 1, True)),
                              "printed": on(sheet, cell(row + 1, c + 4, True)),
                              "vs": on(sheet, cell(row + 1, c + 5, True)),
                              "flows": on(sheet, span(row + 1, FIRST_VALUE_COL, row + 1, FIRST_VALUE_COL + n - 1, True))}
        row += 2
    model.refs["report_cases"] = scen
    w.labels(row, "Report case values (HK$ per share)", "情景价值", "label_bold")
    for j, refs in enumerate(scen.values()):
        w.formula(row, FIRST_VALUE_COL + j, f"={refs['per_share'].split('!')[1]}", "per_share")
    model.refs["report_values"] = on(sheet, span(row, FIRST_VALUE_COL, row, FIRST_VALUE_COL + len(scen) - 1, True))
    w.define("Report_Values", row, FIRST_VALUE_COL, row, FIRST_VALUE_COL + len(scen) - 1)
    row += 1
    w.labels(row, "Live case (Scenario) per share (HK$)", "当前情景", "label_bold")
    w.formula(row, FIRST_VALUE_COL, f"=INDEX(Report_Values,MATCH(Scenario,{model.refs['scenario_names']},0))", "per_share_bold")
    w.define("Report_PerShare", row, FIRST_VALUE_COL)
    w.formula(row, FIRST_VALUE_COL + 1, "=KC_UPSIDE(Report_PerShare,Price)", "percent")
    w.formula(row, FIRST_VALUE_COL + 2, "=KC_RATING(Report_PerShare,Price,RatingScale)", "text_bold")
    w.formula(row, FIRST_VALUE_COL + 3, '=KC_RATING(Report_PerShare,Price,RatingScale,"zh")', "text_bold")
    model.refs["report_live"] = on(sheet, cell(row, FIRST_VALUE_COL, True))
    model.refs["report_live_rating"] = on(sheet, cell(row, FIRST_VALUE_COL + 2, True))
    row += 2

    # The base case's breakdown against the report's printed figures.
    base = next((c for c in cases if c.get("printed_ev_m") is not None), None)
    if base is not None:
        b_flows = scen[base["name"]]["flows"].split("!")[1]
        bw, bg = scen[base["name"]]["wacc"].split("!")[1], scen[base["name"]]["g"].split("!")[1]
        w.text(row, 0, f"The {base['name']} case, step by step, against the report's printed figures", "section")
        row += 1
        w.header(row, "Item", "项目", ["Reproduced", "Printed", "Difference"])
        row += 1
        args = f"{b_flows},{bw},{bg},NetDebt,Shares,FX,Convention"
        steps = [("Terminal value", "永续价值", f'=KC_DCF({args},"terminal_value")', base.get("printed_terminal_value_m"),
                  "number1"),
                 ("PV of explicit FCF", "预测期现值", f'=KC_DCF({args},"pv_explicit")', base.get("printed_pv_fcf_m"), "number1"),
                 ("PV of terminal value", "永续价值现值", f'=KC_DCF({args},"pv_terminal")', base.get("printed_pv_terminal_m"),
                  "number1"),
                 ("Enterprise value", "企业价值", f'=KC_DCF({args},"ev")', base.get("printed_ev_m"), "number1"),
                 ("Equity value", "股权价值", f'=KC_DCF({args},"equity")', base.get("printed_equity_value_m"), "number1"),
                 ("Value per share (CNY)", "每股价值（人民币）", f'=KC_DCF({args},"per_share")/FX',
                  base.get("printed_value_cny"), "per_share"),
                 ("Value per share (HK$)", "每股价值（港元）", f"=KC_DCF({args})", base.get("printed_value_hkd"), "per_share")]
        for en, zh, formula, printed, fmt in steps:
            w.labels(row, en, zh)
            w.formula(row, 2, formula, fmt)
            if printed is not None:
                w.value(row, 3, printed, f"{fmt}_input")
                w.formula(row, 4, f"={cell(row, 2)}-{cell(row, 3)}", fmt)
            row += 1
        w.text(row, 0, "The report's own arithmetic drifts: from its stated inputs the FCFs are slightly lower than it "
                       "prints, and its terminal value is not its final FCF x (1 + g) / (WACC - g).", "note")
        row += 1
        w.labels(row, "WACC implied by the HK$ price (report flows)", "股价隐含 WACC")
        w.formula(row, 2, f"=KC_IMPLIED_WACC({b_flows},{bg},Price,NetDebt,Shares,FX,Convention)", "percent")
        row += 1
        w.labels(row, "FCF-margin shift implied by the price (pp, every year)", "股价隐含利润率调整")
        w.formula(row, 2, "=KC_IMPLIED_MARGIN_SHIFT(Report_Live_Revenue,Report_Live_Growth,Report_Live_Margins,"
                          "Report_WACC,Report_TerminalGrowth,Price,NetDebt,Shares,FX,Convention)", "percent")
        row += 2

    # Seed 000: the P/S multiple.
    mult = data["valuation"].get("multiple")
    if mult:
        label_ps = data["valuation"]["multiple"].get("label", "report P/S")
        w.text(row, 0, f"Report case '{label_ps}': P/S on the printed FY revenue, per ADS at the report's exchange rate",
               "section")
        row += 1
        for name, en, zh, value, fmt in (
                ("PS_Multiple", "P/S multiple", "市销率倍数", mult["multiple"], "number1"),
                ("PS_Year", "Revenue year", "收入年份", mult["metric_year"], "text"),
                ("PS_Count", "ADS count (m)", "ADS 数量（百万）", mult["count"], "number1"),
                ("PS_FX", "CNY per USD (implied by the report's target; its date)", "汇率 人民币/美元", mult["ads_fx"],
                 "per_share"),
                ("PS_Price", "ADS price the report compares with (US$)", "ADS 股价（美元）", mult["price"], "per_share")):
            w.labels(row, en, zh)
            w.value(row, 2, value, "text_input" if fmt == "text" else f"{fmt}_input")
            w.ws.write(row, 3, name, f["note"])
            w.define(name, row, 2)
            row += 1
        sheet_r, source_header = model.refs["revenue_source_header"]
        w.labels(row, "Revenue of that year, as printed (CNY m)", "该年收入（报告数）")
        w.formula(row, 2, f"=INDEX(Line_{mult['metric_key']},MATCH(PS_Year,{source_header},0))", "number_link")
        w.ws.write(row, 3, "PS_Revenue", f["note"])
        w.define("PS_Revenue", row, 2)
        row += 1
        items = [("ps_target", "P/S target (US$ per ADS)", "市销率目标价（美元）",
                  "=KC_MULTIPLE_TARGET(PS_Multiple,PS_Revenue,PS_Count,1/PS_FX)", "=PS_Multiple*PS_Revenue/PS_Count/PS_FX",
                  "per_share_bold"),
                 ("ps_market", "P/S at the report's ADS price", "当前市销率",
                  "=KC_MARKET_MULTIPLE(PS_Price,PS_Revenue,PS_Count,1/PS_FX)", "=PS_Price*PS_FX*PS_Count/PS_Revenue",
                  "multiple")]
        w.header(row, "Measure", "指标", ["KC_* (add-in)", "Native audit", "Difference", "Report", "vs report"])
        row += 1
        for key, en, zh, kc, native, fmt in items:
            w.labels(row, en, zh)
            w.formula(row, 2, kc, fmt)
            w.formula(row, 3, native, fmt)
            w.formula(row, 4, f"=ROUND({cell(row, 2)}-{cell(row, 3)},9)", "diff")
            model.refs[key] = on(sheet, cell(row, 2, True))
            model.checks.append({"en": f"Report case audit: {en}", "zh": f"报告核对：{zh}",
                                 "cells": [f"ABS({on(sheet, cell(row, 4))})<=1E-9*MAX(1,ABS({on(sheet, cell(row, 3))}))"]})
            if key == "ps_target" and mult.get("printed_target") is not None:
                w.value(row, 5, mult["printed_target"], "per_share_input")
                w.formula(row, 6, f"={cell(row, 2)}/{cell(row, 5)}-1", "percent")
                model.checks.append({"en": f"Report case {label_ps}: within 0.5% of the printed target",
                                     "zh": "报告目标价复现", "cells": [f"ABS({on(sheet, cell(row, 6))})<=0.005"]})
            row += 1
        w.labels(row, "Upside to the report's ADS price", "潜在涨幅")
        w.formula(row, 2, f"=KC_UPSIDE({model.refs['ps_target']},PS_Price)", "percent")
        row += 1
        w.labels(row, "Rating (the report's scale)", "评级", "label_bold")
        w.formula(row, 2, f'=KC_RATING({model.refs["ps_target"]},PS_Price,"{mult.get("rating_scale", "buy_hold_sell")}")',
                  "big_text")
        w.formula(row, 3, f'=KC_RATING({model.refs["ps_target"]},PS_Price,"{mult.get("rating_scale", "buy_hold_sell")}",'
                          f'"zh")', "big_text")
        model.refs["ps_rating"] = on(sheet, cell(row, 2, True))
        row += 1
        w.labels(row, "Same multiple on the live model's revenue of that year (US$ per ADS)", "按模型收入")
        w.formula(row, 2, f"=KC_MULTIPLE_TARGET(PS_Multiple,INDEX({model.refs['revenue_live_row']},"
                          f"MATCH(PS_Year,{model.refs['year_header']},0)),PS_Count,1/ADS_FX)", "per_share")
        row += 2
    row = _reference_tables(w, model, row)
    w.write_notes(model, row)
    w.ws.freeze_panes(0, 2)


def _reference_tables(w: Writer, model: Model, row: int) -> int:
    """The source's printed headline and ratio tables (forecast.reference_tables), each row beside the same
    ratio computed by the live model (its ``live`` expression over the statement lines)."""
    p, data = model.plan, model.data
    names = data.get("forecast", {}).get("reference_tables", [])
    years = p.source_years
    for name in names:
        table = data.get(name)
        entries = table if isinstance(table, list) else [dict(v, key=k) for k, v in (table or {}).items()
                                                           if isinstance(v, dict)]
        entries = [e for e in entries if isinstance(e.get("values"), list) and len(e["values"]) == len(years)]
        if not entries:
            continue
        w.text(row, 0, f"The source's table '{name}' as printed, and the live model's same figure", "section")
        row += 1
        w.header(row, "Line", "项目", years)
        row += 1
        for entry in entries:
            unit = entry.get("unit", "percent")
            w.labels(row, entry.get("en", entry["key"]), entry.get("zh", ""))
            for j, value in enumerate(entry["values"]):
                w.value(row, FIRST_VALUE_COL + j, value, f"{unit}_input")
            if entry.get("live"):
                try:
                    rule = parse(entry["live"], entry["key"])
                except ExpressionError as error:
                    raise BookError(f"data file {data.get('_path', '')}: {name}.{entry['key']}.live: {error}") from None
                lagged = any(node[0] == "line" and node[2] for node in walk(rule))
                w.labels(row + 1, "  live model", "模型", "label_indent")
                for j, year in enumerate(years):
                    k = p.years.index(year)
                    if k == 0 and lagged:
                        continue
                    for node in walk(rule):
                        if node[0] == "line" and node[1] not in model.line_cells:
                            raise BookError(f"data file {data.get('_path', '')}: {name}.{entry['key']}.live uses "
                                            f"unknown line '{node[1]}'")
                    text = to_excel(rule, lambda key, lag, k=k: model.live(key, p.years[k - lag], w.name),
                                    lambda key: "0")
                    w.formula(row + 1, FIRST_VALUE_COL + j, "=" + text, unit)
                row += 1
            row += 1
        note = table.get("live_note") if isinstance(table, dict) else None
        if note:
            w.text(row, 0, note, "note")
            row += 1
        row += 1
    return row
