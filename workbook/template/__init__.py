"""The model workbook: a company's statements and a valuation driven by KC_* formulas.

``write_template`` lays the sheets out with XlsxWriter from a company data file (``workbook.company``);
``workbook.commands.build`` then fills every formula's cached value. Every input is a defined name on the
Assumptions sheet; nothing volatile (OFFSET, INDIRECT, TODAY, NOW, RAND) sits upstream of a KC_* cell.

Sheets: Summary, Assumptions, DCF, Sensitivity, Rating, Comps, Income Statement, Balance Sheet,
Cash Flow, Checks, Self-check, About, xlwings.conf.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from kcfuncs.rating import SCALES
from workbook.company import STATEMENTS
from workbook.company.inputs import case_name, line_name
from workbook.template.styles import make_formats

# Notes on inputs that hold for any company; the rest come from the data file's valuation.sources.
GENERIC_NOTES = ("Convention", "Scenario", "RatingScale", "TieTolerance", "DataFile")
SHEET_ORDER = ("Summary", "Assumptions", "DCF", "Sensitivity", "Rating", "Comps", "Income Statement",
               "Balance Sheet", "Cash Flow", "Checks", "Self-check", "About", "xlwings.conf")
STATEMENT_SHEETS = {"income_statement": ("Income Statement", "损益表"), "balance_sheet": ("Balance Sheet", "资产负债表"),
                    "cash_flow": ("Cash Flow", "现金流量表")}
FIRST_VALUE_COL = 2          # column C: labels take A (English) and B (中文)
UDF_MODULE = "addin.functions"
SENS_WACC_STEPS = 7          # rows of the WACC x g grids, centred on the live WACC
SENS_GROWTH_STEPS = 5        # columns, centred on the live terminal growth
EXIT_MULTIPLES = (10, 12, 14, 16, 18)


def cell(row: int, col: int, absolute: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, absolute, absolute)


def span(row1: int, col1: int, row2: int, col2: int, absolute: bool = False) -> str:
    return f"{cell(row1, col1, absolute)}:{cell(row2, col2, absolute)}"


def on(sheet: str, ref: str) -> str:
    return f"'{sheet}'!{ref}"


@dataclass
class Model:
    """Where things landed, so later sheets can refer to them."""

    data: dict
    years: list[str]
    line_cells: dict[str, tuple[str, int]] = field(default_factory=dict)   # key -> (sheet, row) of the live line
    printed_cells: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> row of the figure as printed
    checks: list[dict] = field(default_factory=list)                        # rows for the Checks sheet
    refs: dict[str, str] = field(default_factory=dict)                      # named places

    def printed_ref(self, key: str, year_index: int, absolute: bool = False) -> str:
        sheet, row = self.printed_cells[key]
        return on(sheet, cell(row, FIRST_VALUE_COL + year_index, absolute))


CURRENCY_SYMBOLS = {"HKD": ("HK$", "港元"), "USD": ("US$", "美元"), "CNY": ("CNY", "人民币"), "EUR": ("€", "欧元"),
                    "GBP": ("£", "英镑"), "JPY": ("¥", "日元")}
KC_CURRENCIES = {"model": "CNY", "quote": "HKD", "ads": "USD"}


def localiser(valuation: dict):
    """Labels are written for CNY figures, HK$ shares and US$ ADSs; other currencies swap in."""
    chosen = {"model": valuation.get("model_currency", "CNY"), "quote": valuation.get("quote_currency", "HKD"),
              "ads": valuation.get("ads_currency", "USD")}
    if chosen == KC_CURRENCIES:
        return lambda text: text
    pairs = []
    for role, default in KC_CURRENCIES.items():
        new_symbol, new_chinese = CURRENCY_SYMBOLS.get(chosen[role], (chosen[role], chosen[role]))
        if role == "model":  # money amounts are labelled by code: "USD m", not "US$ m"
            new_symbol = chosen[role]
        old_symbol, old_chinese = CURRENCY_SYMBOLS[default]
        pairs += [(old_symbol, new_symbol), (default, chosen[role]), (old_chinese, new_chinese)]

    def localise(text):
        if not isinstance(text, str):
            return text
        # Two phases, so a replacement is never replaced again.
        for i, (old, _) in enumerate(pairs):
            text = text.replace(old, f"\x00{i}\x00")
        for i, (_, new) in enumerate(pairs):
            text = text.replace(f"\x00{i}\x00", new)
        return text

    return localise


class Writer:
    """An XlsxWriter worksheet with the template's conventions."""

    def __init__(self, book, formats, name: str, localise=lambda text: text):
        self.book, self.f, self.name, self.tr = book, formats, name, localise
        self.ws = book.add_worksheet(name)
        self.extent = [0, 0]  # last row and column written, for the print area
        self.ws.set_column(0, 0, 34)
        self.ws.set_column(1, 1, 18)
        self.ws.set_column(2, 12, 11)
        self.ws.hide_gridlines(2)

    def title(self, en: str, zh: str, subtitle: str = "") -> None:
        self.ws.write(0, 0, f"{en}  {zh}", self.f["title"])
        if subtitle:
            self.ws.write(1, 0, self.tr(subtitle), self.f["subtitle"])

    def labels(self, row: int, en: str, zh: str = "", fmt: str = "label") -> None:
        self.reach(row, 1)
        self.ws.write(row, 0, self.tr(en), self.f[fmt])
        if zh:
            self.ws.write(row, 1, self.tr(zh), self.f[fmt])

    def text(self, row: int, col: int, text: str, fmt: str = "text") -> None:
        self.ws.write(row, col, self.tr(text), self.f[fmt])
        self.reach(row, col)

    def header(self, row: int, first: str, second: str, values, col: int = FIRST_VALUE_COL) -> None:
        self.ws.write(row, 0, self.tr(first), self.f["header_left"])
        self.ws.write(row, 1, self.tr(second), self.f["header_left"])
        for j, value in enumerate(values):
            self.ws.write(row, col + j, self.tr(value), self.f["header"])
        self.reach(row, col + len(values) - 1)

    def formula(self, row: int, col: int, text: str, fmt: str = "number") -> None:
        self.ws.write_formula(row, col, text, self.f[fmt])
        self.reach(row, col)

    def reach(self, row: int, col: int) -> None:
        self.extent = [max(self.extent[0], row), max(self.extent[1], col)]

    def line(self, row: int, en: str, zh: str, formula: str, fmt: str = "number") -> int:
        """A labelled one-value row (value in column C); returns the next row."""
        self.labels(row, en, zh)
        self.formula(row, 2, formula, fmt)
        return row + 1

    def define(self, name: str, row: int, col: int, row2: int | None = None, col2: int | None = None) -> str:
        target = cell(row, col, True) if row2 is None else span(row, col, row2, col2, True)
        self.book.define_name(name, f"={on(self.name, target)}")
        return name


