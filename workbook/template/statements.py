"""The three statement sheets of the driver model (``workbook.company.forecast``).

Top: the live model, one column per year. Reported years link to the source block at the bottom of
the sheet (the figures as printed, the only place the data file's numbers are typed); forecast years are
native formulas of the forecast rules, reading the live scenario's drivers (Drivers sheet) and the
other statements. Subtotals add their parts in every year; where the source's printed total does not
equal its printed parts in a reported year, a visible *rounding / omission* line closes the gap, so
the live totals equal the printed ones. Bottom: every printed line as printed (reported years and the
source's own forecast, e.g. a broker's 2025E-2027E) with the live model's difference beneath it, and
for printed subtotals whether the source ties (printed = printed parts, within TieTolerance).
"""

from __future__ import annotations

from workbook.company.forecast import Plan, to_excel
from workbook.company.inputs import line_name
from workbook.template.layout import FIRST_VALUE_COL, STATEMENT_SHEETS, Model, Writer, cell, on

LIVE_TOLERANCE = "1E-6"


def place_lines(model: Model) -> None:
    """Rows of every live line, source row and difference row, before any formula is written (formulas
    refer across statements and forward)."""
    p: Plan = model.plan
    for statement, (sheet, _) in STATEMENT_SHEETS.items():
        lines = p.statement_lines(statement)
        row = 4
        for line in lines:
            model.line_cells[line.key] = (sheet, row)
            row += 1
        row += 1
        if statement == "balance_sheet":
            model.refs["bs_check_row"] = row
            row += 3
        if statement == "cash_flow":
            model.refs["cf_check_row"] = row
            row += 2
        model.refs[f"{statement}_ratio_row"] = row
        row += 2 + len(_ratios(model, statement))
        notes = sum(1 for line in lines if line.note)
        model.refs[f"{statement}_notes_row"] = row
        row += notes + 2 if notes else 0
        model.refs[f"{statement}_source_row"] = row   # printed from a new page
        row += 2
        for line in lines:
            if line.source is None:
                continue
            model.printed_cells[line.key] = (sheet, row)
            model.diff_cells[line.key] = (sheet, row + 1)
            row += 2
            if line.kind == "subtotal" and line.printed:
                model.refs[f"ties_{line.key}"] = f"{sheet}!{row}"
                row += 1
        model.refs[f"{statement}_end_row"] = row


