"""Summary sheet: the house view (probability-weighted target, one rating on one scale) next to each
report's view, the scenarios, the key financials of the live scenario, and the football field.

The chart's series carry cached values computed by the project (``workbook.company.house`` and
``valuation``), the same numbers the cells beside it show after the build, so a viewer that does not
recalculate still draws the bars (tests compare the two)."""

from __future__ import annotations

import datetime as dt

import numpy as np

import kcfuncs
from workbook.company.valuation import multiple_target, value_scenario
from workbook.template.layout import Model, Writer, cell, on, span

KEY_YEARS = 6                      # reported years, then forecast years, up to this many columns
SCENARIO_ZH = {"bear": "悲观", "base": "基准", "bull": "乐观"}


def write_summary(w: Writer, model: Model) -> None:
    f, data, p = w.f, model.data, model.plan
    company, v = data["company"], data["valuation"]
    w.ws.set_column(0, 0, 36)
    w.ws.set_column(1, 1, 15)
    w.ws.set_column(2, 8, 11)
    w.ws.write(0, 0, f"{company['name_en']}  {company.get('name_zh', '')}", f["title"])
    w.ws.write(1, 0, f"{company.get('ticker_hk', '')} / {company.get('ticker_us', '')} · valuation model · values in "
                     f"HK$ per share unless stated · valuation date {v['valuation_date']}", f["subtitle"])
    w.reach(1, 8)

    # The house view.
    w.text(3, 0, "House view", "section")
    facts = [
        ("Target price (HK$, probability-weighted)", "目标价（概率加权）", "=House_Target", "per_share_big"),
        ("Target per ADS (US$, valuation-date rate)", "每 ADS 目标价（美元）", "=House_Target_ADS", "per_share"),
        ("Share price (HK$, valuation date)", "股价", "=Price", "per_share_link"),
        ("Upside", "潜在涨幅", "=House_Upside", "percent_big"),
        ("Rating (house scale, Rating sheet)", "评级", "=House_Rating", "big_text"),
        ("Live scenario and its value (HK$)", "当前情景及价值", "=Scenario", "text_link"),
        ("Checks (every tie-out, balance and audit)", "检查", "=ChecksOK", "big_text"),
    ]
    row = 4
    for en, zh, formula, fmt in facts:
        w.labels(row, en, zh)
        w.formula(row, 2, formula, fmt)
        if en.startswith("Rating"):
            w.formula(row, 3, "=House_Rating_ZH", "big_text")
        if en.startswith("Live scenario"):
            w.formula(row, 3, f"={model.refs['dcf_per_share_abs']}", "per_share_link")
        if en.startswith("Share price"):
            w.formula(row, 3, "=ValuationDate", "date")
        row += 1
    model.refs["summary_checks"] = on(w.name, cell(row - 1, 2))
    w.text(row, 0, "The target weights bear, base and bull, each valued from its own drivers (Scenarios sheet), by the "
                   "probabilities on the Assumptions sheet.", "note")
    row += 1

    # Views side by side.
    row += 1
    w.text(row, 0, "Views side by side", "section")
    row += 1
    w.header(row, "View", "观点", ["Date", "Target", "Unit", "Printed", "Upside", "Rating", "评级"])
    row += 1
    mult = v.get("multiple")
    report_label = data.get("report_dcf", {}).get("label", "report DCF")
    views = [
        ("House: driver model, probability-weighted", "本行", "=ValuationDate", "=House_Target", "HK$/share", None,
         "=House_Upside", "=House_Rating", "=House_Rating_ZH"),
        (f"House: live scenario", "本行当前情景", "=ValuationDate", f"={model.refs['dcf_per_share_abs']}", "HK$/share", None,
         f"=KC_UPSIDE({model.refs['dcf_per_share_abs']},Price)", f"={model.refs['dcf_rating']}",
         f"=INDEX(House_Scale_ZH,MATCH({model.refs['dcf_rating']},House_Scale_Labels,0))"),
        (f"Report case '{report_label}' (live case)", "报告DCF", "=ValuationDate", "=Report_PerShare", "HK$/share",
         v.get("printed_target"), "=KC_UPSIDE(Report_PerShare,Price)", "=KC_RATING(Report_PerShare,Price,RatingScale)",
         '=KC_RATING(Report_PerShare,Price,RatingScale,"zh")'),
    ]
    if mult:
        ps = model.refs["ps_target"]
        views.append((f"Report case '{mult.get('label', 'seed 000 P/S')}'", "报告市销率", None, f"={ps}", "US$/ADS",
                      mult.get("printed_target"), f"=KC_UPSIDE({ps},PS_Price)", f"={model.refs['ps_rating']}",
                      f'=KC_RATING({ps},PS_Price,"{mult.get("rating_scale", "buy_hold_sell")}","zh")'))
    for en, zh, date, target, unit, printed, upside, rating, rating_zh in views:
        w.labels(row, en, zh)
        if date:
            w.formula(row, 2, date, "date")
        elif data.get("market_000", {}).get("report_date"):
            w.ws.write_datetime(row, 2, dt.datetime.fromisoformat(data["market_000"]["report_date"]), f["date"])
        w.formula(row, 3, target, "per_share_bold")
        w.text(row, 4, unit)
        if printed is not None:
            w.value(row, 5, printed, "per_share")
        w.formula(row, 6, upside, "percent")
        w.formula(row, 7, rating, "text_bold")
        if rating_zh:
            w.formula(row, 8, rating_zh, "text_bold")
        row += 1
    w.text(row, 0, "Each report is rated on its own scale against the price it quotes; the house on its scale against "
                   "the HK$ price on the valuation date.", "note")
    row += 2

    # Scenarios.
    w.text(row, 0, "Scenarios (HK$ per share)", "section")
    row += 1
    w.header(row, "Scenario", "情景", ["Probability", "WACC", "g", "House", "US$/ADS", "Report case", "Printed"])
    row += 1
    hrows, hsheet = model.refs["house_scenario_rows"], "Scenarios"
    for j, name in enumerate(p.scenarios):
        col = 2 + j
        w.labels(row, name, SCENARIO_ZH.get(name, ""))
        for c, key, fmt in ((2, "probability", "percent_link"), (3, "wacc", "percent_link"), (4, "g", "percent_link"),
                            (5, "per_share", "per_share_bold"), (6, "per_ads", "per_share_link")):
            w.formula(row, c, f"={on(hsheet, cell(hrows[key], col))}", fmt)
        refs = model.refs["report_cases"].get(name)
        if refs:
            w.formula(row, 7, f"={refs['per_share']}", "per_share_link")
            case = next(c for c in data["scenarios"] if c["name"] == name)
            if case.get("printed_value_hkd") is not None:
                w.value(row, 8, case["printed_value_hkd"], "per_share")
        row += 1
    w.labels(row, "Probability-weighted", "概率加权", "label_bold")
    w.formula(row, 2, "=SUM(House_Probabilities)", "percent")
    w.formula(row, 5, "=House_Target", "per_share_bold")
    w.formula(row, 6, "=House_Target_ADS", "per_share")
    row += 2

    # Key financials of the live scenario.
    key_years = p.years[:KEY_YEARS]
    w.text(row, 0, "Key financials (CNY m; live scenario; P/E and EV/Sales at the valuation-date price)", "section")
    row += 1
    w.header(row, "Year", "年份", key_years)
    row += 1
    roles = p.roles
    here = w.name
    fin = [
        ("Revenue", "收入", lambda y: f"={model.live(roles['revenue'], y, here)}", "number_link"),
        ("  growth", "增长", lambda y: None if y == p.years[0] else
         f"={model.live(roles['revenue'], y, here)}/{model.live(roles['revenue'], p.years[p.years.index(y) - 1], here)}-1",
         "percent"),
        ("EBITDA", "EBITDA", lambda y: f"={model.live(roles['ebitda'], y, here)}", "number_link"),
        ("  margin", "利润率", lambda y: f"={model.live(roles['ebitda'], y, here)}/{model.live(roles['revenue'], y, here)}",
         "percent"),
        ("Net profit", "净利润", lambda y: f"={model.live(roles['net_profit'], y, here)}", "number_link"),
        ("EPS (CNY per share)", "每股收益（元）", lambda y: f"={model.live(roles['net_profit'], y, here)}/Shares", "per_share"),
        ("P/E (x; n.m. when loss-making)", "市盈率",
         lambda y: f"=Price/FX/({model.live(roles['net_profit'], y, here)}/Shares)", "multiple_nm"),
        ("EV/Sales (x; EV at the valuation date)", "企业价值/收入",
         lambda y: f"=(MarketCap+House_NetDebt)/{model.live(roles['revenue'], y, here)}", "multiple"),
        ("Market capitalisation (valuation date)", "市值", lambda y: "=MarketCap", "number"),
    ]
    for en, zh, formula, fmt in fin:
        w.labels(row, en, zh, "label_indent" if en.startswith("  ") else "label")
        for j, year in enumerate(key_years):
            text = formula(year)
            if text:
                w.formula(row, 2 + j, text, fmt)
        row += 1
    w.text(row, 0, f"{', '.join(p.history)} as reported; EPS on the valuation-date share count.", "note")
    row += 2

    # Football field.
    w.text(row, 0, "Valuation ranges (HK$ per share)", "section")
    row += 1
    w.header(row, "Method", "方法", ["Low", "High", "Bar"])
    row += 1
    ff_first = row
    chart_data = football_values(model)
    bars = [("House scenarios (bear - bull)", "本行情景", "=MIN(House_Values)", "=MAX(House_Values)"),
            ("House sensitivity (WACC, g)", "敏感性", f"=MIN({model.refs['sens_scalar_grid']})",
             f"=MAX({model.refs['sens_scalar_grid']})"),
            (f"Report case '{report_label}' (bear - bull)", "报告DCF", "=MIN(Report_Values)", "=MAX(Report_Values)")]
    if mult:
        bars.append(("Report P/S 3.0x-4.0x printed FY revenue", "市销率法",
                     "=KC_MULTIPLE_TARGET(3,PS_Revenue,Shares,FX)", "=KC_MULTIPLE_TARGET(4,PS_Revenue,Shares,FX)"))
    if "W52_Low" in model.refs:
        bars.append(("52-week range (US$ per ADS at HKD/USD)", "52周区间", "=W52_Low*HKD_USD/ADS_Ratio",
                     "=W52_High*HKD_USD/ADS_Ratio"))
    bars.append(("Current price (HK$)", "现价", "=Price*0.995", "=Price*1.005"))
    for en, zh, low, high in bars:
        w.labels(row, en, zh)
        w.formula(row, 2, low, "per_share")
        w.formula(row, 3, high, "per_share")
        w.formula(row, 4, f"={cell(row, 3)}-{cell(row, 2)}", "per_share")
        row += 1
    ff_last = row - 1
    lows = [chart_data[en][0] for en, *_ in bars]
    spans = [chart_data[en][1] - chart_data[en][0] for en, *_ in bars]
    model.refs["football_field"] = {"first": ff_first, "last": ff_last, "lows": lows, "spans": spans,
                                    "labels": [en for en, *_ in bars]}
    chart = w.book.add_chart({"type": "bar", "subtype": "stacked"})
    cats = f"={on(w.name, span(ff_first, 0, ff_last, 0, True))}"
    labels = [w.tr(en) for en, *_ in bars]
    chart.add_series({"name": "low", "categories": cats, "categories_data": labels,
                      "values": f"={on(w.name, span(ff_first, 2, ff_last, 2, True))}", "values_data": lows,
                      "fill": {"none": True}, "border": {"none": True}})
    chart.add_series({"name": "range", "categories": cats, "categories_data": labels,
                      "values": f"={on(w.name, span(ff_first, 4, ff_last, 4, True))}", "values_data": spans,
                      "fill": {"color": "#2E75B6"}, "gap": 60,
                      "points": [None] * (len(bars) - 1) + [{"fill": {"color": "#C00000"}}]})
    chart.set_title({"name": "Football field: value ranges vs price (HK$ per share)",
                     "name_font": {"size": 10, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": "0.00", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
                      "min": 0})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 720, "height": 300})
    row += 1
    w.ws.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4})
    w.reach(row + 16, 8)
    w.ws.set_portrait()
    w.ws.fit_to_pages(1, 1)