# ---------------------------------------------------------------------------------------------------
# Assumptions


def write_assumptions(w: Writer, model: Model) -> None:
    data, v, f = model.data, model.data["valuation"], w.f
    w.title("Assumptions", "假设", "Blue cells on yellow are inputs; every input is a defined name. CNY millions "
                                   "unless stated.")
    w.ws.set_column(2, 2, 14)
    w.ws.set_column(3, 3, 16)
    w.ws.set_column(4, 5, 14)  # notes in E overflow to the right; E and F also hold scenario columns
    w.header(3, "Input", "输入", ["Value", "Name", "Source / note"])
    m0 = data.get("market_000", {})
    sources = v.get("sources", {})
    rows = [
        ("ValuationDate", "Valuation date", "估值日", dt.date.fromisoformat(v["valuation_date"]), "date",
         ""),
        ("Price", "Share price (HK$)", "股价（港元）", v["price"], "per_share", ""),
        ("Shares", "Shares outstanding (m)", "总股本（百万股）", v["shares"], "number1", ""),
        ("NetDebt", "Net debt (CNY m)", "净负债（百万元）", v["net_debt"], "number1", ""),
        ("FX", "HKD per CNY", "汇率 港元/人民币", v["fx"], "per_share", ""),
        ("ADS_Ratio", "Shares per ADS", "每 ADS 股数", v.get("ads_ratio", 1), "general", ""),
        ("ADS_FX", "CNY per USD", "汇率 人民币/美元", v["ads_fx"], "per_share",
         ""),
        ("ADS_Price", "ADS price (US$)", "ADS 股价（美元）", v.get("ads_price", 0), "per_share", ""),
        ("Convention", "Discounting convention", "折现惯例", v.get("convention", "end"), "text",
         "end = end of year (as Excel NPV); mid = mid-year"),
        ("Scenario", "Live scenario", "当前情景", v["live_scenario"], "text", "drives DCF, Sensitivity and Summary"),
        ("RatingScale", "Rating scale", "评级标准", v["rating_scale"], "text", "see the Rating sheet"),
        ("TieTolerance", "Tie-out tolerance (CNY m)", "勾稽容差", 1, "general",
         "printed figures are rounded to 1m; subtotals may differ by 1"),
        ("DataFile", "Data file for the RefreshKCData macro", "数据文件", "", "text",
         "path of a company data file (.toml); blank: the data embedded in the add-in"),
    ]
    # Optional market data: rows only where the data file has them.
    ltm = v.get("ltm_revenue", data.get("market_002", {}).get("ltm_revenue_m"))
    if ltm is not None:
        rows.insert(9, ("LTM_Revenue", "LTM revenue (CNY m)", "过去12个月收入", ltm, "number1", ""))
    if m0.get("week52_low_usd") is not None and m0.get("week52_high_usd") is not None:
        rows[9:9] = [("W52_Low", "52-week low (US$ per ADS)", "52周最低（美元）", m0["week52_low_usd"], "per_share", ""),
                     ("W52_High", "52-week high (US$ per ADS)", "52周最高（美元）", m0["week52_high_usd"], "per_share", "")]
    row = 4
    for name, en, zh, value, kind, note in rows:
        note = sources.get(name, note if name in GENERIC_NOTES else "")
        w.labels(row, en, zh)
        fmt = "text_input" if kind == "text" else f"{kind}_input"
        if kind == "date":
            w.ws.write_datetime(row, 2, dt.datetime.combine(value, dt.time()), f["date_input"])
        else:
            w.ws.write(row, 2, value, f[fmt])
        w.ws.write(row, 3, name, f["note"])
        w.text(row, 4, note, "note")
        w.reach(row, 8)  # the note overflows to the right; print it whole
        w.define(name, row, 2)
        model.refs[name] = on(w.name, cell(row, 2, True))
        row += 1
    names = [case["name"] for case in data["scenarios"]]
    validations = {"Convention": ["end", "mid"], "Scenario": names, "RatingScale": list(SCALES)}
    for i, (name, *_rest) in enumerate(rows):
        if name in validations:
            w.ws.data_validation(4 + i, 2, 4 + i, 2, {"validate": "list", "source": validations[name]})

    # Multiple-based target inputs.
    mult = v.get("multiple")
    row += 1
    w.text(row, 0, "Multiple-based target", "section")
    row += 1
    if mult:
        for name, en, zh, value, fmt, note in (
            ("PS_Multiple", "P/S multiple", "市销率倍数", mult["multiple"], "number1_input", sources.get("PS_Multiple", "")),
            ("PS_Year", "Revenue year", "收入年份", mult["metric_year"], "text_input", ""),
            ("PS_Count", "ADS count (m)", "ADS 数量（百万）", mult["count"], "number1_input", sources.get("PS_Count", "")),
        ):
            w.labels(row, en, zh)
            w.ws.write(row, 2, value, f[fmt])
            w.ws.write(row, 3, name, f["note"])
            w.ws.write(row, 4, note, f["note"])
            w.define(name, row, 2)
            row += 1
        w.labels(row, "Revenue of that year (CNY m)", "该年收入")
        sheet, line_row = model.line_cells[mult["metric_key"]]
        first, last = cell(line_row, FIRST_VALUE_COL, True), cell(line_row, FIRST_VALUE_COL + len(model.years) - 1, True)
        header = cell(3, FIRST_VALUE_COL, True) + ":" + cell(3, FIRST_VALUE_COL + len(model.years) - 1, True)
        w.formula(row, 2, f"=INDEX({on(sheet, first + ':' + last)},MATCH(PS_Year,{on(sheet, header)},0))",
                  "number_link")
        w.ws.write(row, 3, "PS_Revenue", f["note"])
        w.define("PS_Revenue", row, 2)
        row += 1

    # Scenario drivers.
    row += 1
    w.text(row, 0, "Scenario drivers", "section")
    row += 1
    scen_header = row
    w.header(row, "Driver", "驱动因素", names + ["Live"])
    live_col = FIRST_VALUE_COL + len(names)
    first_case = data["scenarios"][0]
    first_year = int(first_case.get("first_year", 1))
    n_growth = len(first_case["growth"])
    header_range = span(scen_header, FIRST_VALUE_COL, scen_header, live_col - 1, True)

    def case_ranges(field, first_row, last_row):
        for j, case in enumerate(data["scenarios"]):
            w.define(case_name(case["name"], field), first_row, FIRST_VALUE_COL + j, last_row, FIRST_VALUE_COL + j)

    def driver(row, en, zh, values, fmt, name=None):
        w.labels(row, en, zh)
        for j, value in enumerate(values):
            if value is None:
                w.ws.write_blank(row, FIRST_VALUE_COL + j, None, f[f"{fmt}_input"])
            else:
                w.ws.write(row, FIRST_VALUE_COL + j, value, f[f"{fmt}_input"])
        w.formula(row, live_col, f"=INDEX({span(row, FIRST_VALUE_COL, row, live_col - 1)},"
                                 f"MATCH(Scenario,{header_range},0))", fmt + "_bold")
        if name:
            w.define(name, row, live_col)

    row += 1
    driver(row, f"Revenue {first_year}E (CNY m)", "首年收入", [c["base_revenue_m"] for c in data["scenarios"]], "number1",
           "Live_Revenue")
    model.refs["scenario_revenue_row"] = row
    case_ranges("Revenue", row, row)
    row += 1
    def yearly(row, en, zh, key, first, count, live_name, field):
        """One driver row per year, the live column named as a range; returns the next row."""
        for k in range(count):
            driver(row + k, f"{en} {first + k}E", f"{zh} {first + k}E", [c[key][k] for c in data["scenarios"]],
                   "percent")
        w.define(live_name, row, live_col, row + count - 1, live_col)
        case_ranges(field, row, row + count - 1)
        return row + count

    growth_first = row
    row = yearly(row, "Revenue growth", "收入增长", "growth", first_year + 1, n_growth, "Live_Growth", "Growth")
    margin_first = row
    row = yearly(row, "FCF margin", "自由现金流利润率", "fcf_margin", first_year, n_growth + 1, "Live_Margins",
                 "Margins")
    wacc_row = row
    driver(row, "WACC", "加权平均资本成本", [c["wacc"] for c in data["scenarios"]], "percent", "WACC")
    case_ranges("WACC", row, row)
    row += 1
    driver(row, "Terminal growth", "永续增长率", [c["terminal_growth"] for c in data["scenarios"]], "percent",
           "TerminalGrowth")
    case_ranges("TerminalGrowth", row, row)
    row += 1
    probabilities = [c.get("probability") for c in data["scenarios"]]
    prob_row = None
    if all(p is not None for p in probabilities):
        prob_row = row
        driver(row, "Probability", "情景概率", probabilities, "percent")
        row += 1
    w.labels(row, "Value in the source report (HK$)", "报告所载价值", "note")
    for j, case in enumerate(data["scenarios"]):
        if case.get("printed_value_hkd") is not None:
            w.ws.write(row, FIRST_VALUE_COL + j, case["printed_value_hkd"], f["per_share"])
    model.refs.update(scen_header=scen_header, growth_first=growth_first, margin_first=margin_first,
                      wacc_row=wacc_row, prob_row=prob_row, printed_row=row, first_year=first_year,
                      n_growth=n_growth)
    w.ws.freeze_panes(4, 2)


