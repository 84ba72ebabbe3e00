"""Rating sheet: target against price on the named scales, and a custom-scale example."""

from __future__ import annotations

from kcfuncs.rating import SCALES
from workbook.template.layout import Model, Writer, cell, on, span


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
