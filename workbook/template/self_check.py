"""Self-check sheet: KC_* on known inputs; all TRUE means the add-in is wired."""

from __future__ import annotations

from workbook.template.layout import Model, Writer, cell, on, span


SELF_CHECKS = [
    # (what, formula, expected, tolerance, source of the expected value)
    ("NPV, Microsoft's example", "=KC_PV({-10000,3000,4200,6800},0.1)", 1188.44, 0.005, "Excel help for NPV"),
    ("XNPV, Microsoft's example", '=-10000+KC_PV({2750,4250,3250,2750},0.09,"dated",'
     '{"2008-03-01","2008-10-30","2009-02-15","2009-04-01"},"2008-01-01")', 2086.65, 0.005, "Excel help for XNPV"),
    ("Gordon value of 1,893.64 at 10.5% / 3%", "=KC_TERMINAL(1893.64,0.105,0.03)", 26005.98933, 0.0001,
     "1,893.64 x 1.03 / 0.075"),
    ("Base value per share of the DCF report",
     "=KC_DCF({207.4,497.76,881.0352,1350.92064,1891.288896},0.105,0.03,161.8,4099.28,1.1)", 5.09, 0.0255,
     "the DCF report of 2025-09-16 prints HK$5.09 (within 0.5%)"),
    ("P/S target of the Guoyuan report", "=KC_MULTIPLE_TARGET(3.5,9880,274,1/7.17)", 17.6, 0.088,
     "the Guoyuan report of 2025-05-15 prints US$17.6"),
    ("Upside 17.6 vs 13.77", "=KC_UPSIDE(17.6,13.77)", 0.278, 0.0005, "the Guoyuan report of 2025-05-15 prints 27.8%"),
    ("Rating at +27.8%", "=KC_RATING(17.6,13.77)", "Buy", None, "the Guoyuan report of 2025-05-15: Buy"),
    ("Rating at -38.6%", '=KC_RATING(5.1,8.3,"overweight_underweight")', "Underweight", None,
     "the DCF report of 2025-09-16: Underweight"),
    ("Sensitivity cell = scalar value", "=INDEX(KC_SENSITIVITY({100,110,120},{0.09,0.1},{0.02,0.03}),2,1)"
     "-KC_DCF({100,110,120},0.1,0.02)", 0.0, 1e-9, "identity"),
    ("Bad input gives a one-line message", '=SUBSTITUTE(KC_DCF({1,2},0.03,0.03),"KC_DCF: ","")',
     "wacc (3.0%) must exceed terminal growth (3.0%)", None, "the add-in's message"),
]


def write_self_check(w: Writer, model: Model) -> None:
    f = w.f
    w.title("Self-check", "自检", "KC_* functions on known inputs. All TRUE means the add-in is wired correctly "
                                 "(open on Windows with the add-in and press Ctrl+Alt+F9).")
    w.ws.set_column(2, 2, 48)
    w.ws.set_column(3, 4, 14)
    w.ws.set_column(6, 6, 34)
    w.ws.write(3, 0, "Add-in status", f["big"])
    w.header(5, "Test", "", ["Result", "Expected", "Tolerance", "Pass", "Source"])
    row = 6
    for what, formula, expected, tolerance, source in SELF_CHECKS:
        w.ws.write(row, 0, what, f["text"])
        w.ws.write_string(row, 1, formula.lstrip("="), f["note"])
        w.formula(row, 2, formula, "general")
        w.ws.write(row, 3, expected, f["general"])
        if tolerance is None:
            w.formula(row, 5, f"={cell(row, 2)}={cell(row, 3)}", "check")
        else:
            w.ws.write(row, 4, tolerance, f["general"])
            w.formula(row, 5, f"=ABS({cell(row, 2)}-{cell(row, 3)})<={cell(row, 4)}", "check")
        w.ws.write(row, 6, source, f["note"])
        row += 1
    w.formula(3, 2, f'=IF(AND({span(6, 5, row - 1, 5)}),"OK","NOT OK")', "big_text")
    w.define("SelfCheckOK", 3, 2)
    model.checks.append({"en": "Self-check: add-in functions on known inputs", "zh": "自检",
                         "cells": [f"AND({on('Self-check', span(6, 5, row - 1, 5, True))})"]})
