"""Cell formats of the template, sell-side conventions: blue on pale yellow = input, black = formula,
green = a link to another sheet; numbers #,##0 with negatives in parentheses, rates 0.0%."""

from __future__ import annotations

NUMBER = '#,##0;(#,##0);"-"'
MULTIPLE_NM = '0.0"x";"n.m.";"n.m."'       # a negative P/E (a loss) is not meaningful
NUMBER_1 = '#,##0.0;(#,##0.0);"-"'
PER_SHARE = '0.00;(0.00)'
PERCENT = '0.0%;(0.0%)'
MULTIPLE = '0.00"x"'
DATE = "yyyy-mm-dd"
DIFF = '0.000000;-0.000000;"-"'             # differences are rounded to 1E-9, so an exact tie shows "-"
CHECK = '"TRUE";"TRUE";"FALSE"'             # LibreOffice shows a cached boolean as 1 / 0 without it

BLUE, GREEN, NAVY, GREY = "#0000FF", "#007A33", "#1F3864", "#D9D9D9"
INPUT_FILL, PLUG_FILL, BASE_FILL = "#FFF2CC", "#F8CBAD", "#DDEBF7"


def make_formats(book) -> dict:
    def fmt(**props):
        return book.add_format({"font_name": "Arial", "font_size": 9, **props})

    f = {
        "title": fmt(bold=True, font_size=14, font_color=NAVY),
        "subtitle": fmt(italic=True, font_color="#595959"),
        "header": fmt(bold=True, font_color="white", bg_color=NAVY, align="center", valign="vcenter",
                      text_wrap=True),
        "header_left": fmt(bold=True, font_color="white", bg_color=NAVY, valign="vcenter"),
        "section": fmt(bold=True, font_color=NAVY, bottom=1),
        "label": fmt(),
        "label_bold": fmt(bold=True),
        "label_indent": fmt(indent=1, italic=True, font_color="#595959"),
        "note": fmt(italic=True, font_color="#7F7F7F"),
        "text": fmt(),
        "text_input": fmt(font_color=BLUE, bg_color=INPUT_FILL, border=1, border_color=GREY),
        "text_link": fmt(font_color=GREEN),
        "text_bold": fmt(bold=True),
        "check": fmt(align="center"),
        "big": fmt(bold=True, font_size=12),
        "big_text": fmt(bold=True, font_size=12, font_color=NAVY),
        "banner": fmt(bold=True, font_color="white", bg_color="#C00000"),
        "wrap": fmt(text_wrap=True, valign="top"),
        "text_top": fmt(valign="top"),
        "note_line": fmt(italic=True, font_color="#595959"),
        "marker": fmt(font_color="#7F7F7F", align="center"),
        "label_model": fmt(italic=True, font_color="#1F3864"),
        "label_plug": fmt(italic=True, bg_color=PLUG_FILL),
        "cover_title": fmt(bold=True, font_size=20, font_color=NAVY),
        "cover_big": fmt(bold=True, font_size=13),
        "cover_text": fmt(font_size=10, text_wrap=True, valign="top"),
        "disclaimer": fmt(italic=True, font_size=8, font_color="#595959", text_wrap=True, valign="top"),
        "legend_input": fmt(font_color=BLUE, bg_color=INPUT_FILL, border=1, border_color=GREY),
        "legend_formula": fmt(),
        "legend_link": fmt(font_color=GREEN),
        "legend_plug": fmt(bg_color=PLUG_FILL, italic=True),
    }
    for name, number_format in (("number", NUMBER), ("number1", NUMBER_1), ("per_share", PER_SHARE),
                                ("percent", PERCENT), ("multiple", MULTIPLE), ("date", DATE), ("diff", DIFF), ("factor", "0.000000"),
                                ("general", "General"), ("multiple_nm", MULTIPLE_NM)):
        f[name] = fmt(num_format=number_format, **({"align": "center"} if name == "date" else {}))
        f[name + "_bold"] = fmt(num_format=number_format, bold=True, top=1)
        f[name + "_input"] = fmt(num_format=number_format, font_color=BLUE, bg_color=INPUT_FILL, border=1,
                                 border_color=GREY)
        f[name + "_link"] = fmt(num_format=number_format, font_color=GREEN)
        f[name + "_plug"] = fmt(num_format=number_format, bg_color=PLUG_FILL, italic=True)
        f[name + "_big"] = fmt(num_format=number_format, bold=True, font_size=12)
    return f
