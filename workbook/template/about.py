"""About sheet: what the workbook is, where its numbers come from, how to use it."""

from __future__ import annotations

from pathlib import Path

from workbook.template.layout import Model, Writer

ABOUT = [
    ("How to use", [
        "Pick the live scenario on the Assumptions sheet (Scenario): drivers, statements, DCF, sensitivity and the",
        "Summary follow. Change drivers on the Drivers sheet (blue cells: explicit years and the steady state).",
        "The house target weights every scenario (Scenarios sheet) by the probabilities on the Assumptions sheet.",
        "The Checks sheet gathers every tie-out, balance and audit; the Summary and the cover show its OK / NOT OK.",
    ]),
    ("The model", [
        "Reported years are as printed in the source, rounding gaps shown as their own lines; forecast years follow",
        "the rules of the data file (workbook.company.forecast): net profit flows to the cash flow and to equity,",
        "ending cash to the balance sheet, and a revolving credit facility keeps cash at its minimum (the plug).",
        "FCFF = EBIT x (1 - t) + D&A - capex - increase in NWC, reconciled to operating cash flow + after-tax",
        "interest - capex. Discounting: dated from the valuation date (days / 365), flows at period ends or mid-period,",
        "the valuation date's year from that date (the stub); Gordon terminal value at the final flow's date.",
    ]),
    ("Where the functions come from", [
        "KC_* functions are the Python valuation core (kcfuncs) served to Excel by xlwings (module addin.functions).",
        "Windows: run `kc excel-setup`, then Import Functions once from the xlwings ribbon. The Self-check sheet must",
        "show OK. Without the add-in, Excel shows the values last computed (the file carries them); a full",
        "recalculation there turns KC_* cells into #NAME?. For colleagues without Python, share `kc freeze` output.",
        "On Linux or a server, `kc refresh` recomputes every formula and rewrites only the stored values.",
    ]),
    ("Units and conventions", [
        "Money in CNY millions; shares in millions; per-share values in HK$ (FX = HKD per CNY), per ADS in US$ at the",
        "valuation date's CNY per USD. The report cases keep their own conventions and rates.",
        "Rating: the house scale on the Rating sheet (KC_RATING reads it); each report on its own scale.",
        "Errors show as a short message in the cell, never a traceback.",
    ]),
]


def write_about(w: Writer, model: Model) -> None:
    f = w.f
    w.title("About", "说明")
    w.ws.set_column(0, 0, 120)
    row = 2
    for heading, lines in ABOUT:
        w.ws.write(row, 0, heading, f["section"])
        row += 1
        for line in lines:
            w.ws.write(row, 0, line, f["text"])
            row += 1
        row += 1
    w.text(row, 0, "Sources", "section")
    row += 1
    for line in model.data["company"].get("sources", []):
        w.text(row, 0, line)
        row += 1
    w.ws.write(row + 1, 0, f"Data file: {Path(model.data.get('_path', '')).name}", f["note"])
    w.reach(row + 1, 0)
