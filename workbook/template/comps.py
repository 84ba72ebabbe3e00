"""Comps sheet: the peer table as printed (negative P/E shown as n.m.) and what the peers' median P/S
implies for the company on the live model's revenue, beside the market's multiples at the valuation date."""

from __future__ import annotations

from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, on, span


def write_comps(w: Writer, model: Model) -> None:
    f, data = w.f, model.data
    w.title("Comps", "可比公司", data["company"].get("peers_source", "Peers as given in the data file.")
            + " Blank = not printed; a negative P/E (a loss) shows as n.m.")
    w.ws.set_column(0, 0, 40)
    w.ws.set_column(1, 1, 16)
    w.ws.set_column(2, 8, 11)
    w.header(3, "Company", "公司", ["Mkt cap", "PE TTM", "PE 25E", "PE 26E", "P/B", "P/S"])
    row = 4
    first = row
    for peer in data.get("peers", []):
        w.text(row, 0, peer.get("name", ""))
        w.text(row, 1, peer.get("name_zh", ""))
        for j, key in enumerate(("market_cap_bn", "pe_ttm", "pe_25e", "pe_26e", "pb", "ps")):
            if isinstance(peer.get(key), (int, float)):
                fmt = "number1" if j == 0 else "multiple_nm" if key.startswith("pe") else "multiple"
                w.value(row, FIRST_VALUE_COL + j, peer[key], fmt + "_input")  # as printed: typed data
        row += 1
    ps_col = FIRST_VALUE_COL + 5
    median = None
    if row > first:
        ps_range = span(first, ps_col, row - 1, ps_col, True)
        row += 1
        w.labels(row, "Peer median P/S", "可比公司市销率中位数", "label_bold")
        w.formula(row, ps_col, f"=MEDIAN({ps_range})", "multiple")
        median = cell(row, ps_col, True)
        row += 1
        w.text(row, 0, "Market caps in CNY 100m (亿元), as printed. How each figure was placed from the source: the "
                       "data file.", "note")
        row += 2
    w.text(row, 0, "Cross-checks at the valuation date (house: live model revenue, balance-sheet net debt)", "section")
    row += 1
    w.header(row, "Measure", "指标", ["KC_* (add-in)", "Native audit", "Difference"])
    row += 1
    p = model.plan
    year = data["valuation"].get("multiple", {}).get("metric_year", p.forecast[0])
    revenue = model.live(p.roles["revenue"], year if year in p.years else p.forecast[0], w.name)
    checks = []
    if median:
        checks.append(("ps_peer", f"Value at the peer median P/S on {year} revenue (HK$ per share)", "按可比中位数估值",
                       f"=KC_MULTIPLE_TARGET({median},{revenue},Shares,FX)", f"={median}*{revenue}/Shares*FX",
                       "per_share"))
    checks.append(("ps_house", f"P/S the HK$ price pays on {year} revenue (live model)", "当前市销率",
                   f"=KC_MARKET_MULTIPLE(Price,{revenue},Shares,FX)", f"=Price/FX*Shares/{revenue}", "multiple"))
    if "LTM_Revenue" in model.refs:
        checks.append(("ev_revenue", "EV / LTM revenue at the HK$ price (balance-sheet net debt)", "企业价值/收入",
                       "=KC_MARKET_MULTIPLE(Price,LTM_Revenue,Shares,FX,House_NetDebt)",
                       "=(Price/FX*Shares+House_NetDebt)/LTM_Revenue", "multiple"))
    for key, en, zh, kc, native, fmt in checks:
        w.labels(row, en, zh)
        w.formula(row, 2, kc, fmt)
        w.formula(row, 3, native, fmt)
        w.formula(row, 4, f"=ROUND({cell(row, 2)}-{cell(row, 3)},9)", "diff")
        model.refs[key] = on(w.name, cell(row, 2, True))
        model.checks.append({"en": f"Comps audit: {en}", "zh": f"可比核对：{zh}",
                             "cells": [f"ABS({on(w.name, cell(row, 4))})<=1E-9*MAX(1,ABS({on(w.name, cell(row, 3))}))"]})
        row += 1
    w.ws.freeze_panes(4, 2)