# ---------------------------------------------------------------------------------------------------
# DCF


def write_dcf(w: Writer, model: Model) -> None:
    data = model.data
    r = model.refs
    first_year, n_growth = r["first_year"], r["n_growth"]
    n = n_growth + 1
    years = [f"{first_year + k}E" for k in range(n)]
    a = "Assumptions"
    w.title("DCF", "现金流折现", "CNY millions. KC_* cells are computed by the add-in; the audit column recomputes "
                                "each with native Excel and the difference must be 0.")
    w.header(3, "Free cash flow (live scenario)", "自由现金流（当前情景）", years)
    c0, cN = FIRST_VALUE_COL, FIRST_VALUE_COL + n - 1
    live_col = FIRST_VALUE_COL + len(data["scenarios"])
    rows = {"revenue": 4, "growth": 5, "margin": 6, "fcf": 7, "t": 8, "df": 9, "pv": 10}
    w.labels(rows["revenue"], "Revenue", "收入")
    w.labels(rows["growth"], "Revenue growth", "收入增长", "label_indent")
    w.labels(rows["margin"], "FCF margin", "自由现金流利润率", "label_indent")
    w.labels(rows["fcf"], "Free cash flow", "自由现金流", "label_bold")
    w.labels(rows["t"], "Discount period (years)", "折现期（年）", "label_indent")
    w.labels(rows["df"], "Discount factor", "折现系数", "label_indent")
    w.labels(rows["pv"], "PV of free cash flow", "自由现金流现值")
    for k in range(n):
        col = FIRST_VALUE_COL + k
        if k == 0:
            w.formula(rows["revenue"], col, "=Live_Revenue", "number_link")
        else:
            growth = on(a, cell(r["growth_first"] + k - 1, live_col, True))
            w.formula(rows["revenue"], col, f"={cell(rows['revenue'], col - 1)}*(1+{growth})")
            w.formula(rows["growth"], col, f"={cell(rows['revenue'], col)}/{cell(rows['revenue'], col - 1)}-1",
                      "percent")
        w.formula(rows["margin"], col, f"={on(a, cell(r['margin_first'] + k, live_col, True))}", "percent_link")
        w.formula(rows["fcf"], col, f"={cell(rows['revenue'], col)}*{cell(rows['margin'], col)}", "number_bold")
        w.formula(rows["t"], col, f"={k + 1}-IF(Convention=\"mid\",0.5,0)", "number1")
        w.formula(rows["df"], col, f"=1/(1+WACC)^{cell(rows['t'], col)}", "diff")
        w.formula(rows["pv"], col, f"={cell(rows['fcf'], col)}*{cell(rows['df'], col)}")
    fcf = span(rows["fcf"], c0, rows["fcf"], cN, True)
    final = cell(rows["fcf"], cN, True)
    model.refs["fcf_range"] = on("DCF", fcf)
    w.book.define_name("Live_FCF", f"={on('DCF', fcf)}")

    top = 12
    w.text(top, 0, "Valuation", "section")
    w.header(top + 1, "Item", "项目", ["KC_* (add-in)", "Native audit", "Difference", "Check"])
    args = "Live_FCF,WACC,TerminalGrowth,NetDebt,Shares,FX,Convention"
    lines = [
        ("tv", "Terminal value (Gordon)", "永续价值", f"=KC_TERMINAL({final},WACC,TerminalGrowth)",
         f"={final}*(1+TerminalGrowth)/(WACC-TerminalGrowth)", "number"),
        ("pv_explicit", "PV of explicit FCF", "预测期现值", f'=KC_DCF({args},"pv_explicit")',
         "=NPV(WACC,Live_FCF)*IF(Convention=\"mid\",(1+WACC)^0.5,1)", "number"),
        ("pv_terminal", "PV of terminal value", "永续价值现值", f'=KC_DCF({args},"pv_terminal")',
         f"={{tv}}/(1+WACC)^{n}", "number"),
        ("ev", "Enterprise value", "企业价值", f'=KC_DCF({args},"ev")', "={pv_explicit}+{pv_terminal}", "number_bold"),
        ("tv_share", "Terminal value share of EV", "永续价值占比", f'=KC_DCF({args},"tv_share")', "={pv_terminal}/{ev}",
         "percent"),
        ("equity", "Equity value", "股权价值", f'=KC_DCF({args},"equity")', "={ev}-NetDebt", "number"),
        ("per_share", "Value per share (HK$)", "每股价值（港元）", f"=KC_DCF({args})", "={equity}/Shares*FX",
         "per_share_bold"),
        ("per_ads", "Value per ADS (US$)", "每 ADS 价值（美元）",
         '=KC_DCF(Live_FCF,WACC,TerminalGrowth,NetDebt,Shares,1/ADS_FX,Convention,"per_ads",,,,,,,,,ADS_Ratio)',
         "={equity}/Shares/ADS_FX*ADS_Ratio", "per_share"),
        ("upside", "Upside to HK$ price", "潜在涨幅", "=KC_UPSIDE({per_share_kc},Price)", "={per_share}/Price-1",
         "percent"),
    ]
    row = top + 2
    audit, kc = {}, {}
    for key, en, zh, kc_formula, native, fmt in lines:
        kc[key], audit[key] = cell(row, 2), cell(row, 3)
        row += 1
    row = top + 2
    for key, en, zh, kc_formula, native, fmt in lines:
        w.labels(row, en, zh, "label_bold" if fmt.endswith("bold") else "label")
        w.formula(row, 2, kc_formula.replace("{per_share_kc}", kc["per_share"]), fmt)
        w.formula(row, 3, native.format(**audit), fmt)
        w.formula(row, 4, f"={cell(row, 2)}-{cell(row, 3)}", "diff")
        w.formula(row, 5, f"=ABS({cell(row, 4)})<=1E-9*MAX(1,ABS({cell(row, 3)}))", "check")
        model.checks.append({"en": f"DCF audit: {en}", "zh": f"现金流折现核对：{zh}", "cells": [on("DCF", cell(row, 5))]})
        row += 1
    model.refs.update({f"dcf_{k}": on("DCF", kc[k].replace("$", "")) for k in kc})
    model.refs["dcf_per_share_abs"] = on("DCF", cell(top + 2 + [l[0] for l in lines].index("per_share"), 2, True))
    w.labels(row, "Rating", "评级", "label_bold")
    w.formula(row, 2, f"=KC_RATING({kc['per_share']},Price,RatingScale)", "big_text")
    w.formula(row, 3, f'=KC_RATING({kc["per_share"]},Price,RatingScale,"zh")', "big_text")
    row += 2

    w.text(row, 0, "Reverse DCF: what the price implies", "section")
    row += 1
    row = w.line(row, "Implied exit multiple of the terminal value (x FCF)", "隐含退出倍数",
                 f"=KC_IMPLIED_MULTIPLE({kc['tv']},{final})", "multiple")
    model.refs["implied_wacc"] = on("DCF", cell(row, 2))
    row = w.line(row, "WACC implied by the HK$ price", "股价隐含 WACC",
                 "=KC_IMPLIED_WACC(Live_FCF,TerminalGrowth,Price,NetDebt,Shares,FX,Convention)", "percent")
    row = w.line(row, "FCF-margin shift implied by the price (pp, every year)", "股价隐含利润率调整",
                 "=KC_IMPLIED_MARGIN_SHIFT(Live_Revenue,Live_Growth,Live_Margins,WACC,TerminalGrowth,Price,"
                 "NetDebt,Shares,FX,Convention)", "percent")
    row += 1

    # Every scenario valued side by side.
    w.text(row, 0, "Scenarios", "section")
    row += 1
    w.header(row, "Case", "情景", years + ["WACC", "g", "HK$/share", "US$/ADS", "Report", "vs report"])
    row += 1
    scen_rows = {}
    a_rows = r
    for j, case in enumerate(data["scenarios"]):
        col_a = FIRST_VALUE_COL + j
        w.labels(row, f"{case['name']}: revenue", "收入", "label_indent")
        w.labels(row + 1, f"{case['name']}: free cash flow", "自由现金流", "label_bold")
        for k in range(n):
            col = FIRST_VALUE_COL + k
            if k == 0:
                w.formula(row, col, f"={on(a, cell(a_rows['scenario_revenue_row'], col_a, True))}", "number_link")
            else:
                growth = on(a, cell(a_rows["growth_first"] + k - 1, col_a, True))
                w.formula(row, col, f"={cell(row, col - 1)}*(1+{growth})")
            margin = on(a, cell(a_rows["margin_first"] + k, col_a, True))
            w.formula(row + 1, col, f"={cell(row, col)}*{margin}", "number_bold")
        wacc = on(a, cell(a_rows["wacc_row"], col_a, True))
        growth_t = on(a, cell(a_rows["wacc_row"] + 1, col_a, True))
        c = FIRST_VALUE_COL + n
        w.formula(row + 1, c, f"={wacc}", "percent_link")
        w.formula(row + 1, c + 1, f"={growth_t}", "percent_link")
        flows = span(row + 1, FIRST_VALUE_COL, row + 1, FIRST_VALUE_COL + n - 1)
        w.formula(row + 1, c + 2, f"=KC_DCF({flows},{cell(row + 1, c)},{cell(row + 1, c + 1)},NetDebt,Shares,FX,"
                                  f"Convention)", "per_share_bold")
        w.formula(row + 1, c + 3, f"={cell(row + 1, c + 2)}/FX/ADS_FX*ADS_Ratio", "per_share")
        printed = on(a, cell(a_rows["printed_row"], col_a, True))
        if case.get("printed_value_hkd") is not None:
            w.formula(row + 1, c + 4, f"={printed}", "per_share_link")
            w.formula(row + 1, c + 5, f"={cell(row + 1, c + 2)}/{cell(row + 1, c + 4)}-1", "percent")
        scen_rows[case["name"]] = {"per_share": on("DCF", cell(row + 1, c + 2, True)),
                                   "per_ads": on("DCF", cell(row + 1, c + 3, True)),
                                   "wacc": on("DCF", cell(row + 1, c, True)),
                                   "g": on("DCF", cell(row + 1, c + 1, True)),
                                   "printed": on("DCF", cell(row + 1, c + 4, True)),
                                   "vs": on("DCF", cell(row + 1, c + 5, True))}
        row += 2
    model.refs["scenarios"] = scen_rows
    # The scenario values side by side: one range for the weighted value and the Summary.
    w.labels(row, "Scenario values (HK$ per share)", "情景价值", "label_bold")
    for j, refs in enumerate(scen_rows.values()):
        w.formula(row, FIRST_VALUE_COL + j, f"={refs['per_share'].split('!')[1]}", "per_share")
    values = span(row, FIRST_VALUE_COL, row, FIRST_VALUE_COL + len(scen_rows) - 1, True)
    model.refs["scenario_values"] = on("DCF", values)
    row += 1
    if r.get("prob_row") is not None:
        probs = span(r["prob_row"], FIRST_VALUE_COL, r["prob_row"], FIRST_VALUE_COL + len(scen_rows) - 1, True)
        w.labels(row, "Probability-weighted value (HK$)", "概率加权价值", "label_bold")
        w.formula(row, FIRST_VALUE_COL, f"=KC_SCENARIO_VALUE({values},{on(a, probs)})", "per_share_bold")
        model.refs["weighted"] = on("DCF", cell(row, FIRST_VALUE_COL))
    w.ws.freeze_panes(4, 2)
    w.ws.set_column(2, 12, 12)


