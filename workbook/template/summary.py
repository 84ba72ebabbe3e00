"""Summary sheet: key figures, the bear/base/bull table and the football-field chart."""

from __future__ import annotations

from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, on, span


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
