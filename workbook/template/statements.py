"""The three statement sheets: every subtotal a live native formula, the figure as printed beneath it,
and whether the source ties; their tie-outs for the Checks sheet."""

from __future__ import annotations

from workbook.company.inputs import line_name
from workbook.template.layout import FIRST_VALUE_COL, STATEMENT_SHEETS, Model, Writer, cell, on


def write_statement(w: Writer, model: Model, statement: str) -> None:
    """Inputs as data; every subtotal as a live native formula of the lines above it, followed by the
    figure as printed and a TRUE/FALSE row saying whether the source itself ties (printed subtotal vs
    the sum of the printed parts, within TieTolerance). Lines the source does not print are formulas only."""
    f, data, years = w.f, model.data, model.years
    en, zh = STATEMENT_SHEETS[statement]
    w.title(en, zh, f"{data['company'].get('units', 'CNY millions')}; costs and outflows negative. Source: "
                    f"{data['statements'].get('source', '')}")
    w.ws.set_column(FIRST_VALUE_COL + len(years), FIRST_VALUE_COL + len(years), 90)
    w.header(3, "Line", "项目", years + ["Note"])
    row = 4
    last = FIRST_VALUE_COL + len(years) - 1
    note_col = last + 1
    for line in data[statement]:  # first pass: where every line lands (formulas may point forward)
        printed_subtotal = bool(line.get("sum_of")) and line.get("printed", True) is not False
        model.line_cells[line["key"]] = (en, row)
        model.printed_cells[line["key"]] = (en, row + 1 if printed_subtotal else row)
        row += 3 if printed_subtotal else 1
    row = 4
    for line in data[statement]:
        parts = line.get("sum_of", [])
        printed = line.get("printed", True) is not False
        w.labels(row, line["en"], line.get("zh", ""), "label_bold" if parts else "label")
        for k, value in enumerate(line["values"]):
            col = FIRST_VALUE_COL + k
            if parts:
                w.formula(row, col, "=" + "+".join(_local(model, en, p, k) for p in parts), "number_bold")
            else:
                w.ws.write(row, col, value, f["number_plug" if line.get("plug") else "number"])
        if not parts:
            w.define(line_name(line["key"]), row, FIRST_VALUE_COL, row, last)
        note = line.get("note", "")
        if line.get("plug"):
            note = "NOT PRINTED IN THE SOURCE: " + note
        if note:
            w.ws.write(row, note_col, note, f["note"])
            w.reach(row, note_col)
        row += 1
        if parts and printed:
            w.labels(row, "  as printed", "报告数", "label_indent")
            for k, value in enumerate(line["values"]):
                w.ws.write(row, FIRST_VALUE_COL + k, value, f["number_input"])
            w.define(line_name(line["key"]), row, FIRST_VALUE_COL, row, last)
            row += 1
            gap = line.get("source_gap") or [0] * len(years)
            w.labels(row, f"  source ties: printed = {' + '.join(p.replace('_', ' ') for p in parts)}", "勾稽",
                     "label_indent")
            cells = []
            for k in range(len(years)):
                col = FIRST_VALUE_COL + k
                total = "+".join(_local(model, en, p, k, printed=True) for p in parts)
                w.formula(row, col, f"=ABS({cell(row - 1, col)}-({total}))<=TieTolerance", "check")
                cells.append(on(en, cell(row, col)))
            fails = [years[k] for k, g in enumerate(gap) if abs(g) > 1]
            model.checks.append({"en": f"{en}: {line['en']} ties", "zh": f"{zh}：{line.get('zh', '')}勾稽",
                                 "cells": cells, "fails": fails})
            row += 1
    row += 1
    w.text(row, 0, "Ratios", "section")
    row += 1
    for label_en, label_zh, formula, fmt in _ratios(model, statement):
        w.labels(row, label_en, label_zh, "label_indent")
        for k in range(len(years)):
            text = formula(k)
            if text:
                w.formula(row, FIRST_VALUE_COL + k, text, fmt)
        row += 1
    w.ws.freeze_panes(4, 2)


def _local(model: Model, sheet: str, key: str, k: int, printed: bool = False) -> str:
    """Line ``key`` in year ``k``: its live row, or with ``printed`` its figure as printed."""
    line_sheet, row = (model.printed_cells if printed else model.line_cells)[key]
    ref = cell(row, FIRST_VALUE_COL + k)
    return ref if line_sheet == sheet else on(line_sheet, ref)


def _ratios(model: Model, statement: str):
    has = model.line_cells.__contains__

    def ratio(num, den, sheet):
        return lambda k: f"={_local(model, sheet, num, k)}/{_local(model, sheet, den, k)}"

    if statement == "income_statement":
        s = "Income Statement"
        out = []
        if has("revenue"):
            out.append(("Revenue growth", "收入增长", lambda k: None if k == 0 else
                        f"={_local(model, s, 'revenue', k)}/{_local(model, s, 'revenue', k - 1)}-1", "percent"))
        for key, en, zh in (("gross_profit", "Gross margin", "毛利率"), ("pretax_profit", "Pre-tax margin", "税前利润率"),
                            ("net_profit", "Net margin", "净利率")):
            if has(key) and has("revenue"):
                out.append((en, zh, ratio(key, "revenue", s), "percent"))
        if has("income_tax") and has("pretax_profit"):
            out.append(("Effective tax rate", "实际税率", lambda k: f"=-{_local(model, s, 'income_tax', k)}/"
                                                             f"{_local(model, s, 'pretax_profit', k)}", "percent"))
        return out
    if statement == "balance_sheet":
        s = "Balance Sheet"
        out = []
        if has("total_assets") and has("total_equity"):
            out.append(("Total assets / equity", "总资产/权益", ratio("total_assets", "total_equity", s), "number1"))
        if has("total_liabilities") and has("total_equity"):
            out.append(("Liabilities / equity", "负债/权益", ratio("total_liabilities", "total_equity", s), "number1"))
        if has("current_assets_total") and has("current_liabilities_total"):
            out.append(("Current ratio", "流动比率", ratio("current_assets_total", "current_liabilities_total", s),
                        "number1"))
        return out
    s = "Cash Flow"
    out = []
    if has("operating_cash_flow") and has("capex"):
        out.append(("Free cash flow (operating + capex)", "自由现金流",
                    lambda k: f"={_local(model, s, 'operating_cash_flow', k)}+{_local(model, s, 'capex', k)}", "number"))
        if has("revenue"):
            out.append(("FCF margin", "自由现金流利润率",
                        lambda k: f"=({_local(model, s, 'operating_cash_flow', k)}+{_local(model, s, 'capex', k)})/"
                                  f"{_local(model, s, 'revenue', k)}", "percent"))
    return out


# ---------------------------------------------------------------------------------------------------
# Checks, Self-check, Summary, About, xlwings.conf


def add_tie_out_checks(model: Model) -> None:
    years = model.years
    for tie in model.data.get("tie_outs", []):
        lag = int(tie.get("right_lag", 0))
        cells = []
        for k in range(lag, len(years)):
            cells.append(f"ABS({model.printed_ref(tie['left'], k)}-{model.printed_ref(tie['right'], k - lag)})"
                         f"<=TieTolerance")
        model.checks.append({"en": tie["en"], "zh": tie.get("zh", ""), "cells": cells,
                             "fails": list(tie.get("fails_in_source", [])), "years": years[lag:]})
