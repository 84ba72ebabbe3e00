"""Checks sheet: every tie-out, balance, reconciliation and audit in one place, per year where it is
per year, and one OK / NOT OK cell (ChecksOK). BalanceSheetOK says in words which year is off and by
how much."""

from __future__ import annotations

from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, span

FIRST_ROW = 8


def write_checks(w: Writer, model: Model) -> None:
    f, years = w.f, model.years
    w.title("Checks", "检查", "Every tie-out, balance, reconciliation and audit. 'Expected' = what the source itself "
                             "does (documented in the data file); the status is TRUE when the check behaves as expected.")
    w.ws.set_column(0, 0, 58)
    w.ws.set_column(1, 1, 24)
    w.ws.set_column(FIRST_VALUE_COL, FIRST_VALUE_COL + len(years) - 1, 6.5)
    w.ws.write(3, 0, "All checks", f["big"])
    w.ws.write(4, 0, "Balance sheet balances in every year", f["label_bold"])
    w.header(FIRST_ROW - 1, "Check", "检查项", years + ["Source fails in", "Status"])
    row = FIRST_ROW
    status_col = FIRST_VALUE_COL + len(years) + 1
    balance_cells = model.refs.get("balance_ok_cells", [])
    gap_cells = model.refs.get("balance_gap_cells", [])
    if balance_cells:
        model.checks.insert(0, {"en": "Balance sheet: total assets = total liabilities and equity (1E-6)",
                                "zh": "资产负债表平衡", "cells": list(balance_cells), "years": list(years)})
    for check in model.checks:
        w.labels(row, check["en"], check.get("zh", ""))
        check_years = check.get("years", years if len(check["cells"]) == len(years) else None)
        terms = []
        for k, ref in enumerate(check["cells"]):
            col = FIRST_VALUE_COL + (years.index(check_years[k]) if check_years else k)
            w.formula(row, col, f"={ref}", "check")
            expect_fail = check_years is not None and check_years[k] in check.get("fails", [])
            terms.append(f"NOT({cell(row, col)})" if expect_fail else cell(row, col))
        if check.get("fails"):
            w.text(row, status_col - 1, ", ".join(check["fails"]), "note")
        w.formula(row, status_col, f"=IFERROR(AND({','.join(terms)}),FALSE)", "check")  # an error fails
        row += 1
    area = span(FIRST_ROW, FIRST_VALUE_COL, row - 1, status_col)
    w.ws.conditional_format(area, {"type": "cell", "criteria": "==", "value": "FALSE",
                                   "format": w.book.add_format({"font_color": "#C00000", "bold": True})})
    status = span(FIRST_ROW, status_col, row - 1, status_col, True)
    w.define("KC_Checks", FIRST_ROW, status_col, row - 1, status_col)  # what kc check reads as the checks
    w.formula(3, 2, f'=IF(AND({status}),"OK","NOT OK")', "big_text")
    w.define("ChecksOK", 3, 2)
    if balance_cells:
        # In words: "NOT OK: 2024A off by -5; 2025E off by -5" (total assets - total liabilities and equity).
        parts = "&".join(f'IF({ok},""," {year} off by "&ROUND({gap},1)&";")'
                         for ok, gap, year in zip(balance_cells, gap_cells, years))
        w.formula(4, 2, f'=IF(AND({",".join(balance_cells)}),"OK",SUBSTITUTE("NOT OK:"&{parts}&"|",";|",""))',
                  "big_text")
        w.define("BalanceSheetOK", 4, 2)
        # The balance row's label carries the words, so kc check reports the year and the gap.
        w.formula(FIRST_ROW, 0, '="Balance sheet: total assets = total liabilities and equity (1E-6): "&BalanceSheetOK',
                  "label")
    w.ws.set_column(status_col - 1, status_col - 1, 12)
    w.ws.set_column(status_col, status_col, 7)
    w.ws.freeze_panes(FIRST_ROW, 2)
    w.ws.repeat_rows(FIRST_ROW - 1)