# ---------------------------------------------------------------------------------------------------
# Sensitivity


def write_sensitivity(w: Writer, model: Model) -> None:
    f = w.f
    w.title("Sensitivity", "敏感性分析", "HK$ per share. Rows: WACC; columns: terminal growth (or exit multiple). "
                                     "The base case is outlined.")
    w.labels(3, "WACC step", "WACC 步长")
    w.ws.write(3, 2, 0.005, f["percent_input"])
    w.define("Sens_WACC_Step", 3, 2)
    w.labels(4, "Growth step", "增长率步长")
    w.ws.write(4, 2, 0.005, f["percent_input"])
    w.define("Sens_Growth_Step", 4, 2)
    mid_w, mid_g = SENS_WACC_STEPS // 2, SENS_GROWTH_STEPS // 2
    args = "NetDebt,Shares,FX,Convention"

    def axes(top: int) -> tuple[str, str, int]:
        """WACC down column B and growth across row ``top``; returns their ranges."""
        w.ws.write(top, 1, "WACC \\ g", f["header"])
        for j in range(SENS_GROWTH_STEPS):
            w.formula(top, FIRST_VALUE_COL + j, f"=TerminalGrowth+({j - mid_g})*Sens_Growth_Step", "percent_bold")
        for i in range(SENS_WACC_STEPS):
            w.formula(top + 1 + i, 1, f"=WACC+({i - mid_w})*Sens_WACC_Step", "percent_bold")
        w_range = span(top + 1, 1, top + SENS_WACC_STEPS, 1, True)
        g_range = span(top, FIRST_VALUE_COL, top, FIRST_VALUE_COL + SENS_GROWTH_STEPS - 1, True)
        return w_range, g_range, top + 1

    def decorate(top_left_row: int, w_col_cell: str, g_row_cell: str, base_w: str, base_g: str) -> None:
        area = span(top_left_row, FIRST_VALUE_COL, top_left_row + SENS_WACC_STEPS - 1,
                    FIRST_VALUE_COL + SENS_GROWTH_STEPS - 1)
        w.ws.conditional_format(area, {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFEB84",
                                       "max_color": "#63BE7B"})
        base = w.book.add_format({"bold": True, "border": 2, "border_color": "#1F3864"})
        w.ws.conditional_format(area, {"type": "formula", "criteria": f"=AND({w_col_cell}={base_w},{g_row_cell}={base_g})",
                                       "format": base})

    # 1. One spilled call.
    w.text(6, 0, "KC_SENSITIVITY, one call spilled (needs the add-in to recalculate)", "section")
    w_range, g_range, first = axes(7)
    grid = span(first, FIRST_VALUE_COL, first + SENS_WACC_STEPS - 1, FIRST_VALUE_COL + SENS_GROWTH_STEPS - 1)
    w.ws.write_dynamic_array_formula(grid, f"=KC_SENSITIVITY(Live_FCF,{w_range},{g_range},{args})", f["per_share"])
    decorate(first, f"$B{first + 1}", f"{xl_col_to_name(FIRST_VALUE_COL)}$8", "WACC", "TerminalGrowth")

    # 2. The same grid as scalar cells, which keep their values in programs without the add-in.
    top2 = first + SENS_WACC_STEPS + 1
    w.text(top2, 0, "Same grid, one KC_DCF per cell (keeps its values everywhere)", "section")
    w_range2, g_range2, first2 = axes(top2 + 1)
    for i in range(SENS_WACC_STEPS):
        for j in range(SENS_GROWTH_STEPS):
            w.formula(first2 + i, FIRST_VALUE_COL + j,
                      f"=KC_DCF(Live_FCF,$B{first2 + i + 1},{xl_col_to_name(FIRST_VALUE_COL + j)}${top2 + 2},{args})",
                      "per_share")
    decorate(first2, f"$B{first2 + 1}", f"{xl_col_to_name(FIRST_VALUE_COL)}${top2 + 2}", "WACC", "TerminalGrowth")
    scalar_grid = span(first2, FIRST_VALUE_COL, first2 + SENS_WACC_STEPS - 1, FIRST_VALUE_COL + SENS_GROWTH_STEPS - 1)
    model.refs["sens_scalar_grid"] = on("Sensitivity", scalar_grid)

    # Both grids must agree cell for cell.
    check_row = first2 + SENS_WACC_STEPS + 1
    w.labels(check_row, "Largest difference between the two grids", "两表最大差异")
    w.formula(check_row, FIRST_VALUE_COL, f"=MAX(ABS(MAX({grid})-MAX({scalar_grid})),ABS(MIN({grid})-MIN({scalar_grid})),"
                                          f"ABS(SUM({grid})-SUM({scalar_grid})))", "diff")
    w.formula(check_row, FIRST_VALUE_COL + 1, f"={cell(check_row, FIRST_VALUE_COL)}<=1E-9", "check")
    model.checks.append({"en": "Sensitivity: spilled grid = scalar grid", "zh": "敏感性：两表一致",
                         "cells": [on("Sensitivity", cell(check_row, FIRST_VALUE_COL + 1))]})

    # 3. WACC x exit multiple (terminal value = multiple x final-year FCF).
    top3 = check_row + 2
    w.text(top3, 0, "WACC x exit multiple of final-year FCF (KC_DCF method exit)", "section")
    w.ws.write(top3 + 1, 1, "WACC \\ multiple", f["header"])
    for j, multiple in enumerate(EXIT_MULTIPLES):
        w.ws.write(top3 + 1, FIRST_VALUE_COL + j, multiple, f["multiple_input"])
    for i in range(SENS_WACC_STEPS):
        w.formula(top3 + 2 + i, 1, f"=WACC+({i - mid_w})*Sens_WACC_Step", "percent_bold")
        for j in range(len(EXIT_MULTIPLES)):
            mcell = f"{xl_col_to_name(FIRST_VALUE_COL + j)}${top3 + 2}"
            w.formula(top3 + 2 + i, FIRST_VALUE_COL + j,
                      f'=KC_DCF(Live_FCF,$B{top3 + 3 + i},,{args},"per_share",,,,"exit",{mcell})', "per_share")
    area = span(top3 + 2, FIRST_VALUE_COL, top3 + 1 + SENS_WACC_STEPS, FIRST_VALUE_COL + len(EXIT_MULTIPLES) - 1)
    w.ws.conditional_format(area, {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFEB84",
                                   "max_color": "#63BE7B"})
    w.ws.freeze_panes(0, 2)


