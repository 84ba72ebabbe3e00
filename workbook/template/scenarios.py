"""Scenarios sheet: the driver model evaluated for every scenario at once, so that the house target can
weight them. Each block holds every statement line under one scenario's drivers (the same forecast rules
as the statement sheets, written by the same code; reported years link to the statements), then that
scenario's FCFF, flows and KC_DCF value. The statement rows are grouped (expand with the outline
buttons); the block of the live scenario must equal the statement sheets (checked). At the top: the
values side by side, the probability-weighted house target and its rating."""

from __future__ import annotations

from workbook.template.dcf import dcf_columns
from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, on, span
from workbook.template.statements import forecast_formula

SUMMARY_TOP = 4


def write_scenarios(w: Writer, model: Model) -> None:
    p, f, years = model.plan, w.f, model.plan.years
    sheet, hist = w.name, len(p.history)
    last = FIRST_VALUE_COL + len(years) - 1
    first_dcf, last_dcf = dcf_columns(model)
    w.title("Scenarios", "情景", "Every scenario's statements, FCFF and value, from its own drivers (the live one's "
                                "equal the statement sheets). Expand a block's statement rows with the outline "
                                "buttons on the left.")
    w.ws.set_column(0, 0, 42)
    w.ws.set_column(1, 1, 14)
    w.ws.set_column(FIRST_VALUE_COL, last, 9)
    names = p.scenarios
    # Summary table rows (filled after the blocks are placed).
    w.text(SUMMARY_TOP - 1, 0, "House view: every scenario valued, probability-weighted", "section")
    w.header(SUMMARY_TOP, "Scenario", "情景", names + ["Weighted"])
    items = [("probability", "Probability", "概率", "percent_link"), ("wacc", "WACC", "WACC", "percent_link"),
             ("g", "Terminal growth", "永续增长率", "percent_link"), ("ev", "Enterprise value (CNY m)", "企业价值", "number"),
             ("net_debt", "Net debt at the valuation date", "净负债", "number"),
             ("per_share", "Value per share (HK$)", "每股价值（港元）", "per_share_bold"),
             ("per_ads", "Value per ADS (US$)", "每 ADS 价值（美元）", "per_share"),
             ("upside", "Upside to the HK$ price", "潜在涨幅", "percent")]
    summary_rows = {key: SUMMARY_TOP + 1 + j for j, (key, *_rest) in enumerate(items)}
    for key, en, zh, fmt in items:
        w.labels(summary_rows[key], en, zh, "label_bold" if key == "per_share" else "label")
    rating_row = SUMMARY_TOP + 1 + len(items)
    w.labels(rating_row, "House rating (house scale, weighted target)", "评级", "label_bold")

    row = rating_row + 3
    house_rows = model.refs["house_rows"]
    value_cells = {}
    for j, name in enumerate(names):
        a_col = FIRST_VALUE_COL + j
        w.text(row, 0, f"Scenario: {name}", "section")
        w.header(row + 1, "Line", "项目", [y if y in p.forecast else "" for y in years])
        top = row + 2
        rows = {line.key: top + i for i, line in enumerate(p.lines)}
        for line in p.lines:
            r = rows[line.key]
            w.labels(r, line.en, line.zh, "label_bold" if line.kind == "subtotal" else "label")
            w.ws.set_row(r, None, None, {"level": 1, "hidden": True})
            for k, year in enumerate(years):
                col = FIRST_VALUE_COL + k
                if k < hist:  # the reported years are the statements' (the formulas below read them there)
                    continue
                if line.kind == "subtotal":
                    text = "=" + "+".join(cell(rows[part], col) for part in line.parts)
                elif line.kind == "gap":
                    if line.statement != "balance_sheet":
                        continue
                    text = f"={cell(r, col - 1)}" if k > hist else f"={model.live(line.key, years[k - 1], sheet)}"
                else:
                    text = "=" + forecast_formula(
                        model, line.rule, k, sheet,
                        lambda key, c, name=name: model.live_driver(key, c, sheet, name),
                        lambda key, y: cell(rows[key], model.col(y)) if y in p.forecast else
                        model.live(key, y, sheet))
                w.formula(r, col, text, "number")
        r = top + len(p.lines)
        w.ws.set_row(r, None, None, {"collapsed": True})
        v = {"tax": r, "ebit": r + 1, "da": r + 2, "capex": r + 3, "dnwc": r + 4, "fcff": r + 5, "flow": r + 6,
             "check": r + 7, "balance": r + 8}
        labels = {"tax": "Tax rate", "ebit": "EBIT", "da": "D&A", "capex": "Capex (as spent)",
                  "dnwc": "Increase in net working capital", "fcff": "FCFF (KC_FCFF)",
                  "flow": "Flow discounted (FCFF x share counted, DCF sheet)",
                  "check": "Live scenario only: |this block - the statements| (revenue, profit, assets, L+E, cash, FCFF)",
                  "balance": "Balance check: total assets - total liabilities and equity"}
        for key, en in labels.items():
            w.labels(v[key], en, "", "label_bold" if key in ("fcff", "flow") else "label")
        roles = p.roles
        d = model.refs["discount_rows"]

        def at(key, c, rows=rows):  # this block's cell, or the statements' in a reported year
            if c >= FIRST_VALUE_COL + hist:
                return cell(rows[key], c)
            return model.live(key, years[c - FIRST_VALUE_COL], sheet)

        for k in range(hist, len(years)):
            col, year = FIRST_VALUE_COL + k, years[k]
            w.formula(v["tax"], col, f"={model.live_driver(roles['tax_rate'], col, sheet, name)}", "percent_link")
            w.formula(v["ebit"], col, f"={cell(rows[roles['ebit']], col)}")
            w.formula(v["da"], col, f"={cell(rows[roles['d_and_a']], col)}")
            w.formula(v["capex"], col, f"=-{cell(rows[roles['capex']], col)}")
            nwc = lambda c: "+".join(f"{'-' if s < 0 else ''}{at(key, c)}" for s, key in p.signed("nwc"))  # noqa
            w.formula(v["dnwc"], col, f"=({nwc(col)})-({nwc(col - 1)})".replace("+-", "-"))
            w.formula(v["fcff"], col, f"=KC_FCFF({cell(v['ebit'], col)},{cell(v['tax'], col)},{cell(v['da'], col)},"
                                      f"{cell(v['capex'], col)},{cell(v['dnwc'], col)})", "number_bold")
            if col >= first_dcf:
                w.formula(v["flow"], col, f"={cell(v['fcff'], col)}*{on('DCF', cell(d['share'], col))}", "number_bold")
            keys = [roles["revenue"], roles["net_profit"], roles["total_assets"], roles["total_liabilities_and_equity"],
                    roles["bs_cash"]]
            diffs = "+".join(f"ABS({cell(rows[key], col)}-{model.live(key, year, sheet)})" for key in keys)
            diffs += f"+ABS({cell(v['fcff'], col)}-{on('DCF', cell(model.refs['dcf_rows']['fcff'], col))})"
            w.formula(v["check"], col, f'=IF(Scenario="{name}",ROUND({diffs},9),0)', "diff")
            w.formula(v["balance"], col, f"=ROUND({cell(rows[roles['total_assets']], col)}-"
                                         f"{cell(rows[roles['total_liabilities_and_equity']], col)},9)", "number1")
        model.checks.append({"en": f"Scenarios: the {name} block = the statements when {name} is live",
                             "zh": f"情景：{name} 与报表一致",
                             "cells": [f"{on(sheet, cell(v['check'], FIRST_VALUE_COL + k))}<=1E-6"
                                       for k in range(hist, len(years))], "years": list(p.forecast)})
        model.checks.append({"en": f"Scenarios: the {name} balance sheet balances in every forecast year (1E-6)",
                             "zh": f"情景：{name} 资产负债表平衡",
                             "cells": [f"ABS({on(sheet, cell(v['balance'], FIRST_VALUE_COL + k))})<=1E-6"
                                       for k in range(hist, len(years))], "years": list(p.forecast)})
        # Net debt at the valuation date from this block's balance sheets.
        b = r + 10
        t = model.house["timing"]
        prev_col, stub_col = first_dcf - 1, first_dcf
        share = on("DCF", cell(model.refs["bridge_row"] + 2, 4))
        bridge = {}
        for i, (role, en) in enumerate((("debt", "Borrowings"), ("cash", "Cash and short-term investments"),
                                        ("minorities", "Minority interests"), ("non_operating", "Non-operating assets"))):
            rr = b + i
            w.labels(rr, f"{en} at the valuation date", "")
            terms = lambda c: "".join(f"{'-' if s < 0 else '+'}{at(key, c)}" for s, key in p.signed(role))  # noqa
            at_prev, at_stub = terms(prev_col) or "+0", terms(stub_col) or "+0"
            w.formula(rr, 2, f"=({at_prev.lstrip('+')})+{share}*(({at_stub.lstrip('+')})-({at_prev.lstrip('+')}))")
            bridge[role] = cell(rr, 2, True)
        nd_row = b + 4
        w.labels(nd_row, "Net debt at the valuation date", "", "label_bold")
        w.formula(nd_row, 2, f"={bridge['debt']}-{bridge['cash']}", "number_bold")
        flows = span(v["flow"], first_dcf, v["flow"], last_dcf, True)
        wacc = on("Assumptions", cell(house_rows["wacc"], a_col, True))
        g = on("Assumptions", cell(house_rows["terminal_growth"], a_col, True))
        common = (f"{flows},{wacc},{g},{cell(nd_row, 2, True)},Shares,{{fx}},\"dated\",\"{{out}}\",Live_Dates,"
                  f"ValuationDate,,,,,{bridge['minorities']},{bridge['non_operating']}")
        val = nd_row + 1
        w.labels(val, "Enterprise value", "")
        w.formula(val, 2, "=KC_DCF(" + common.format(fx="FX", out="ev") + ")")
        w.labels(val + 1, "Value per share (HK$)", "", "label_bold")
        w.formula(val + 1, 2, "=KC_DCF(" + common.format(fx="FX", out="per_share") + ")", "per_share_bold")
        w.labels(val + 2, "Value per ADS (US$)", "")
        w.formula(val + 2, 2, "=KC_DCF(" + common.format(fx="1/ADS_FX", out="per_ads") + ",ADS_Ratio)", "per_share")
        value_cells[name] = {"ev": cell(val, 2, True), "per_share": cell(val + 1, 2, True),
                             "per_ads": cell(val + 2, 2, True), "net_debt": cell(nd_row, 2, True),
                             "wacc": wacc, "g": g,
                             "probability": on("Assumptions", cell(house_rows["probability"], a_col, True))}
        row = val + 5
    end_row = row

    # The summary table.
    for j, name in enumerate(names):
        col = FIRST_VALUE_COL + j
        cells = value_cells[name]
        for key, *_ in items:
            if key == "upside":
                w.formula(summary_rows[key], col, f"=KC_UPSIDE({cell(summary_rows['per_share'], col)},Price)", "percent")
            else:
                fmt = next(fm for k2, _e, _z, fm in items if k2 == key)
                w.formula(summary_rows[key], col, f"={cells[key]}", fmt)
    wcol = FIRST_VALUE_COL + len(names)
    values = span(summary_rows["per_share"], FIRST_VALUE_COL, summary_rows["per_share"], wcol - 1, True)
    w.define("House_Values", summary_rows["per_share"], FIRST_VALUE_COL, summary_rows["per_share"], wcol - 1)
    w.formula(summary_rows["probability"], wcol, "=SUM(House_Probabilities)", "percent")
    w.formula(summary_rows["per_share"], wcol, f"=KC_SCENARIO_VALUE({values},House_Probabilities)", "per_share_bold")
    w.define("House_Target", summary_rows["per_share"], wcol)
    w.formula(summary_rows["per_ads"], wcol, "=House_Target/FX*ADS_Ratio/ADS_FX", "per_share")
    w.define("House_Target_ADS", summary_rows["per_ads"], wcol)
    w.formula(summary_rows["upside"], wcol, "=KC_UPSIDE(House_Target,Price)", "percent_bold")
    w.define("House_Upside", summary_rows["upside"], wcol)
    w.formula(rating_row, wcol, "=KC_RATING(House_Target,Price,House_Scale)", "big_text")
    w.define("House_Rating", rating_row, wcol)
    w.formula(rating_row, wcol + 1, "=INDEX(House_Scale_ZH,MATCH(House_Rating,House_Scale_Labels,0))", "big_text")
    w.define("House_Rating_ZH", rating_row, wcol + 1)
    model.refs["scenario_values"] = on(sheet, values)
    model.refs["house_scenario_rows"] = summary_rows
    # The live scenario's value here equals the DCF sheet's.
    live_check = rating_row + 1
    w.labels(live_check, "  live scenario's value = DCF sheet", "与DCF一致", "label_indent")
    w.formula(live_check, FIRST_VALUE_COL, f"=ABS(INDEX({values},MATCH(Scenario,{model.refs['scenario_names']},0))-"
                                           f"{model.refs['dcf_per_share_abs']})<=1E-9", "check")
    model.checks.append({"en": "Scenarios: the live scenario's value = the DCF sheet's", "zh": "情景价值与DCF一致",
                         "cells": [on(sheet, cell(live_check, FIRST_VALUE_COL))]})
    w.write_notes(model, end_row)
    w.ws.freeze_panes(0, 2)
    w.ws.outline_settings(True, False, True, False)