def football_values(model: Model) -> dict[str, tuple[float, float]]:
    """Low and high of every football-field bar, computed in Python (the chart's cached series)."""
    data, house, v = model.data, model.house, model.data["valuation"]
    values = [c.result.per_share for c in house["cases"]]
    live = house["live"]
    t = house["timing"]
    mid_w, mid_g = 3, 2
    waccs = [live.wacc + (i - mid_w) * 0.005 for i in range(7)]
    growths = [live.terminal_growth + (j - mid_g) * 0.005 for j in range(5)]
    grid = kcfuncs.sensitivity_grid(live.flows, waccs, growths, live.net_debt, v["shares"], v["fx"], "dated",
                                    dates=live.dates, valuation_date=(t.valuation_date - dt.date(1899, 12, 30)).days,
                                    minorities=live.minorities, non_operating=live.non_operating)
    report = [value_scenario(data, c).result.per_share for c in data["scenarios"]]
    report_label = data.get("report_dcf", {}).get("label", "report DCF")
    out = {"House scenarios (bear - bull)": (min(values), max(values)),
           "House sensitivity (WACC, g)": (float(np.min(grid)), float(np.max(grid))),
           f"Report case '{report_label}' (bear - bull)": (min(report), max(report))}
    if v.get("multiple"):
        m = multiple_target(data)
        out["Report P/S 3.0x-4.0x printed FY revenue"] = (
            kcfuncs.multiple_target(3, m["metric"], v["shares"], v["fx"]),
            kcfuncs.multiple_target(4, m["metric"], v["shares"], v["fx"]))
    m0 = data.get("market_000", {})
    if m0.get("week52_low_usd") is not None:
        hkd_usd = v["fx"] * v["ads_fx"]
        ratio = v.get("ads_ratio", 1)
        out["52-week range (US$ per ADS at HKD/USD)"] = (m0["week52_low_usd"] * hkd_usd / ratio,
                                                         m0["week52_high_usd"] * hkd_usd / ratio)
    out["Current price (HK$)"] = (v["price"] * 0.995, v["price"] * 1.005)
    return out