# ---------------------------------------------------------------------------------------------------
# Rating and Comps


def write_rating(w: Writer, model: Model) -> None:
    f = w.f
    w.title("Rating", "评级", "upside = target / price - 1; a tier applies from its threshold (see the note on "
                            "boundaries).")
    w.header(3, "Scale", "标准", ["Tier (en)", "Tier (中文)", "Applies when upside", "Threshold"])
    row = 4
    for name, tiers in SCALES.items():
        for tier in tiers:
            w.ws.write(row, 0, name, f["text"])
            w.ws.write(row, 2, tier.label_en, f["text"])
            w.ws.write(row, 3, tier.label_zh, f["text"])
            if tier.threshold == float("-inf"):
                w.ws.write(row, 4, "below the tier above", f["note"])
            else:
                w.ws.write(row, 4, ">=" if tier.inclusive else ">", f["text"])
                w.ws.write(row, 5, tier.threshold, f["percent"])
            row += 1
    row += 1
    w.text(row, 0, "Live rating (DCF target vs HK$ price)", "section")
    row += 1
    target = model.refs["dcf_per_share_abs"]
    items = [
        ("Target (HK$)", "目标价", f"={target}", "per_share_link"),
        ("Price (HK$)", "现价", "=Price", "per_share_link"),
        ("Upside", "潜在涨幅", f"=KC_UPSIDE({target},Price)", "percent"),
        ("Rating, live scale", "评级（当前标准）", f"=KC_RATING({target},Price,RatingScale)", "big_text"),
        ("Rating, live scale (中文)", "评级（中文）", f'=KC_RATING({target},Price,RatingScale,"zh")', "big_text"),
        ("Rating, buy_hold_sell", "买入/持有/卖出", f'=KC_RATING({target},Price,"buy_hold_sell")', "text"),
        ("Rating, overweight_underweight", "增持/中性/减持", f'=KC_RATING({target},Price,"overweight_underweight")',
         "text"),
    ]
    for en, zh, formula, fmt in items:
        row = w.line(row, en, zh, formula, fmt)
    row += 1
    w.text(row, 0, "A custom scale: a two-column range of (minimum upside, label)", "section")
    row += 1
    custom_top = row
    for minimum, label in ((0.30, "Strong Buy"), (0.10, "Buy"), (-0.10, "Hold"), (-0.30, "Reduce"), (-1.0, "Sell")):
        w.ws.write(row, 2, minimum, f["percent_input"])
        w.ws.write(row, 3, label, f["text_input"])
        row += 1
    custom = span(custom_top, 2, row - 1, 3, True)
    row = w.line(row, "Rating on the custom scale", "自定义评级", f"=KC_RATING({target},Price,{custom})", "big_text")
    row += 1
    if "ps_target" in model.refs:
        ps = model.refs["ps_target"]
        w.text(row, 0, "Multiple-based target vs the ADS price", "section")
        row = w.line(row + 1, "P/S target (US$ per ADS)", "市销率目标价（美元）", f"={ps}", "per_share_link")
        row = w.line(row, "Upside", "潜在涨幅", f"=KC_UPSIDE({ps},ADS_Price)", "percent")
        w.line(row, "Rating (buy_hold_sell)", "评级", f'=KC_RATING({ps},ADS_Price,"buy_hold_sell")', "big_text")
        w.formula(row, 3, f'=KC_RATING({model.refs["ps_target"]},ADS_Price,"buy_hold_sell","zh")', "big_text")
        model.refs["ps_rating"] = on("Rating", cell(row, 2))
    w.ws.set_column(4, 4, 20)


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


