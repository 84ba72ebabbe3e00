"""Checks sheet: every tie-out and audit in one place, and one OK / NOT OK cell."""

from __future__ import annotations

from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, span


def write_checks(w: Writer, model: Model) -> None:
    f, years = w.f, model.years
    w.title("Checks", "检查", "Every tie-out and audit difference. Expected = what the source itself does "
                             "(documented in the data file).")
    w.ws.write(3, 0, "All checks", f["big"])
    w.header(5, "Check", "检查项", years + ["Source fails in", "As expected"])
    row = 6
    first = row
    status_col = FIRST_VALUE_COL + len(years) + 1
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
            w.ws.write(row, status_col - 1, ", ".join(check["fails"]), f["note"])
        w.formula(row, status_col, f"=AND({','.join(terms)})", "check")
        row += 1
    area = span(first, FIRST_VALUE_COL, row - 1, status_col)
    w.ws.conditional_format(area, {"type": "cell", "criteria": "==", "value": "FALSE",
                                   "format": w.book.add_format({"font_color": "#C00000", "bold": True})})
    status = span(first, status_col, row - 1, status_col, True)
    w.define("KC_Checks", first, status_col, row - 1, status_col)  # what kc check reads as the checks
    w.formula(3, 2, f'=IF(AND({status}),"OK","NOT OK")', "big_text")
    w.define("ChecksOK", 3, 2)
    w.ws.set_column(status_col - 1, status_col - 1, 16)
    w.ws.freeze_panes(6, 2)
