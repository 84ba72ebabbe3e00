"""DCF sheet: the revenue-to-FCF build in native formulas, then KC_TERMINAL / KC_DCF beside a native-Excel
audit column, the reverse DCF and the scenario rows."""

from __future__ import annotations

from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, on, span


def write_dcf(w: Writer, model: Model) -> None:
    data = model.data
    r = model.refs
    first_year, n_growth = r["first_year"], r["n_growth"]
    n = n_growth + 1
    years = [f"{first_year + k}E" for k in range(n)]
    a = "Assumptions"
    w.title("DCF", "现金流折现", "CNY millions. KC_* cells are computed by the add-in; the audit column recomputes "
                                "each with native Excel and the difference must be 0.")
    w.header(3, "Free cash flow (live scenario)", "自由现金流（当前情景）", years)
    c0, cN = FIRST_VALUE_COL, FIRST_VALUE_COL + n - 1
    live_col = FIRST_VALUE_COL + len(data["scenarios"])
    rows = {"revenue": 4, "growth": 5, "margin": 6, "fcf": 7, "t": 8, "df": 9, "pv": 10}
    w.labels(rows["revenue"], "Revenue", "收入")
    w.labels(rows["growth"], "Revenue growth", "收入增长", "label_indent")
    w.labels(rows["margin"], "FCF margin", "自由现金流利润率", "label_indent")
    w.labels(rows["fcf"], "Free cash flow", "自由现金流", "label_bold")
    w.labels(rows["t"], "Discount period (years)", "折现期（年）", "label_indent")
    w.labels(rows["df"], "Discount factor", "折现系数", "label_indent")
    w.labels(rows["pv"], "PV of free cash flow", "自由现金流现值")
    for k in range(n):
        col = FIRST_VALUE_COL + k
        if k == 0:
            w.formula(rows["revenue"], col, "=Live_Revenue", "number_link")
        else:
            growth = on(a, cell(r["growth_first"] + k - 1, live_col, True))
            w.formula(rows["revenue"], col, f"={cell(rows['revenue'], col - 1)}*(1+{growth})")
            w.formula(rows["growth"], col, f"={cell(rows['revenue'], col)}/{cell(rows['revenue'], col - 1)}-1",
                      "percent")
        w.formula(rows["margin"], col, f"={on(a, cell(r['margin_first'] + k, live_col, True))}", "percent_link")
        w.formula(rows["fcf"], col, f"={cell(rows['revenue'], col)}*{cell(rows['margin'], col)}", "number_bold")
        w.formula(rows["t"], col, f"={k + 1}-IF(Convention=\"mid\",0.5,0)", "number1")
        w.formula(rows["df"], col, f"=1/(1+WACC)^{cell(rows['t'], col)}", "diff")
        w.formula(rows["pv"], col, f"={cell(rows['fcf'], col)}*{cell(rows['df'], col)}")
    fcf = span(rows["fcf"], c0, rows["fcf"], cN, True)
    final = cell(rows["fcf"], cN, True)
    model.refs["fcf_range"] = on("DCF", fcf)
    w.book.define_name("Live_FCF", f"={on('DCF', fcf)}")

    top = 12
    w.text(top, 0, "Valuation", "section")
    w.header(top + 1, "Item", "项目", ["KC_* (add-in)", "Native audit", "Difference", "Check"])
    args = "Live_FCF,WACC,TerminalGrowth,NetDebt,Shares,FX,Convention"
    lines = [
        ("tv", "Terminal value (Gordon)", "永续价值", f"=KC_TERMINAL({final},WACC,TerminalGrowth)",
         f"={final}*(1+TerminalGrowth)/(WACC-TerminalGrowth)", "number"),
        ("pv_explicit", "PV of explicit FCF", "预测期现值", f'=KC_DCF({args},"pv_explicit")',
         "=NPV(WACC,Live_FCF)*IF(Convention=\"mid\",(1+WACC)^0.5,1)", "number"),
        ("pv_terminal", "PV of terminal value", "永续价值现值", f'=KC_DCF({args},"pv_terminal")',
         # A Gordon value of mid-year flows is worth its value at n - 0.5 (the KC_DCF default under "mid").
         f"={{tv}}/(1+WACC)^({n}-IF(Convention=\"mid\",0.5,0))", "number"),
        ("ev", "Enterprise value", "企业价值", f'=KC_DCF({args},"ev")', "={pv_explicit}+{pv_terminal}", "number_bold"),
        ("tv_share", "Terminal value share of EV", "永续价值占比", f'=KC_DCF({args},"tv_share")', "={pv_terminal}/{ev}",
         "percent"),
        ("equity", "Equity value", "股权价值", f'=KC_DCF({args},"equity")', "={ev}-NetDebt", "number"),
        ("per_share", "Value per share (HK$)", "每股价值（港元）", f"=KC_DCF({args})", "={equity}/Shares*FX",
         "per_share_bold"),
        ("per_ads", "Value per ADS (US$)", "每 ADS 价值（美元）",
         '=KC_DCF(Live_FCF,WACC,TerminalGrowth,NetDebt,Shares,1/ADS_FX,Convention,"per_ads",,,,,,,,,ADS_Ratio)',
         "={equity}/Shares/ADS_FX*ADS_Ratio", "per_share"),
        ("upside", "Upside to HK$ price", "潜在涨幅", "=KC_UPSIDE({per_share_kc},Price)", "={per_share}/Price-1",
         "percent"),
    ]
    row = top + 2
    audit, kc = {}, {}
    for key, en, zh, kc_formula, native, fmt in lines:
        kc[key], audit[key] = cell(row, 2), cell(row, 3)
        row += 1
    row = top + 2
    for key, en, zh, kc_formula, native, fmt in lines:
        w.labels(row, en, zh, "label_bold" if fmt.endswith("bold") else "label")
        w.formula(row, 2, kc_formula.replace("{per_share_kc}", kc["per_share"]), fmt)
        w.formula(row, 3, native.format(**audit), fmt)
        w.formula(row, 4, f"={cell(row, 2)}-{cell(row, 3)}", "diff")
        w.formula(row, 5, f"=ABS({cell(row, 4)})<=1E-9*MAX(1,ABS({cell(row, 3)}))", "check")
        model.checks.append({"en": f"DCF audit: {en}", "zh": f"现金流折现核对：{zh}", "cells": [on("DCF", cell(row, 5))]})
        row += 1
    model.refs.update({f"dcf_{k}": on("DCF", kc[k].replace("$", "")) for k in kc})
    model.refs["dcf_per_share_abs"] = on("DCF", cell(top + 2 + [l[0] for l in lines].index("per_share"), 2, True))
    w.labels(row, "Rating", "评级", "label_bold")
    w.formula(row, 2, f"=KC_RATING({kc['per_share']},Price,RatingScale)", "big_text")
    w.formula(row, 3, f'=KC_RATING({kc["per_share"]},Price,RatingScale,"zh")', "big_text")
    row += 2

    w.text(row, 0, "Reverse DCF: what the price implies", "section")
    row += 1
    row = w.line(row, "Implied exit multiple of the terminal value (x FCF)", "隐含退出倍数",
                 f"=KC_IMPLIED_MULTIPLE({kc['tv']},{final})", "multiple")
    model.refs["implied_wacc"] = on("DCF", cell(row, 2))
    row = w.line(row, "WACC implied by the HK$ price", "股价隐含 WACC",
                 "=KC_IMPLIED_WACC(Live_FCF,TerminalGrowth,Price,NetDebt,Shares,FX,Convention)", "percent")
    row = w.line(row, "FCF-margin shift implied by the price (pp, every year)", "股价隐含利润率调整",
                 "=KC_IMPLIED_MARGIN_SHIFT(Live_Revenue,Live_Growth,Live_Margins,WACC,TerminalGrowth,Price,"
                 "NetDebt,Shares,FX,Convention)", "percent")
    row += 1

    # Every scenario valued side by side.
    w.text(row, 0, "Scenarios", "section")
    row += 1
    w.header(row, "Case", "情景", years + ["WACC", "g", "HK$/share", "US$/ADS", "Report", "vs report"])
    row += 1
    scen_rows = {}
    a_rows = r
    for j, case in enumerate(data["scenarios"]):
        col_a = FIRST_VALUE_COL + j
        w.labels(row, f"{case['name']}: revenue", "收入", "label_indent")
        w.labels(row + 1, f"{case['name']}: free cash flow", "自由现金流", "label_bold")
        for k in range(n):
            col = FIRST_VALUE_COL + k
            if k == 0:
                w.formula(row, col, f"={on(a, cell(a_rows['scenario_revenue_row'], col_a, True))}", "number_link")
            else:
                growth = on(a, cell(a_rows["growth_first"] + k - 1, col_a, True))
                w.formula(row, col, f"={cell(row, col - 1)}*(1+{growth})")
            margin = on(a, cell(a_rows["margin_first"] + k, col_a, True))
            w.formula(row + 1, col, f"={cell(row, col)}*{margin}", "number_bold")
        wacc = on(a, cell(a_rows["wacc_row"], col_a, True))
        growth_t = on(a, cell(a_rows["wacc_row"] + 1, col_a, True))
        c = FIRST_VALUE_COL + n
        w.formula(row + 1, c, f"={wacc}", "percent_link")
        w.formula(row + 1, c + 1, f"={growth_t}", "percent_link")
        flows = span(row + 1, FIRST_VALUE_COL, row + 1, FIRST_VALUE_COL + n - 1)
        w.formula(row + 1, c + 2, f"=KC_DCF({flows},{cell(row + 1, c)},{cell(row + 1, c + 1)},NetDebt,Shares,FX,"
                                  f"Convention)", "per_share_bold")
        w.formula(row + 1, c + 3, f"={cell(row + 1, c + 2)}/FX/ADS_FX*ADS_Ratio", "per_share")
        printed = on(a, cell(a_rows["printed_row"], col_a, True))
        if case.get("printed_value_hkd") is not None:
            w.formula(row + 1, c + 4, f"={printed}", "per_share_link")
            w.formula(row + 1, c + 5, f"={cell(row + 1, c + 2)}/{cell(row + 1, c + 4)}-1", "percent")
        scen_rows[case["name"]] = {"per_share": on("DCF", cell(row + 1, c + 2, True)),
                                   "per_ads": on("DCF", cell(row + 1, c + 3, True)),
                                   "wacc": on("DCF", cell(row + 1, c, True)),
                                   "g": on("DCF", cell(row + 1, c + 1, True)),
                                   "printed": on("DCF", cell(row + 1, c + 4, True)),
                                   "vs": on("DCF", cell(row + 1, c + 5, True))}
        row += 2
    model.refs["scenarios"] = scen_rows
    # The scenario values side by side: one range for the weighted value and the Summary.
    w.labels(row, "Scenario values (HK$ per share)", "情景价值", "label_bold")
    for j, refs in enumerate(scen_rows.values()):
        w.formula(row, FIRST_VALUE_COL + j, f"={refs['per_share'].split('!')[1]}", "per_share")
    values = span(row, FIRST_VALUE_COL, row, FIRST_VALUE_COL + len(scen_rows) - 1, True)
    model.refs["scenario_values"] = on("DCF", values)
    row += 1
    if r.get("prob_row") is not None:
        probs = span(r["prob_row"], FIRST_VALUE_COL, r["prob_row"], FIRST_VALUE_COL + len(scen_rows) - 1, True)
        w.labels(row, "Probability-weighted value (HK$)", "概率加权价值", "label_bold")
        w.formula(row, FIRST_VALUE_COL, f"=KC_SCENARIO_VALUE({values},{on(a, probs)})", "per_share_bold")
        model.refs["weighted"] = on("DCF", cell(row, FIRST_VALUE_COL))
    w.ws.freeze_panes(4, 2)
    w.ws.set_column(2, 12, 12)