# ---------------------------------------------------------------------------------------------------
# Statements


def write_statement(w: Writer, model: Model, statement: str) -> None:
    """Inputs as data; every subtotal as a live native formula of the lines above it, followed by the
    figure as printed and a TRUE/FALSE row saying whether the source itself ties (printed subtotal vs
    the sum of the printed parts, within TieTolerance). Lines the source does not print are formulas only."""
    f, data, years = w.f, model.data, model.years
    en, zh = STATEMENT_SHEETS[statement]
    w.title(en, zh, f"{data['company'].get('units', 'CNY millions')}; costs and outflows negative. Source: "
                    f"{data['statements'].get('source', '')}")
    w.ws.set_column(FIRST_VALUE_COL + len(years), FIRST_VALUE_COL + len(years), 90)
    w.header(3, "Line", "项目", years + ["Note"])
    row = 4
    last = FIRST_VALUE_COL + len(years) - 1
    note_col = last + 1
    for line in data[statement]:  # first pass: where every line lands (formulas may point forward)
        printed_subtotal = bool(line.get("sum_of")) and line.get("printed", True) is not False
        model.line_cells[line["key"]] = (en, row)
        model.printed_cells[line["key"]] = (en, row + 1 if printed_subtotal else row)
        row += 3 if printed_subtotal else 1
    row = 4
    for line in data[statement]:
        parts = line.get("sum_of", [])
        printed = line.get("printed", True) is not False
        w.labels(row, line["en"], line.get("zh", ""), "label_bold" if parts else "label")
        for k, value in enumerate(line["values"]):
            col = FIRST_VALUE_COL + k
            if parts:
                w.formula(row, col, "=" + "+".join(_local(model, en, p, k) for p in parts), "number_bold")
            else:
                w.ws.write(row, col, value, f["number_plug" if line.get("plug") else "number"])
        if not parts:
            w.define(line_name(line["key"]), row, FIRST_VALUE_COL, row, last)
        note = line.get("note", "")
        if line.get("plug"):
            note = "NOT PRINTED IN THE SOURCE: " + note
        if note:
            w.ws.write(row, note_col, note, f["note"])
            w.reach(row, note_col)
        row += 1
        if parts and printed:
            w.labels(row, "  as printed", "报告数", "label_indent")
            for k, value in enumerate(line["values"]):
                w.ws.write(row, FIRST_VALUE_COL + k, value, f["number_input"])
            w.define(line_name(line["key"]), row, FIRST_VALUE_COL, row, last)
            row += 1
            gap = line.get("source_gap") or [0] * len(years)
            w.labels(row, f"  source ties: printed = {' + '.join(p.replace('_', ' ') for p in parts)}", "勾稽",
                     "label_indent")
            cells = []
            for k in range(len(years)):
                col = FIRST_VALUE_COL + k
                total = "+".join(_local(model, en, p, k, printed=True) for p in parts)
                w.formula(row, col, f"=ABS({cell(row - 1, col)}-({total}))<=TieTolerance", "check")
                cells.append(on(en, cell(row, col)))
            fails = [years[k] for k, g in enumerate(gap) if abs(g) > 1]
            model.checks.append({"en": f"{en}: {line['en']} ties", "zh": f"{zh}：{line.get('zh', '')}勾稽",
                                 "cells": cells, "fails": fails})
            row += 1
    row += 1
    w.text(row, 0, "Ratios", "section")
    row += 1
    for label_en, label_zh, formula, fmt in _ratios(model, statement):
        w.labels(row, label_en, label_zh, "label_indent")
        for k in range(len(years)):
            text = formula(k)
            if text:
                w.formula(row, FIRST_VALUE_COL + k, text, fmt)
        row += 1
    w.ws.freeze_panes(4, 2)


