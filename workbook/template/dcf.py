"""DCF sheet: the house DCF of the live scenario, from the statements.

FCFF per forecast year through KC_FCFF (EBIT x (1 - t) + D&A - capex - increase in NWC, each a link to
the statements); flows dated from the valuation date (XNPV days / 365), at period ends or mid-period, the
valuation date's year counted from that date (the stub); KC_DCF beside a native-Excel audit column; net
debt, minorities and non-operating assets of the balance sheet at the valuation date (interpolated
between the balance sheets that bracket it); the FCFF reconciled to the cash-flow statement; the
steady state of the final year; the reverse DCF.
"""

from __future__ import annotations

from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, on, span

TOP = 12                           # the valuation block: per share lands on row 21 (Excel), upside on row 23


def dcf_columns(model: Model) -> tuple[int, int]:
    """First and last column of the DCF's flows (the stub year, then every later forecast year)."""
    t = model.house["timing"]
    first = model.col(model.plan.forecast[t.first])
    return first, model.col(model.plan.forecast[-1])


def write_dcf(w: Writer, model: Model) -> None:
    p, f, years = model.plan, w.f, model.plan.years
    sheet = w.name
    hist = len(p.history)
    last = FIRST_VALUE_COL + len(years) - 1
    first_dcf, last_dcf = dcf_columns(model)
    w.title("DCF", "现金流折现", "House view, live scenario. CNY millions. FCFF from the statements; KC_* cells are "
                                "computed by the add-in, the audit column recomputes each with native Excel.")
    w.ws.set_column(0, 0, 42)
    w.ws.set_column(1, 1, 14)
    w.ws.set_column(FIRST_VALUE_COL, last, 9)
    w.header(3, "Free cash flow to the firm", "企业自由现金流", years)
    rows = {"ebit": 4, "tax": 5, "nopat": 6, "da": 7, "capex": 8, "nwc": 9, "dnwc": 10, "fcff": 11}
    labels = {"ebit": ("EBIT (Income Statement)", "EBIT"), "tax": ("Tax rate (Drivers)", "税率"),
              "nopat": ("NOPAT = EBIT x (1 - t)", "税后经营利润"), "da": ("D&A (Cash Flow memo)", "折旧摊销"),
              "capex": ("Capex (Cash Flow, as spent)", "资本开支"),
              "nwc": ("Net working capital (Balance Sheet)", "营运资本"),
              "dnwc": ("Increase in net working capital", "营运资本增加"), "fcff": ("FCFF (KC_FCFF)", "企业自由现金流")}
    for key, (en, zh) in labels.items():
        w.labels(rows[key], en, zh, "label_bold" if key == "fcff" else "label_indent" if key in ("tax",) else "label")
    roles = p.roles
    for k, year in enumerate(years):
        col = FIRST_VALUE_COL + k
        w.formula(rows["ebit"], col, f"={model.live(roles['ebit'], year, sheet)}", "number_link")
        nwc = "+".join(f"{'-' if sign < 0 else ''}{model.live(key, year, sheet)}" for sign, key in p.signed("nwc"))
        w.formula(rows["nwc"], col, f"={nwc}".replace("+-", "-"), "number_link")
        if k < hist:
            continue
        w.formula(rows["tax"], col, f"={model.live_driver(roles['tax_rate'], col, sheet)}", "percent_link")
        w.formula(rows["nopat"], col, f"={cell(rows['ebit'], col)}*(1-{cell(rows['tax'], col)})")
        w.formula(rows["da"], col, f"={model.live(roles['d_and_a'], year, sheet)}", "number_link")
        w.formula(rows["capex"], col, f"=-{model.live(roles['capex'], year, sheet)}", "number_link")
        w.formula(rows["dnwc"], col, f"={cell(rows['nwc'], col)}-{cell(rows['nwc'], col - 1)}")
        w.formula(rows["fcff"], col, f"=KC_FCFF({cell(rows['ebit'], col)},{cell(rows['tax'], col)},"
                                     f"{cell(rows['da'], col)},{cell(rows['capex'], col)},{cell(rows['dnwc'], col)})",
                  "number_bold")
    model.refs["dcf_rows"] = rows

    # Discounting rows, below the valuation block.
    d = {"start": 27, "end": 28, "share": 29, "date": 30, "flow": 31, "t": 32, "df": 33, "pv": 34}
    w.text(25, 0, "Discounting: dated from the valuation date (days / 365); the valuation date's year from that date",
           "section")
    w.header(26, "Flows discounted", "折现现金流", [y if FIRST_VALUE_COL + k >= first_dcf else ""
                                                 for k, y in enumerate(years)])
    dlabels = {"start": ("Period start (valuation date in the stub year)", "期初"), "end": ("Period end", "期末"),
               "share": ("Share of the year's FCFF counted", "计入比例"),
               "date": ("Flow date (Timing: end, or mid-period to the day)", "现金流日期"), "flow": ("Flow (FCFF x share)", "折现现金流"),
               "t": ("Years from the valuation date", "折现期（年）"), "df": ("Discount factor (native)", "折现系数"),
               "pv": ("Present value (native)", "现值")}
    for key, (en, zh) in dlabels.items():
        w.labels(d[key], en, zh, "label_bold" if key == "flow" else "label")
    t = model.house["timing"]
    for k in range(t.first, len(p.forecast)):
        col = model.col(p.forecast[k])
        end = t.ends[k]
        w.ws.write_datetime(d["end"], col, _datetime(end), f["date_input"])
        w.reach(d["end"], col)
        if col == first_dcf:
            start = _datetime(t.starts[k])
            w.ws.write_datetime(d["start"], col, start, f["date_input"])
            w.formula(d["share"], col, f'=IF(Stub="yes",({cell(d["end"], col)}-MAX(ValuationDate,{cell(d["start"], col)}))'
                                       f'/({cell(d["end"], col)}-{cell(d["start"], col)}),0)', "percent")
            start_ref = f"MAX(ValuationDate,{cell(d['start'], col)})"
        else:
            w.formula(d["start"], col, f"={cell(d['end'], col - 1)}", "date")
            w.value(d["share"], col, 1, "percent")
            start_ref = cell(d["start"], col)
        w.formula(d["date"], col, f'=IF(Timing="mid",ROUND(({start_ref}+{cell(d["end"], col)})/2,0),'
                                  f'{cell(d["end"], col)})', "date")  # whole days, as XNPV (and KC_DCF) count
        w.formula(d["flow"], col, f"={cell(rows['fcff'], col)}*{cell(d['share'], col)}", "number_bold")
        w.formula(d["t"], col, f"=({cell(d['date'], col)}-ValuationDate)/365", "number1")
        w.formula(d["df"], col, f"=1/(1+WACC)^{cell(d['t'], col)}", "factor")
        w.formula(d["pv"], col, f"={cell(d['flow'], col)}*{cell(d['df'], col)}")
    w.labels(d["pv"] + 1, "  the valuation date lies in the stub year (else rebuild the book)", "估值日在残余期内",
             "label_indent")
    w.formula(d["pv"] + 1, first_dcf, f"=AND(ValuationDate>={cell(d['start'], first_dcf)},"
                                      f"ValuationDate<{cell(d['end'], first_dcf)})", "check")
    model.checks.append({"en": "DCF: the valuation date lies in the stub year", "zh": "估值日在残余期内",
                         "cells": [on(sheet, cell(d["pv"] + 1, first_dcf))]})
    flows = span(d["flow"], first_dcf, d["flow"], last_dcf, True)
    dates = span(d["date"], first_dcf, d["date"], last_dcf, True)
    w.define("Live_FCF", d["flow"], first_dcf, d["flow"], last_dcf)
    w.define("Live_Dates", d["date"], first_dcf, d["date"], last_dcf)
    model.refs.update(fcf_range=on(sheet, flows), dates_range=on(sheet, dates), discount_rows=d)
    final_flow = cell(d["flow"], last_dcf, True)
    final_t = cell(d["t"], last_dcf, True)

    # Equity bridge at the valuation date.
    b0 = 37
    w.text(b0, 0, "Equity bridge: the balance sheet at the valuation date (interpolated)", "section")
    prev_year, stub_year = (p.history[-1] if t.first == 0 else p.forecast[t.first - 1]), p.forecast[t.first]
    w.header(b0 + 1, "Item", "项目", [prev_year, stub_year, "Valuation date"])
    w.labels(b0 + 2, f"Valuation date, and the share of {stub_year} elapsed by then", "估值日及已过比例")
    w.formula(b0 + 2, 3, "=ValuationDate", "date")
    share_elapsed = f"(MAX(ValuationDate,{cell(d['start'], first_dcf)})-{cell(d['start'], first_dcf)})/" \
                    f"({cell(d['end'], first_dcf)}-{cell(d['start'], first_dcf)})"
    w.formula(b0 + 2, 4, "=" + share_elapsed, "percent")
    items = [("debt", "Borrowings (incl. revolver)", "借款"), ("cash", "Cash and short-term investments", "现金及短期投资"),
             ("minorities", "Minority interests", "少数股东权益"), ("non_operating", "Non-operating assets", "非经营资产")]
    bridge = {}
    for j, (role, en, zh) in enumerate(items):
        r = b0 + 3 + j
        w.labels(r, en, zh)
        for c, year in ((2, prev_year), (3, stub_year)):
            terms = [f"{'-' if sign < 0 else '+'}{model.live(key, year, sheet)}" for sign, key in p.signed(role)]
            w.formula(r, c, "=" + ("".join(terms).lstrip("+") if terms else "0"), "number_link")
        w.formula(r, 4, f"={cell(r, 2)}+{cell(b0 + 2, 4)}*({cell(r, 3)}-{cell(r, 2)})", "number")
        bridge[role] = cell(r, 4, True)
    r = b0 + 3 + len(items)
    w.labels(r, "Net debt (borrowings - cash)", "净负债", "label_bold")
    w.formula(r, 4, f"={bridge['debt']}-{bridge['cash']}", "number_bold")
    w.define("House_NetDebt", r, 4)
    w.define("House_Minorities", b0 + 5, 4)
    w.define("House_NonOperating", b0 + 6, 4)
    w.text(r + 1, 0, f"Valuation date: see Assumptions; balance sheets of {prev_year} and {stub_year} "
                     "(live scenario) bracket it.", "note")
    model.refs["bridge_row"] = b0

    # The valuation block (KC_* beside a native audit).
    w.text(TOP, 0, "Valuation (live scenario)", "section")
    w.header(TOP + 1, "Item", "项目", ["KC_* (add-in)", "Native audit", "Difference", "Check"])
    args = ("Live_FCF,WACC,TerminalGrowth,House_NetDebt,Shares,FX,\"dated\",\"{out}\",Live_Dates,ValuationDate,,,,,"
            "House_Minorities,House_NonOperating")
    pv_native = f"SUM({span(d['pv'], first_dcf, d['pv'], last_dcf, True)})"
    lines = [
        ("tv", "Terminal value (Gordon, at the final flow date)", "永续价值",
         f"=KC_TERMINAL({final_flow},WACC,TerminalGrowth)", f"={final_flow}*(1+TerminalGrowth)/(WACC-TerminalGrowth)",
         "number"),
        ("pv_explicit", "PV of explicit FCFF", "预测期现值", "=KC_DCF(" + args.format(out="pv_explicit") + ")",
         f"={pv_native}", "number"),
        ("pv_terminal", "PV of terminal value", "永续价值现值", "=KC_DCF(" + args.format(out="pv_terminal") + ")",
         f"={{tv}}/(1+WACC)^{final_t}", "number"),
        ("ev", "Enterprise value", "企业价值", "=KC_DCF(" + args.format(out="ev") + ")", "={pv_explicit}+{pv_terminal}",
         "number_bold"),
        ("tv_share", "Terminal value share of EV", "永续价值占比", "=KC_DCF(" + args.format(out="tv_share") + ")",
         "={pv_terminal}/{ev}", "percent"),
        ("equity", "Equity value (EV - net debt - minorities + non-operating)", "股权价值",
         "=KC_DCF(" + args.format(out="equity") + ")", "={ev}-House_NetDebt-House_Minorities+House_NonOperating",
         "number"),
        ("per_share", "Value per share (HK$)", "每股价值（港元）", "=KC_DCF(" + args.format(out="per_share") + ")",
         "={equity}/Shares*FX", "per_share_bold"),
        ("per_ads", "Value per ADS (US$, valuation-date rate)", "每 ADS 价值（美元）",
         "=KC_DCF(" + args.format(out="per_ads").replace(",Shares,FX,", ",Shares,1/ADS_FX,") + ",ADS_Ratio)",
         "={equity}/Shares/ADS_FX*ADS_Ratio", "per_share"),
        ("upside", "Upside to the HK$ price", "潜在涨幅", "=KC_UPSIDE({per_share_kc},Price)", "={per_share}/Price-1",
         "percent"),
    ]
    kc, audit = {}, {}
    for j, (key, *_rest) in enumerate(lines):
        kc[key], audit[key] = cell(TOP + 2 + j, 2), cell(TOP + 2 + j, 3)
    for j, (key, en, zh, kc_formula, native, fmt) in enumerate(lines):
        row = TOP + 2 + j
        w.labels(row, en, zh, "label_bold" if fmt.endswith("bold") else "label")
        w.formula(row, 2, kc_formula.replace("{per_share_kc}", kc["per_share"]), fmt)
        w.formula(row, 3, native.format(**audit), fmt)
        w.formula(row, 4, f"=ROUND({cell(row, 2)}-{cell(row, 3)},9)", "diff")
        w.formula(row, 5, f"=ABS({cell(row, 4)})<=1E-9*MAX(1,ABS({cell(row, 3)}))", "check")
        model.checks.append({"en": f"DCF audit: {en}", "zh": f"现金流折现核对：{zh}", "cells": [on(sheet, cell(row, 5))]})
    model.refs.update({f"dcf_{k}": on(sheet, kc[k]) for k in kc})
    model.refs["dcf_per_share_abs"] = on(sheet, cell(TOP + 2 + 6, 2, True))
    row = TOP + 2 + len(lines)
    w.labels(row, "Rating of the live scenario's value (house scale)", "评级（当前情景）", "label_bold")
    w.formula(row, 2, f"=KC_RATING({kc['per_share']},Price,House_Scale)", "big_text")
    w.formula(row, 3, f"=INDEX(House_Scale_ZH,MATCH({cell(row, 2)},House_Scale_Labels,0))", "big_text")
    model.refs["dcf_rating"] = on(sheet, cell(row, 2))

    # FCFF: audit and reconciliation to the cash-flow statement, per forecast year.
    r0 = b0 + 10
    w.text(r0, 0, "FCFF reconciled to the cash-flow statement", "section")
    w.header(r0 + 1, "Per year", "每年", [y if k >= hist else "" for k, y in enumerate(years)])
    rec = {"cfo": r0 + 2, "interest": r0 + 3, "capex": r0 + 4, "from_cf": r0 + 5, "diff": r0 + 6, "ok": r0 + 7,
           "native": r0 + 8, "native_diff": r0 + 9}
    rlabels = {"cfo": ("Operating cash flow (Cash Flow)", "经营活动现金流"),
               "interest": ("+ after-tax net interest expense: -net interest x (1 - t)", "税后净利息"),
               "capex": ("+ capex (Cash Flow, negative)", "资本开支"),
               "from_cf": ("= FCFF from the cash-flow statement", "现金流量表口径 FCFF"),
               "diff": ("  FCFF (KC_FCFF) - FCFF from the cash flow", "差异"), "ok": ("  reconciles (1E-6)", "一致"),
               "native": ("FCFF, native: NOPAT + D&A - capex - increase in NWC", "FCFF（原生公式）"),
               "native_diff": ("  KC_FCFF - native", "差异")}
    for key, (en, zh) in rlabels.items():
        w.labels(rec[key], en, zh, "label_bold" if key == "from_cf" else "label_indent" if key in
                 ("diff", "ok", "native_diff") else "label")
    cells = []
    for k in range(hist, len(years)):
        col, year = FIRST_VALUE_COL + k, years[k]
        w.formula(rec["cfo"], col, f"={model.live(roles['operating_cash_flow'], year, sheet)}", "number_link")
        w.formula(rec["interest"], col, f"=-{model.live(roles['net_interest'], year, sheet)}*(1-{cell(rows['tax'], col)})")
        w.formula(rec["capex"], col, f"={model.live(roles['capex'], year, sheet)}", "number_link")
        w.formula(rec["from_cf"], col, f"={cell(rec['cfo'], col)}+{cell(rec['interest'], col)}+{cell(rec['capex'], col)}",
                  "number_bold")
        w.formula(rec["diff"], col, f"=ROUND({cell(rows['fcff'], col)}-{cell(rec['from_cf'], col)},9)", "diff")
        w.formula(rec["ok"], col, f"=ABS({cell(rec['diff'], col)})<=1E-6", "check")
        w.formula(rec["native"], col, f"={cell(rows['nopat'], col)}+{cell(rows['da'], col)}-{cell(rows['capex'], col)}"
                                      f"-{cell(rows['dnwc'], col)}")
        w.formula(rec["native_diff"], col, f"=ROUND({cell(rows['fcff'], col)}-{cell(rec['native'], col)},9)", "diff")
        cells.append(on(sheet, cell(rec["ok"], col)))
    model.checks.append({"en": "FCFF = operating cash flow + after-tax interest - capex (live)", "zh": "FCFF 与现金流量表一致",
                         "cells": cells, "years": list(p.forecast)})
    model.checks.append({"en": "KC_FCFF = native FCFF", "zh": "KC_FCFF 与原生公式一致",
                         "cells": [f"ABS({on(sheet, cell(rec['native_diff'], FIRST_VALUE_COL + k))})<=1E-9"
                                   for k in range(hist, len(years))], "years": list(p.forecast)})
    model.refs["reconciliation_rows"] = rec

    # Steady state and the reverse DCF.
    s0 = rec["native_diff"] + 2
    w.text(s0, 0, "Steady state of the final year, and what the price implies", "section")
    fcol = last_dcf
    growth_final = model.live_driver(roles["revenue_growth"], fcol, sheet)
    items = [
        ("Final-year revenue growth (Drivers)", "末年收入增长", f"={growth_final}", "percent_link"),
        ("Terminal growth", "永续增长率", "=TerminalGrowth", "percent_link"),
        ("Final-year FCFF growth", "末年 FCFF 增长", f"={cell(rows['fcff'], fcol)}/{cell(rows['fcff'], fcol - 1)}-1",
         "percent"),
        ("Reinvestment rate: (capex - D&A + increase in NWC) / NOPAT", "再投资率",
         f"=({cell(rows['capex'], fcol)}-{cell(rows['da'], fcol)}+{cell(rows['dnwc'], fcol)})/{cell(rows['nopat'], fcol)}",
         "percent"),
        ("Implied return on new capital: growth / reinvestment rate", "隐含新增资本回报",
         f"=TerminalGrowth/{cell(s0 + 4, 2)}", "percent"),
        ("Implied exit multiple of the terminal value (x final FCFF)", "隐含退出倍数",
         f"=KC_IMPLIED_MULTIPLE({kc['tv']},{final_flow})", "multiple"),
        ("WACC implied by the HK$ price", "股价隐含 WACC",
         "=KC_IMPLIED_WACC(Live_FCF,TerminalGrowth,Price,House_NetDebt,Shares,FX,\"dated\",Live_Dates,ValuationDate,,,,,"
         "House_Minorities,House_NonOperating)", "percent"),
    ]
    row = s0 + 1
    for en, zh, formula, fmt in items:
        row = w.line(row, en, zh, formula, fmt)
    model.refs["implied_wacc"] = on(sheet, cell(row - 1, 2))
    w.labels(row, "  final-year revenue growth = terminal growth (steady state)", "稳态", "label_indent")
    w.formula(row, 2, f"=ABS({cell(s0 + 1, 2)}-{cell(s0 + 2, 2)})<=1E-9", "check")
    model.checks.append({"en": "Steady state: final-year revenue growth = terminal growth (live)", "zh": "稳态增长一致",
                         "cells": [on(sheet, cell(row, 2))]})
    row += 2
    w.write_notes(model, row)
    w.ws.freeze_panes(4, 2)


def _datetime(day):
    import datetime as dt

    return dt.datetime.combine(day, dt.time())
