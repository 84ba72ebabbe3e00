"""Sensitivity sheet: the house DCF of the live scenario under other WACCs and terminal growths (one
spilled KC_SENSITIVITY, and the same grid as scalar KC_DCF cells), and WACC x exit multiple."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from workbook.template.layout import (EXIT_MULTIPLES, FIRST_VALUE_COL, SENS_GROWTH_STEPS, SENS_WACC_STEPS,
                                      Model, Writer, on, span)

DCF_ARGS = "House_NetDebt,Shares,FX,\"dated\""
DATED = "Live_Dates,ValuationDate"
BRIDGE = "House_Minorities,House_NonOperating"


def write_sensitivity(w: Writer, model: Model) -> None:
    f = w.f
    w.title("Sensitivity", "敏感性分析", "HK$ per share, house DCF of the live scenario (dated from the valuation "
                                     "date). Rows: WACC; columns: terminal growth (or exit multiple). Base outlined.")
    w.ws.set_column(0, 0, 30)
    w.ws.set_column(1, 1, 14)
    w.ws.set_column(2, 8, 11)
    w.labels(3, "WACC step", "WACC 步长")
    w.ws.write(3, 2, 0.005, f["percent_input"])
    w.define("Sens_WACC_Step", 3, 2)
    w.labels(4, "Growth step", "增长率步长")
    w.ws.write(4, 2, 0.005, f["percent_input"])
    w.define("Sens_Growth_Step", 4, 2)
    mid_w, mid_g = SENS_WACC_STEPS // 2, SENS_GROWTH_STEPS // 2

    def axes(top: int) -> tuple[str, str, int]:
        w.ws.write(top, 1, "WACC \\ g", f["header"])
        for j in range(SENS_GROWTH_STEPS):
            w.formula(top, FIRST_VALUE_COL + j, f"=TerminalGrowth+({j - mid_g})*Sens_Growth_Step", "percent_bold")
        for i in range(SENS_WACC_STEPS):
            w.formula(top + 1 + i, 1, f"=WACC+({i - mid_w})*Sens_WACC_Step", "percent_bold")
        return (span(top + 1, 1, top + SENS_WACC_STEPS, 1, True),
                span(top, FIRST_VALUE_COL, top, FIRST_VALUE_COL + SENS_GROWTH_STEPS - 1, True), top + 1)

    def decorate(first_row: int, w_cell: str, g_cell: str, base_w: str, base_g: str, cols: int) -> None:
        area = span(first_row, FIRST_VALUE_COL, first_row + SENS_WACC_STEPS - 1, FIRST_VALUE_COL + cols - 1)
        w.ws.conditional_format(area, {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFEB84",
                                       "max_color": "#63BE7B"})
        base = w.book.add_format({"bold": True, "border": 2, "border_color": "#1F3864"})
        w.ws.conditional_format(area, {"type": "formula", "criteria": f"=AND({w_cell}={base_w},{g_cell}={base_g})",
                                       "format": base})

    w.text(6, 0, "KC_SENSITIVITY, one call spilled (needs the add-in to recalculate)", "section")
    w_range, g_range, first = axes(7)
    grid = span(first, FIRST_VALUE_COL, first + SENS_WACC_STEPS - 1, FIRST_VALUE_COL + SENS_GROWTH_STEPS - 1)
    w.ws.write_dynamic_array_formula(
        grid, f'=KC_SENSITIVITY(Live_FCF,{w_range},{g_range},{DCF_ARGS},"","","",{DATED},"","","","","",{BRIDGE})',
        f["per_share"])
    decorate(first, f"$B{first + 1}", f"{xl_col_to_name(FIRST_VALUE_COL)}$8", "WACC", "TerminalGrowth",
             SENS_GROWTH_STEPS)

    top2 = first + SENS_WACC_STEPS + 1
    w.text(top2, 0, "Same grid, one KC_DCF per cell (keeps its values everywhere)", "section")
    _, _, first2 = axes(top2 + 1)
    for i in range(SENS_WACC_STEPS):
        for j in range(SENS_GROWTH_STEPS):
            w.formula(first2 + i, FIRST_VALUE_COL + j,
                      f'=KC_DCF(Live_FCF,$B{first2 + i + 1},{xl_col_to_name(FIRST_VALUE_COL + j)}${top2 + 2},'
                      f'{DCF_ARGS},"per_share",{DATED},,,,,{BRIDGE})', "per_share")
    decorate(first2, f"$B{first2 + 1}", f"{xl_col_to_name(FIRST_VALUE_COL)}${top2 + 2}", "WACC", "TerminalGrowth",
             SENS_GROWTH_STEPS)
    scalar_grid = span(first2, FIRST_VALUE_COL, first2 + SENS_WACC_STEPS - 1, FIRST_VALUE_COL + SENS_GROWTH_STEPS - 1)
    model.refs["sens_scalar_grid"] = on(w.name, scalar_grid)
    check_row = first2 + SENS_WACC_STEPS + 1
    w.labels(check_row, "Largest difference between the two grids", "两表最大差异")
    w.formula(check_row, FIRST_VALUE_COL, f"=ROUND(MAX(ABS(MAX({grid})-MAX({scalar_grid})),ABS(MIN({grid})-MIN({scalar_grid})),"
                                          f"ABS(SUM({grid})-SUM({scalar_grid}))),9)", "diff")
    w.formula(check_row, FIRST_VALUE_COL + 1, f"={xl_col_to_name(FIRST_VALUE_COL)}{check_row + 1}<=1E-9", "check")
    model.checks.append({"en": "Sensitivity: spilled grid = scalar grid", "zh": "敏感性：两表一致",
                         "cells": [on(w.name, f"{xl_col_to_name(FIRST_VALUE_COL + 1)}{check_row + 1}")]})

    top3 = check_row + 2
    w.text(top3, 0, "WACC x exit multiple of the final-year FCFF (KC_DCF method exit)", "section")
    w.ws.write(top3 + 1, 1, "WACC \\ multiple", f["header"])
    for j, multiple in enumerate(EXIT_MULTIPLES):
        w.ws.write(top3 + 1, FIRST_VALUE_COL + j, multiple, f["multiple_input"])
    for i in range(SENS_WACC_STEPS):
        w.formula(top3 + 2 + i, 1, f"=WACC+({i - mid_w})*Sens_WACC_Step", "percent_bold")
        for j in range(len(EXIT_MULTIPLES)):
            mcell = f"{xl_col_to_name(FIRST_VALUE_COL + j)}${top3 + 2}"
            w.formula(top3 + 2 + i, FIRST_VALUE_COL + j,
                      f'=KC_DCF(Live_FCF,$B{top3 + 3 + i},,{DCF_ARGS},"per_share",{DATED},,"exit",{mcell},,{BRIDGE})',
                      "per_share")
    area = span(top3 + 2, FIRST_VALUE_COL, top3 + 1 + SENS_WACC_STEPS, FIRST_VALUE_COL + len(EXIT_MULTIPLES) - 1)
    w.ws.conditional_format(area, {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFEB84",
                                   "max_color": "#63BE7B"})
    w.ws.freeze_panes(0, 2)
