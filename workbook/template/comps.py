"""Comps sheet: the multiple-based cross-checks (P/S on forecast revenue, the market multiple)."""

from __future__ import annotations

from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, on, span


def write_comps(w: Writer, model: Model) -> None:
    f, data = w.f, model.data
    w.title("Comps", "可比公司", data["company"].get("peers_source", "Peers as given in the data file.") + " Blank = not given.")
    w.ws.set_column(FIRST_VALUE_COL + 6, FIRST_VALUE_COL + 6, 70)  # the Note column
    w.header(3, "Company", "公司", ["Mkt cap", "PE TTM", "PE 25E", "PE 26E", "P/B", "P/S", "Note"])
    row = 4
    first = row
    for peer in data.get("peers", []):
        w.ws.write(row, 0, peer.get("name", ""), f["text"])
        w.ws.write(row, 1, peer.get("name_zh", ""), f["text"])
        for j, key in enumerate(("market_cap_bn", "pe_ttm", "pe_25e", "pe_26e", "pb", "ps")):
            if isinstance(peer.get(key), (int, float)):
                w.ws.write(row, FIRST_VALUE_COL + j, peer[key], f["number1" if j == 0 else "multiple"])
        w.ws.write(row, FIRST_VALUE_COL + 6, peer.get("note", ""), f["note"])
        row += 1
    ps_col = FIRST_VALUE_COL + 5
    ps_range = span(first, ps_col, max(first, row - 1), ps_col, True)
    row += 1
    if row - 2 >= first:
        w.labels(row, "Peer median P/S", "可比公司市销率中位数", "label_bold")
        w.formula(row, ps_col, f"=MEDIAN({ps_range})", "multiple")
        median = cell(row, ps_col, True)
        row += 2
    else:
        median = None
    w.text(row, 0, "KC cross-checks", "section")
    row += 1
    w.header(row, "Measure", "指标", ["KC_* (add-in)", "Native audit", "Difference"])
    row += 1
    v = data["valuation"]
    checks = []
    if v.get("multiple"):
        checks += [
            ("ps_target", "P/S target (US$ per ADS)", "市销率目标价（美元/ADS）",
             "=KC_MULTIPLE_TARGET(PS_Multiple,PS_Revenue,PS_Count,1/ADS_FX)",
             "=PS_Multiple*PS_Revenue/PS_Count/ADS_FX", "per_share_bold"),
            ("ps_market", "P/S at the US$ ADS price", "当前市销率", "=KC_MARKET_MULTIPLE(ADS_Price,PS_Revenue,PS_Count,"
             "1/ADS_FX)", "=ADS_Price*ADS_FX*PS_Count/PS_Revenue", "multiple"),
        ]
        if median:
            checks.append(("ps_peer", "Value at peer median P/S (US$ per ADS)", "按可比中位数估值",
                           f"=KC_MULTIPLE_TARGET({median},PS_Revenue,PS_Count,1/ADS_FX)",
                           f"={median}*PS_Revenue/PS_Count/ADS_FX", "per_share"))
    if "LTM_Revenue" in model.refs:
        checks.append(("ev_revenue", "EV / LTM revenue at the HK$ price", "企业价值/收入",
                       "=KC_MARKET_MULTIPLE(Price,LTM_Revenue,Shares,FX,NetDebt)",
                       "=(Price/FX*Shares+NetDebt)/LTM_Revenue", "multiple"))
    for key, en, zh, kc, native, fmt in checks:
        w.labels(row, en, zh)
        w.formula(row, 2, kc, fmt)
        w.formula(row, 3, native, fmt)
        w.formula(row, 4, f"={cell(row, 2)}-{cell(row, 3)}", "diff")
        model.refs[key] = on("Comps", cell(row, 2, True))
        model.checks.append({"en": f"Comps audit: {en}", "zh": f"可比核对：{zh}",
                             "cells": [f"ABS({on('Comps', cell(row, 4))})<=1E-9*MAX(1,ABS({on('Comps', cell(row, 3))}))"]})
        row += 1
    w.ws.freeze_panes(4, 2)