def _local(model: Model, sheet: str, key: str, k: int, printed: bool = False) -> str:
    """Line ``key`` in year ``k``: its live row, or with ``printed`` its figure as printed."""
    line_sheet, row = (model.printed_cells if printed else model.line_cells)[key]
    ref = cell(row, FIRST_VALUE_COL + k)
    return ref if line_sheet == sheet else on(line_sheet, ref)


def _ratios(model: Model, statement: str):
    has = model.line_cells.__contains__

    def ratio(num, den, sheet):
        return lambda k: f"={_local(model, sheet, num, k)}/{_local(model, sheet, den, k)}"

    if statement == "income_statement":
        s = "Income Statement"
        out = []
        if has("revenue"):
            out.append(("Revenue growth", "收入增长", lambda k: None if k == 0 else
                        f"={_local(model, s, 'revenue', k)}/{_local(model, s, 'revenue', k - 1)}-1", "percent"))
        for key, en, zh in (("gross_profit", "Gross margin", "毛利率"), ("pretax_profit", "Pre-tax margin", "税前利润率"),
                            ("net_profit", "Net margin", "净利率")):
            if has(key) and has("revenue"):
                out.append((en, zh, ratio(key, "revenue", s), "percent"))
        if has("income_tax") and has("pretax_profit"):
            out.append(("Effective tax rate", "实际税率", lambda k: f"=-{_local(model, s, 'income_tax', k)}/"
                                                             f"{_local(model, s, 'pretax_profit', k)}", "percent"))
        return out
    if statement == "balance_sheet":
        s = "Balance Sheet"
        out = []
        if has("total_assets") and has("total_equity"):
            out.append(("Total assets / equity", "总资产/权益", ratio("total_assets", "total_equity", s), "number1"))
        if has("total_liabilities") and has("total_equity"):
            out.append(("Liabilities / equity", "负债/权益", ratio("total_liabilities", "total_equity", s), "number1"))
        if has("current_assets_total") and has("current_liabilities_total"):
            out.append(("Current ratio", "流动比率", ratio("current_assets_total", "current_liabilities_total", s),
                        "number1"))
        return out
    s = "Cash Flow"
    out = []
    if has("operating_cash_flow") and has("capex"):
        out.append(("Free cash flow (operating + capex)", "自由现金流",
                    lambda k: f"={_local(model, s, 'operating_cash_flow', k)}+{_local(model, s, 'capex', k)}", "number"))
        if has("revenue"):
            out.append(("FCF margin", "自由现金流利润率",
                        lambda k: f"=({_local(model, s, 'operating_cash_flow', k)}+{_local(model, s, 'capex', k)})/"
                                  f"{_local(model, s, 'revenue', k)}", "percent"))
    return out


# ---------------------------------------------------------------------------------------------------
# Checks, Self-check, Summary, About, xlwings.conf


def add_tie_out_checks(model: Model) -> None:
    years = model.years
    for tie in model.data.get("tie_outs", []):
        lag = int(tie.get("right_lag", 0))
        cells = []
        for k in range(lag, len(years)):
            cells.append(f"ABS({model.printed_ref(tie['left'], k)}-{model.printed_ref(tie['right'], k - lag)})"
                         f"<=TieTolerance")
        model.checks.append({"en": tie["en"], "zh": tie.get("zh", ""), "cells": cells,
                             "fails": list(tie.get("fails_in_source", [])), "years": years[lag:]})


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
    w.formula(3, 2, f'=IF(AND({status}),"OK","NOT OK")', "big_text")
    w.define("ChecksOK", 3, 2)
    w.ws.set_column(status_col - 1, status_col - 1, 16)
    w.ws.freeze_panes(6, 2)


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