def write_statement(w: Writer, model: Model, statement: str) -> None:
    p: Plan = model.plan
    f, years, sheet = w.f, p.years, w.name
    en, zh = STATEMENT_SHEETS[statement]
    source_label = p.reference_label
    w.title(en, zh, f"{model.data['company'].get('units', 'CNY millions')}; costs and outflows negative. "
                    f"{', '.join(p.history)}: as reported ({source_label}); {p.forecast[0]}-{p.forecast[-1]}: live "
                    f"model, scenario shown on the Drivers sheet. Source figures and the difference to them: below.")
    last = FIRST_VALUE_COL + len(years) - 1
    note_col = last + 1
    w.ws.set_column(0, 0, 40)
    w.ws.set_column(1, 1, 16)
    w.ws.set_column(FIRST_VALUE_COL, last, 8.5)
    w.ws.set_column(note_col, note_col, 5)
    w.header(3, "Line", "项目", years + ["Note"])
    hist = len(p.history)

    for line in p.statement_lines(statement):
        row = model.line_cells[line.key][1]
        bold = line.kind == "subtotal"
        label_fmt = ("label_bold" if bold else "label_plug" if line.kind == "gap" or line.plug else
                     "label_indent" if line.memo else "label_model" if line.kind == "model" else "label")
        w.labels(row, line.en, line.zh, label_fmt)
        number_fmt = "number_bold" if bold else "number_plug" if (line.kind == "gap" or line.plug) else "number"
        for k, year in enumerate(years):
            col = FIRST_VALUE_COL + k
            text = _cell_formula(model, line, k, sheet)
            if text is not None:
                w.formula(row, col, text, number_fmt)
            elif k < hist and line.kind == "model":
                w.value(row, col, None, number_fmt)
        note = line.note
        if line.plug and line.kind != "gap":
            note = ("Not printed in the source: " + note) if line.source is not None else note
        if note:
            w.text(row, note_col, model.note(sheet, f"{line.en}: {note}"), "marker")
    # Sheet-level checks.
    if statement == "balance_sheet":
        _balance_rows(w, model)
    if statement == "cash_flow":
        _cash_rows(w, model)

    row = model.refs[f"{statement}_ratio_row"]
    w.text(row, 0, "Ratios", "section")
    row += 1
    for label_en, label_zh, formula, fmt in _ratios(model, statement):
        w.labels(row, label_en, label_zh, "label_indent")
        for k in range(len(years)):
            text = formula(k)
            if text:
                w.formula(row, FIRST_VALUE_COL + k, text, fmt)
        row += 1

    w.write_notes(model, model.refs[f"{statement}_notes_row"])

    # The source block, on its own page.
    row = model.refs[f"{statement}_source_row"]
    w.ws.set_h_pagebreaks([row])
    w.text(row, 0, f"As printed in the source ({source_label}): reported years feed the model above; "
                   f"{', '.join(p.reference_years) or 'no forecast years'} are the source's own forecast, "
                   "for reference", "section")
    w.header(row + 1, "Line as printed", "报告数", [y if y in p.source_years else "" for y in years])
    for line in p.statement_lines(statement):
        if line.source is None:
            continue
        prow = model.printed_cells[line.key][1]
        w.labels(prow, line.en, "", "label")
        for j, year in enumerate(p.source_years):
            w.value(prow, model.col(year), line.source[j], "number_input")
        w.define(line_name(line.key), prow, model.col(p.source_years[0]), prow, model.col(p.source_years[-1]))
        w.labels(prow + 1, "  live model - printed", "差异", "label_indent")
        for year in p.source_years:
            col = model.col(year)
            w.formula(prow + 1, col, f"={cell(model.line_cells[line.key][1], col)}-{cell(prow, col)}", "number1")
        if line.kind == "subtotal" and line.printed:
            trow = prow + 2
            parts = " + ".join(part.replace("_", " ") for part in line.parts if not part.endswith("__source_gap"))
            w.labels(trow, f"  source ties: printed = {parts}", "勾稽", "label_indent")
            cells = []
            for k, year in enumerate(p.source_years):
                col = model.col(year)
                printed_parts = "+".join(_printed_part(model, part, year, sheet) for part in line.parts
                                         if not part.endswith("__source_gap")) or "0"
                ties = f"ABS({cell(prow, col)}-({printed_parts}))<=TieTolerance"
                if year in p.history:  # and the live model reproduces the reported total
                    ties = f"AND({ties},ABS({cell(prow + 1, col)})<={LIVE_TOLERANCE})"
                w.formula(trow, col, "=" + ties, "check")
                cells.append(on(sheet, cell(trow, col)))
            gaps = list(model.data_line(line.key).get("source_gap") or [0] * len(p.source_years))
            fails = [year for k, year in enumerate(p.source_years) if abs(gaps[k]) > 1]
            model.checks.append({"en": f"{en}: {line.en} ties", "zh": f"{zh}：{line.zh}勾稽", "cells": cells,
                                 "years": list(p.source_years), "fails": fails})
    if statement == "income_statement":
        src = model.refs[f"{statement}_source_row"] + 1
        first, last_src = model.col(p.source_years[0]), model.col(p.source_years[-1])
        revenue_row = model.line_cells[p.roles["revenue"]][1]
        model.refs["revenue_source_header"] = (sheet, on(sheet, f"{cell(src, first, True)}:{cell(src, last_src, True)}"))
        model.refs["year_header"] = on(sheet, f"{cell(3, FIRST_VALUE_COL, True)}:{cell(3, last, True)}")
        model.refs["revenue_live_row"] = on(sheet, f"{cell(revenue_row, FIRST_VALUE_COL, True)}:{cell(revenue_row, last, True)}")
    w.ws.freeze_panes(4, 2)
    w.ws.repeat_rows(3)


def _printed_part(model: Model, key: str, year: str, here: str) -> str:
    """The printed figure of a subtotal's part: a computed subtotal (one the source omits) is the sum of
    its parts' printed figures; a model line has none."""
    line = model.plan.by_key[key]
    if line.kind == "model" or line.kind == "gap":
        return "0"
    if key in model.printed_cells:
        return model.printed_ref(key, year, here)
    return "(" + "+".join(_printed_part(model, part, year, here) for part in line.parts) + ")"


def _cell_formula(model: Model, line, k: int, here: str) -> str | None:
    """The live cell of ``line`` in year k, as written on sheet ``here`` (None: left blank)."""
    p: Plan = model.plan
    year = p.years[k]
    if line.kind == "subtotal":
        return "=" + "+".join(model.live(part, year, here) for part in line.parts)
    if k < len(p.history):
        if line.kind == "data":
            return f"={model.printed_ref(line.key, year, here)}"
        if line.kind == "gap":
            total = p.by_key[line.gap_of]
            parts = "+".join(_printed_part(model, part, year, here) for part in total.parts if part != line.key)
            return f"={model.printed_ref(total.key, year, here)}-({parts or 0})"
        return None
    if line.kind == "gap":
        if line.statement == "balance_sheet":
            return f"={model.live(line.key, p.years[k - 1], here)}"
        return None
    return "=" + forecast_formula(model, line.rule, k, here, lambda key, col: model.live_driver(key, col, here))


def forecast_formula(model: Model, rule, k: int, here: str, driver_ref, line_ref=None) -> str:
    """Excel text of a forecast rule in model-year k (line refs to the live rows unless ``line_ref``)."""
    p: Plan = model.plan
    line_ref = line_ref or (lambda key, year: model.live(key, year, here))
    return to_excel(rule, lambda key, lag: line_ref(key, p.years[k - lag]),
                    lambda key: driver_ref(key, FIRST_VALUE_COL + k))


