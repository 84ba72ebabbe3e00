"""Assumptions sheet: market data with their dates, the conventions, the scenario switch, and the house
discount rate built up per scenario (KC_COST_OF_EQUITY, KC_WACC) with a visible override. Every input
is a defined name, blue on yellow."""

from __future__ import annotations

import datetime as dt

from kcfuncs.rating import SCALES
from workbook.template.layout import FIRST_VALUE_COL, GENERIC_NOTES, Model, Writer, cell, on, span

PEG_LOW, PEG_HIGH = 7.75, 7.85     # the Hong Kong dollar's convertibility band, HKD per USD


def _date(value) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(str(value)), dt.time())


def write_assumptions(w: Writer, model: Model) -> None:
    data, v, f, p = model.data, model.data["valuation"], w.f, model.plan
    house = data["house"]
    w.title("Assumptions", "假设", "Blue cells on yellow are inputs (each a defined name, in column E); black: "
                                   "formulas; green: links to other sheets. CNY millions unless stated.")
    w.ws.set_column(0, 0, 40)
    w.ws.set_column(1, 1, 16)
    w.ws.set_column(2, 2, 12)
    w.ws.set_column(3, 3, 11)
    w.ws.set_column(4, 4, 14)
    w.ws.set_column(5, 8, 11)
    m0, m2 = data.get("market_000", {}), data.get("market_002", {})
    sources, dates = v.get("sources", {}), v.get("dates", {})
    w.text(2, 0, "Market data and conventions", "section")
    w.header(3, "Input", "输入", ["Value", "Date", "Name", "Source"])
    rows = [
        ("ValuationDate", "Valuation date", "估值日", _date(v["valuation_date"]), "date", ""),
        ("Price", "Share price (HK$)", "股价（港元）", v["price"], "per_share", ""),
        ("Shares", "Shares outstanding (m)", "总股本（百万股）", v["shares"], "number1", ""),
        ("FX", "HKD per CNY", "汇率 港元/人民币", v["fx"], "per_share", ""),
        ("ADS_FX", "CNY per USD", "汇率 人民币/美元", v["ads_fx"], "per_share", ""),
        ("ADS_Ratio", "Shares per ADS", "每 ADS 股数", v.get("ads_ratio", 1), "general", ""),
        ("ADS_Price", "ADS price (US$)", "ADS 股价（美元）", v.get("ads_price", 0), "per_share", ""),
    ]
    if m0.get("week52_low_usd") is not None and m0.get("week52_high_usd") is not None:
        rows += [("W52_Low", "52-week low (US$ per ADS)", "52周最低（美元）", m0["week52_low_usd"], "per_share", ""),
                 ("W52_High", "52-week high (US$ per ADS)", "52周最高（美元）", m0["week52_high_usd"], "per_share", "")]
    ltm = v.get("ltm_revenue", m2.get("ltm_revenue_m"))
    if ltm is not None:
        rows.append(("LTM_Revenue", "LTM revenue (CNY m)", "过去12个月收入", ltm, "number1", ""))
    rows += [
        ("NetDebt", "Net debt used by the report DCF (CNY m)", "报告净负债", v["net_debt"], "number1", ""),
        ("Scenario", "Live scenario (drives every sheet)", "当前情景", v["live_scenario"], "text",
         "drivers, statements, DCF, sensitivity, Summary"),
        ("Timing", "House DCF: flow timing in each period", "现金流时点", house.get("timing", "end"), "text",
         "end = at each period end; mid = mid-period; dated from the valuation date"),
        ("Stub", "House DCF: count the stub period", "计入残余期", house.get("stub", "yes"), "text",
         "yes = the part of the valuation date's year after that date"),
        ("Convention", "Report DCF convention", "报告折现惯例", v.get("convention", "end"), "text",
         "the report's own: end = whole years from the valuation date"),
        ("RatingScale", "Report DCF rating scale", "报告评级标准", v["rating_scale"], "text", "see the Rating sheet"),
        ("TieTolerance", "Tie-out tolerance (CNY m)", "勾稽容差", 1, "general",
         "printed figures are rounded to 1m; subtotals may differ by 1"),
        ("DataFile", "Data file for the RefreshKCData macro", "数据文件", "", "text",
         "path of a company data file (.toml); blank: the data embedded in the add-in"),
    ]
    row = 4
    where = {}
    for name, en, zh, value, kind, note in rows:
        note = sources.get(name, note if name in GENERIC_NOTES else note)
        w.labels(row, en, zh)
        fmt = "text_input" if kind == "text" else f"{kind}_input"
        if kind == "date":
            w.ws.write_datetime(row, 2, value, f["date_input"])
        else:
            w.ws.write(row, 2, value, f[fmt])
        if name in dates:
            w.ws.write_datetime(row, 3, _date(dates[name]), f["date"])
        elif name == "ValuationDate":
            w.ws.write_formula(row, 3, "=ValuationDate", f["date"])
        w.ws.write(row, 4, name, f["note"])
        if note:
            w.text(row, 5, model.note(w.name, f"{en}: {note}"), "marker")
        w.define(name, row, 2)
        model.refs[name] = on(w.name, cell(row, 2, True))
        where[name] = row
        row += 1
    validations = {"Convention": ["end", "mid"], "Scenario": p.scenarios, "RatingScale": list(SCALES),
                   "Timing": ["end", "mid"], "Stub": ["yes", "no"]}
    for name, options in validations.items():
        w.ws.data_validation(where[name], 2, where[name], 2, {"validate": "list", "source": options})

    # Derived market figures at the valuation date.
    row += 1
    w.text(row, 0, "At the valuation date", "section")
    row += 1
    pegged = v.get("quote_currency", "HKD") == "HKD" and v.get("ads_currency", "USD") == "USD"
    derived = [
        ("HKD_USD", "Implied HKD per USD (FX x CNY per USD)", "隐含港元/美元", "=FX*ADS_FX", "per_share")]
    if pegged:  # the Hong Kong dollar trades inside a band around 7.80 per US dollar
        derived.append(("PegOK_Cell", f"  inside the HKD peg band {PEG_LOW}-{PEG_HIGH}", "联系汇率区间",
                        f'=IF(AND(HKD_USD>={PEG_LOW},HKD_USD<={PEG_HIGH}),"OK","NOT OK")', "text"))
    derived += [
        ("MarketCap", "Market capitalisation (CNY m, price x shares / FX)", "市值", "=Price*Shares/FX", "number"),
        ("ADS_Equivalent", "HK$ price per ADS in US$ (x ADS ratio / HKD per USD)", "ADS 等值价格（美元）",
         "=Price*ADS_Ratio/HKD_USD", "per_share"),
    ]
    for name, en, zh, formula, fmt in derived:
        row = w.line(row, en, zh, formula, fmt)
        if name == "PegOK_Cell":
            w.define("PegOK", row - 1, 2)
            model.checks.append({"en": "Implied HKD/USD inside the 7.75-7.85 peg band", "zh": "隐含汇率在联系汇率区间内",
                                 "cells": [f"{on(w.name, cell(row - 1, 2))}=\"OK\""]})
        else:
            w.define(name, row - 1, 2)

    # Scenarios: probabilities and the house discount rate.
    row += 1
    w.text(row, 0, "Scenarios and the house discount rate (CAPM build-up; blank override = built)", "section")
    row += 1
    names = p.scenarios
    live_col = FIRST_VALUE_COL + len(names)
    w.header(row, "Per scenario", "情景", names + ["Live"])
    header_row = row
    model.refs["scenario_names"] = on(w.name, span(row, FIRST_VALUE_COL, row, live_col - 1, True))
    names_ref = model.refs["scenario_names"]  # header cells: a reference, not a defined name (names are inputs)
    row += 1
    cases = {c["name"]: c for c in data["house_cases"]}
    debt_2024 = "+".join(model.live(key, p.history[-1], w.name) for _, key in p.signed("debt")) or "0"
    table = [
        ("probability", "Probability", "情景概率", "percent", None),
        ("risk_free", "Risk-free rate", "无风险利率", "percent", None),
        ("beta", "Equity beta", "贝塔", "per_share", None),
        ("equity_risk_premium", "Equity risk premium", "股权风险溢价", "percent", None),
        ("country_premium", "Country risk premium", "国家风险溢价", "percent", None),
        ("pre_tax_cost_of_debt", "Pre-tax cost of debt", "税前债务成本", "percent", None),
        ("tax_rate", "Tax rate on interest", "利息税率", "percent", None),
        ("debt_weight", f"Debt weight D/V (borrowings {p.history[-1]} / (+ market cap))", "债务权重", "percent",
         lambda col: f"=({debt_2024})/(({debt_2024})+MarketCap)"),
        ("cost_of_equity", "Cost of equity (KC_COST_OF_EQUITY)", "股权成本", "percent", "ke"),
        ("wacc_built", "WACC built up (KC_WACC)", "WACC（构建）", "percent", "wacc"),
        ("wacc_override", "WACC override (blank = built)", "WACC 覆盖", "percent", None),
        ("wacc", "WACC used", "采用 WACC", "percent", "used"),
        ("terminal_growth", "Terminal growth", "永续增长率", "percent", None),
    ]
    at = {}
    for key, *_ in table:
        at[key] = row
        row += 1
    for key, en, zh, fmt, how in table:
        r = at[key]
        w.labels(r, en, zh, "label_bold" if key == "wacc" else "label")
        for j, name in enumerate(names):
            col = FIRST_VALUE_COL + j
            c = lambda k: cell(at[k], col)  # noqa: E731
            if how is None:
                value = cases[name].get(key)
                w.value(r, col, value, f"{fmt}_input")
                w.define(f"House_{name}_{key}", r, col)
            elif how == "ke":
                w.formula(r, col, f"=KC_COST_OF_EQUITY({c('risk_free')},{c('beta')},{c('equity_risk_premium')},"
                                  f"{c('country_premium')})", fmt)
            elif how == "wacc":
                w.formula(r, col, f"=KC_WACC({c('risk_free')},{c('beta')},{c('equity_risk_premium')},"
                                  f"{c('pre_tax_cost_of_debt')},{c('tax_rate')},{c('debt_weight')},"
                                  f"{c('country_premium')})", fmt)
            elif how == "used":
                w.formula(r, col, f'=IF({c("wacc_override")}="",{c("wacc_built")},{c("wacc_override")})', fmt + "_bold")
            else:
                w.formula(r, col, how(col), fmt)
        w.formula(r, live_col, f"=INDEX({span(r, FIRST_VALUE_COL, r, live_col - 1)},MATCH(Scenario,{names_ref},0))",
                  fmt + "_bold")
    w.define("WACC", at["wacc"], live_col)
    w.define("TerminalGrowth", at["terminal_growth"], live_col)
    w.define("House_Probabilities", at["probability"], FIRST_VALUE_COL, at["probability"], live_col - 1)
    w.labels(row, "  probabilities add up to 100%", "概率合计", "label_indent")
    w.formula(row, FIRST_VALUE_COL, f"=ABS(SUM(House_Probabilities)-1)<=1E-9", "check")
    model.checks.append({"en": "Scenario probabilities add up to 100%", "zh": "情景概率合计为100%",
                         "cells": [on(w.name, cell(row, FIRST_VALUE_COL))]})
    model.refs["house_rows"] = at
    model.refs["house_header_row"] = header_row
    row += 2
    w.text(row, 0, "The house discount rate is in USD terms applied to CNY flows (as the DCF report does); see note.",
           "note")
    w.text(row, 5, model.note(w.name, "Discount rate: " + house.get("note", "")), "marker")
    row += 2
    w.write_notes(model, row, width_cols=8)
    w.ws.freeze_panes(4, 2)