def write_summary(w: Writer, model: Model) -> None:
    f, data = w.f, model.data
    company = data["company"]
    w.ws.set_column(0, 0, 30)
    w.ws.set_column(1, 1, 16)
    w.ws.set_column(2, 7, 12)
    w.ws.write(0, 0, f"{company['name_en']}  {company.get('name_zh', '')}", f["title"])
    w.ws.write(1, 0, f"{company.get('ticker_hk', '')} / {company.get('ticker_us', '')} · valuation model · "
                     f"values in HK$ per share unless stated", f["subtitle"])
    facts = [
        ("Valuation date", "估值日", "=ValuationDate", "date"),
        ("Share price (HK$)", "股价", "=Price", "per_share_link"),
        ("Target price (HK$, live DCF)", "目标价", f"={model.refs['dcf_per_share_abs']}", "per_share_big"),
        ("Upside", "潜在涨幅", f"=KC_UPSIDE({model.refs['dcf_per_share_abs']},Price)", "percent_big"),
        ("Rating", "评级", f"=KC_RATING({model.refs['dcf_per_share_abs']},Price,RatingScale)", "big_text"),
        ("评级", "", f'=KC_RATING({model.refs["dcf_per_share_abs"]},Price,RatingScale,"zh")', "big_text"),
        ("Live scenario", "当前情景", "=Scenario", "text"),
        ("WACC / terminal growth", "", "=WACC", "percent"),
        ("Enterprise value (CNY m)", "企业价值", f"={model.refs['dcf_ev']}", "number_link"),
        ("Terminal value share of EV", "永续价值占比", f"={model.refs['dcf_tv_share']}", "percent"),
        ("Price-implied WACC", "股价隐含 WACC", f"={model.refs['implied_wacc']}", "percent"),
        ("Checks", "检查", "=ChecksOK", "big_text"),
    ]
    row = 3
    for en, zh, formula, fmt in facts:
        w.labels(row, en, zh)
        w.formula(row, 2, formula, fmt)
        if en.startswith("WACC"):
            w.formula(row, 3, "=TerminalGrowth", "percent")
        row += 1
    model.refs["summary_checks"] = on("Summary", cell(row - 1, 2))
    row += 1
    w.text(row, 0, "Scenarios (DCF)", "section")
    row += 1
    w.header(row, "Case", "情景", ["WACC", "g", "HK$/share", "US$/ADS", "Report", "vs report"])
    row += 1
    for name, refs in model.refs["scenarios"].items():
        w.labels(row, name, {"bear": "悲观", "base": "基准", "bull": "乐观"}.get(name, ""))
        for j, key in enumerate(("wacc", "g", "per_share", "per_ads", "printed", "vs")):
            fmt = {"wacc": "percent", "g": "percent", "vs": "percent"}.get(key, "per_share")
            w.formula(row, FIRST_VALUE_COL + j, f"={refs[key]}", fmt)
        row += 1
    if "weighted" in model.refs:
        w.labels(row, "Probability-weighted", "概率加权", "label_bold")
        w.formula(row, FIRST_VALUE_COL + 2, f"={model.refs['weighted']}", "per_share_bold")
        row += 1
    if "ps_target" in model.refs:
        row += 1
        w.text(row, 0, "Cross-check: the P/S multiple method", "section")
        row += 1
        w.labels(row, "P/S target (US$ per ADS)", "市销率目标价")
        w.formula(row, 2, f"={model.refs['ps_target']}", "per_share_link")
        w.formula(row, 3, f"=KC_UPSIDE({model.refs['ps_target']},ADS_Price)", "percent")
        w.formula(row, 4, f"={model.refs['ps_rating']}", "text")
        row += 1

    # Football field: value ranges against the price (HK$ per share).
    row += 1
    w.text(row, 0, "Valuation ranges (HK$ per share)", "section")
    row += 1
    w.header(row, "Method", "方法", ["Low", "High", "Bar"])
    row += 1
    ff_first = row
    scen_ps = model.refs["scenario_values"]
    bars = [("DCF scenarios", "情景", f"=MIN({scen_ps})", f"=MAX({scen_ps})"),
            ("DCF sensitivity (WACC, g)", "敏感性", f"=MIN({model.refs['sens_scalar_grid']})",
             f"=MAX({model.refs['sens_scalar_grid']})")]
    if "ps_target" in model.refs:
        bars.append(("P/S 3.0x-4.0x FY revenue", "市销率法", "=KC_MULTIPLE_TARGET(3,PS_Revenue,Shares,FX)",
                     "=KC_MULTIPLE_TARGET(4,PS_Revenue,Shares,FX)"))
    if "W52_Low" in model.refs:
        bars.append(("52-week range", "52周区间", "=W52_Low*ADS_FX*FX/ADS_Ratio", "=W52_High*ADS_FX*FX/ADS_Ratio"))
    bars.append(("Current price", "现价", "=Price*0.995", "=Price*1.005"))
    for en, zh, low, high in bars:
        w.labels(row, en, zh)
        w.formula(row, 2, low, "per_share")
        w.formula(row, 3, high, "per_share")
        w.formula(row, 4, f"={cell(row, 3)}-{cell(row, 2)}", "per_share")
        row += 1
    ff_last = row - 1
    chart = w.book.add_chart({"type": "bar", "subtype": "stacked"})
    cats = f"={on('Summary', span(ff_first, 0, ff_last, 0, True))}"
    chart.add_series({"name": "low", "categories": cats, "values": f"={on('Summary', span(ff_first, 2, ff_last, 2, True))}",
                      "fill": {"none": True}, "border": {"none": True}})
    chart.add_series({"name": "range", "categories": cats,
                      "values": f"={on('Summary', span(ff_first, 4, ff_last, 4, True))}",
                      "fill": {"color": "#2E75B6"}, "gap": 60,
                      "points": [None] * (len(bars) - 1) + [{"fill": {"color": "#C00000"}}]})
    chart.set_title({"name": "Football field: value ranges vs price (HK$ per share)",
                     "name_font": {"size": 10, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": "0.00", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 620, "height": 300})
    w.ws.insert_chart(3, 9, chart, {"x_offset": 10, "y_offset": 0})
    w.ws.set_landscape()
    w.ws.fit_to_pages(1, 1)


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


def write_xlwings_conf(w: Writer, model: Model) -> None:
    # xlwings reads key/value pairs from columns A and B of a sheet with this name.
    w.ws.write(0, 0, "UDF Modules")
    w.ws.write(0, 1, UDF_MODULE)
    w.ws.hide()


# ---------------------------------------------------------------------------------------------------


def write_template(data: dict, path: str) -> Model:
    """Lay the workbook out at ``path`` (formulas carry placeholder cached values)."""
    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"title": f"{data['company']['name_en']} valuation model", "company": "KC valuation add-in",
                         "comments": "Built by `kc build`; cached values computed by the KC core."})
    formats = make_formats(book)
    model = Model(data, list(data["statements"]["years"]))
    localise = localiser(data["valuation"])
    writers = {name: Writer(book, formats, name, localise) for name in SHEET_ORDER}
    for statement in STATEMENTS:
        write_statement(writers[STATEMENT_SHEETS[statement][0]], model, statement)
    add_tie_out_checks(model)
    write_assumptions(writers["Assumptions"], model)
    write_dcf(writers["DCF"], model)
    write_sensitivity(writers["Sensitivity"], model)
    write_comps(writers["Comps"], model)
    write_rating(writers["Rating"], model)
    write_self_check(writers["Self-check"], model)
    write_checks(writers["Checks"], model)
    write_summary(writers["Summary"], model)
    write_about(writers["About"], model)
    write_xlwings_conf(writers["xlwings.conf"], model)
    for writer in writers.values():
        writer.ws.set_paper(9)
        if writer.name == "Summary":  # its chart floats right of the tables
            writer.ws.print_area(0, 0, max(writer.extent[0], 24), 16)
        elif writer.name not in ("xlwings.conf", "Checks"):
            # Checks has none: LibreOffice 7.4 aborts its PDF export when that sheet has a print area too.
            writer.ws.print_area(0, 0, *writer.extent)
        if writer.name != "Summary":
            writer.ws.set_landscape()
            writer.ws.fit_to_pages(1, 0)
    writers["Summary"].ws.activate()
    book.close()
    return model
