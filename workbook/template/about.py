"""About sheet: what the workbook is, where its numbers come from, how to use it."""

from __future__ import annotations

from pathlib import Path


from workbook.template.layout import Model, Writer


ABOUT = [
    ("How to use", [
        "Change inputs only on the Assumptions sheet (blue on yellow). Pick the live scenario there; DCF, Sensitivity,",
        "Rating and Summary follow. Statements are data from the company data file; subtotal checks sit under each.",
        "The Checks sheet gathers every tie-out and audit difference; Summary shows its single OK / NOT OK.",
    ]),
    ("Where the functions come from", [
        "KC_* functions are the Python valuation core (kcfuncs) served to Excel by xlwings (module addin.functions).",
        "Windows: run `kc excel-setup`, then Import Functions once from the xlwings ribbon. The Self-check sheet must",
        "show OK. Without the add-in, Excel shows the values last computed (the file carries them); a full",
        "recalculation there turns KC_* cells into #NAME?. For colleagues without Python, share `kc freeze` output.",
        "On Linux or a server, `kc refresh` recomputes every formula and rewrites only the stored values.",
    ]),
    ("Units and conventions", [
        "Money in CNY millions; shares in millions; per-share values in HK$ (FX = HKD per CNY), per ADS in US$.",
        "Discounting: end of year by default (flows at t = 1..n, as Excel NPV); mid-year shifts them half a year.",
        "Terminal value: Gordon growth on the final flow grown one year, discounted from the end of the last year.",
        "Rating: upside = target / price - 1; Buy at +20% or more, Sell at -20% or less; Overweight/Underweight at",
        "+/-10% (see the Rating sheet). Errors show as a short message in the cell, never a traceback.",
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