def _balance_rows(w: Writer, model: Model) -> None:
    p, years, sheet = model.plan, model.plan.years, w.name
    row = model.refs["bs_check_row"]
    w.labels(row, "Balance check: total assets - total liabilities and equity", "资产负债平衡", "label_bold")
    w.labels(row + 1, "  balances (within 1E-6)", "平衡", "label_indent")
    assets, equity = p.roles["total_assets"], p.roles["total_liabilities_and_equity"]
    cells, gaps = [], []
    for year in years:
        col = model.col(year)
        w.formula(row, col, f"=ROUND({model.live(assets, year, sheet)}-{model.live(equity, year, sheet)},9)", "number1")
        w.formula(row + 1, col, f"=ABS({cell(row, col)})<={LIVE_TOLERANCE}", "check")
        cells.append(on(sheet, cell(row + 1, col)))
        gaps.append(on(sheet, cell(row, col)))
    model.refs["balance_ok_cells"] = cells
    model.refs["balance_gap_cells"] = gaps


def _cash_rows(w: Writer, model: Model) -> None:
    p, sheet = model.plan, w.name
    row = model.refs["cf_check_row"]
    ending, cash = p.roles["cf_ending_cash"], p.roles["bs_cash"]
    w.labels(row, "Ending cash - balance-sheet cash (Checks: ending cash = cash)", "期末现金差异", "label_bold")
    for year in p.years:
        col = model.col(year)
        w.formula(row, col, f"=ROUND({model.live(ending, year, sheet)}-{model.live(cash, year, sheet)},9)", "number1")


def _ratios(model: Model, statement: str):
    p: Plan = model.plan
    has = p.by_key.__contains__
    s = STATEMENT_SHEETS[statement][0]
    years = p.years

    def ref(key, k):
        return model.live(key, years[k], s) if key in model.line_cells else "0"

    def ratio(num, den, sign=""):
        return lambda k: f"={sign}{ref(num, k)}/{ref(den, k)}"

    revenue = p.roles["revenue"]
    out = []
    if statement == "income_statement":
        out.append(("Revenue growth", "收入增长", lambda k: None if k == 0 else
                    f"={ref(revenue, k)}/{ref(revenue, k - 1)}-1", "percent"))
        for key, en, zh in ((p.roles.get("ebitda"), "EBITDA margin", "EBITDA 利润率"),
                            (p.roles["ebit"], "EBIT margin", "EBIT 利润率"),
                            (p.roles["net_profit"], "Net margin", "净利率")):
            if key and has(key):
                out.append((en, zh, ratio(key, revenue), "percent"))
        out.append(("Effective tax rate", "实际税率", ratio(_tax_key(p), p.roles["pretax"], "-"), "percent"))
        return out
    if statement == "balance_sheet":
        out.append(("Total assets / equity", "总资产/权益",
                    ratio(p.roles["total_assets"], _equity_key(p)), "number1"))
        out.append(("Net working capital / revenue", "营运资本/收入", lambda k: "=(" + "+".join(
            f"{'-' if sign < 0 else ''}{ref(key, k)}" for sign, key in p.signed("nwc")) + f")/{ref(revenue, k)}",
            "percent"))
        out.append(("Net debt (borrowings - cash)", "净负债", lambda k: "=" + "+".join(
            [ref(key, k) for _, key in p.signed("debt")] + [f"-{ref(key, k)}" for _, key in p.signed("cash")]),
            "number"))
        return out
    capex = p.roles["capex"]
    cfo = p.roles["operating_cash_flow"]
    out.append(("Free cash flow (operating + capex)", "自由现金流",
                lambda k: f"={ref(cfo, k)}+{ref(capex, k)}", "number"))
    out.append(("FCF margin", "自由现金流利润率", lambda k: f"=({ref(cfo, k)}+{ref(capex, k)})/"
                f"{model.live(revenue, years[k], s)}", "percent"))
    return out


def _tax_key(p: Plan) -> str:
    """The tax line: net profit's part other than pre-tax profit."""
    pretax = p.roles["pretax"]
    parts = [k for k in p.by_key[p.roles["net_profit"]].parts if k != pretax and not k.endswith("__source_gap")]
    return parts[0] if parts else pretax


def _equity_key(p: Plan) -> str:
    total = p.roles["total_liabilities_and_equity"]
    return next((part for part in reversed(p.by_key[total].parts) if not part.endswith("__source_gap")), total)


def add_tie_out_checks(model: Model) -> None:
    """The data file's cross-statement tie-outs, on the live cells (history: reported; forecast: linked)."""
    years = model.years
    for tie in model.data.get("tie_outs", []):
        lag = int(tie.get("right_lag", 0))
        cells = []
        for k in range(lag, len(years)):
            cells.append(f"ABS({model.live(tie['left'], years[k], '-')}-{model.live(tie['right'], years[k - lag], '-')})"
                         f"<={LIVE_TOLERANCE}")
        model.checks.append({"en": tie["en"] + " (live)", "zh": tie.get("zh", ""), "cells": cells,
                             "fails": list(tie.get("fails_in_source", [])), "years": years[lag:]})
