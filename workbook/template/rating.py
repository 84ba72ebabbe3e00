"""Rating sheet: the house scale as a table that KC_RATING reads (change a threshold and every house
rating follows), the views of each report on its own scale, and the add-in's named scales for reference."""

from __future__ import annotations

from kcfuncs.rating import SCALES
from workbook.template.layout import Model, Writer


def write_rating(w: Writer, model: Model) -> None:
    f, data = w.f, model.data
    w.title("Rating", "评级", "upside = target / price - 1; a tier applies from its minimum upside (inclusive). The "
                            "house table below is the scale KC_RATING uses for the house view.")
    w.ws.set_column(0, 0, 44)
    w.ws.set_column(1, 1, 16)
    w.ws.set_column(2, 5, 13)
    w.text(3, 0, "House scale (inputs: minimum upside, label, 中文)", "section")
    w.header(4, "Tier", "档位", ["Minimum upside", "Label", "中文"])
    row = 5
    table = data["house"]["rating_scale"]
    for minimum, label, label_zh in table:
        w.labels(row, f"{label}: upside of at least {minimum:+.0%}" if minimum > -1 else f"{label}: below the tier above",
                 "", "label")
        w.value(row, 2, minimum, "percent_input")
        w.value(row, 3, label, "text_input")
        w.value(row, 4, label_zh, "text_input")
        row += 1
    first, last = 5, row - 1
    w.define("House_Scale", first, 2, last, 3)
    w.define("House_Scale_Labels", first, 3, last, 3)
    w.define("House_Scale_ZH", first, 4, last, 4)
    w.text(row, 0, "The lowest tier also covers anything below its minimum.", "note")
    row += 2

    w.text(row, 0, "Views: each on its own scale", "section")
    row += 1
    w.header(row, "View", "观点", ["Target", "Price", "Upside", "Rating", "评级"])
    row += 1
    views = [
        ("House: probability-weighted target (HK$)", "本行：概率加权", "=House_Target", "=Price",
         "=KC_RATING(House_Target,Price,House_Scale)", "=House_Rating_ZH"),
        ("House: live scenario (HK$)", "本行：当前情景", f"={model.refs['dcf_per_share_abs']}", "=Price",
         f"=KC_RATING({model.refs['dcf_per_share_abs']},Price,House_Scale)",
         f"=INDEX(House_Scale_ZH,MATCH(KC_RATING({model.refs['dcf_per_share_abs']},Price,House_Scale),"
         f"House_Scale_Labels,0))"),
        ("Report DCF, live case (HK$; RatingScale)", "报告DCF", "=Report_PerShare", "=Price",
         "=KC_RATING(Report_PerShare,Price,RatingScale)", '=KC_RATING(Report_PerShare,Price,RatingScale,"zh")'),
    ]
    if "ps_target" in model.refs:
        scale = data["valuation"]["multiple"].get("rating_scale", "buy_hold_sell")
        ps = model.refs["ps_target"]
        views.append(("Report P/S (US$ per ADS; buy_hold_sell)", "报告市销率", f"={ps}", "=PS_Price",
                      f'=KC_RATING({ps},PS_Price,"{scale}")', f'=KC_RATING({ps},PS_Price,"{scale}","zh")'))
    for en, zh, target, price, rating, rating_zh in views:
        w.labels(row, en, zh)
        w.formula(row, 2, target, "per_share_link")
        w.formula(row, 3, price, "per_share_link")
        w.formula(row, 4, f"=KC_UPSIDE({target[1:]},{price[1:]})", "percent")
        w.formula(row, 5, rating, "text_bold")
        w.formula(row, 6, rating_zh, "text_bold")
        row += 1
    row += 1
    w.text(row, 0, "The add-in's named scales (used by the report cases; reference)", "section")
    row += 1
    w.header(row, "Scale", "标准", ["Tier", "中文", "Applies when upside", "Threshold"])
    row += 1
    for name, tiers in SCALES.items():
        for tier in tiers:
            w.text(row, 0, name)
            w.text(row, 2, tier.label_en)
            w.text(row, 3, tier.label_zh)
            if tier.threshold == float("-inf"):
                w.text(row, 4, "below the tier above", "note")
            else:
                w.text(row, 4, ">=" if tier.inclusive else ">")
                w.value(row, 5, tier.threshold, "percent")
            row += 1
    row += 1
    w.write_notes(model, row)
