"""Cover sheet: company, valuation date, version, contents and the disclaimer; and the Change log sheet."""

from __future__ import annotations

from workbook.template.layout import SHEET_ORDER, VERSION, Model, Writer

CONTENTS = {
    "Summary": "House view, each report's view, scenarios, key financials, football field",
    "Assumptions": "Market data with dates, conventions, the scenario switch, the WACC build-up",
    "Drivers": "Forecast drivers per scenario; the live scenario's row feeds the statements",
    "Income Statement": "Reported years as printed; forecast from the drivers; the source's forecast beneath",
    "Balance Sheet": "Balances in every year (checked); the revolver is the forecast's plug",
    "Cash Flow": "Net profit from the income statement; ending cash to the balance sheet",
    "DCF": "FCFF from the statements, dated from the valuation date, equity bridge, reconciliation",
    "Scenarios": "Every scenario's statements and value; the probability-weighted target",
    "Sensitivity": "WACC x terminal growth and WACC x exit multiple",
    "Report cases": "The reports' own valuations reproduced from their stated inputs",
    "Comps": "Peers as printed; multiples at the valuation date",
    "Rating": "The house scale (used by KC_RATING) and every view's rating",
    "Checks": "Every tie-out, balance, reconciliation and audit; one OK / NOT OK",
    "Self-check": "The add-in's functions on known inputs",
    "Change log": "What changed in each version of the model",
    "About": "How to use the workbook, sources, conventions",
}
DISCLAIMER = ("For discussion only. This workbook is a model, not investment advice or an offer to buy or sell any "
              "security. Figures for reported years are taken from the sources listed on the About sheet as printed "
              "there, including their rounding; where the sources' tables had to be reassembled or did not tie, the "
              "inference is recorded in the company data file and the affected lines are marked. Forecasts, "
              "scenarios, probabilities and discount rates are assumptions of the model's authors and will differ "
              "from outcomes. Check the Checks sheet before relying on any figure.")
CHANGES = [
    ("2.0", "The model models: a driver-based three-statement forecast per scenario (2025E-2035E) that balances in "
            "every year with a revolver as the plug; FCFF from the statements through KC_FCFF, dated from the valuation "
            "date with a stub; net debt, minorities and non-operating assets from the balance sheet at the valuation "
            "date; WACC built up through KC_WACC with an override; every scenario valued and probability-weighted "
            "into one house target and rating; the reports' own valuations kept as named report cases."),
    ("2.0", "Dates and currencies: one valuation date; every market figure dated; HKD/USD checked against the peg "
            "band; per-ADS values at the valuation date's rates."),
    ("2.0", "Checks compare live cells (balance in every year, cash-flow net profit, ending cash, the FCFF "
            "reconciliation); the source's rounding gaps are visible lines; BalanceSheetOK names the year and the gap."),
    ("2.0", "Presentation: cover, change log, headers and footers, numbered notes instead of working notes, "
            "negative P/E as n.m., the football field's cached series and print area, the rating table used."),
    ("1.x", "One module per sheet; one declaration per Excel function; the report's DCF and P/S reproduced."),
]


def write_cover(w: Writer, model: Model) -> None:
    f, data = w.f, model.data
    company, v = data["company"], data["valuation"]
    w.ws.set_column(0, 0, 28)
    w.ws.set_column(1, 1, 90)
    w.ws.write(1, 0, company["name_en"], f["cover_title"])
    if company.get("name_zh"):
        w.ws.write(2, 0, company["name_zh"], f["cover_big"])
    w.ws.write(3, 0, " / ".join(t for t in (company.get("ticker_hk"), company.get("ticker_us")) if t), f["cover_big"])
    w.ws.write(5, 0, "Valuation model", f["cover_big"])
    rows = [("Valuation date", "=ValuationDate", "date"), ("Model version", VERSION, None),
            ("Data file", data.get("_path", "").rsplit("/", 1)[-1], None),
            ("House target (HK$)", "=House_Target", "per_share_bold"), ("House rating", "=House_Rating", "text_bold"),
            ("Checks", "=ChecksOK", "text_bold")]
    row = 7
    for label, value, fmt in rows:
        w.ws.write(row, 0, label, f["label_bold"])
        if isinstance(value, str) and value.startswith("="):
            w.formula(row, 1, value, fmt)
        else:
            w.ws.write(row, 1, value, f["text"])
        row += 1
    row += 1
    w.ws.write(row, 0, "Contents", f["section"])
    row += 1
    for name in SHEET_ORDER:
        if name in CONTENTS:
            w.ws.write_url(row, 0, f"internal:'{name}'!A1", string=name)
            w.ws.write(row, 1, CONTENTS[name], f["text"])
            row += 1
    row += 1
    w.ws.write(row, 0, "Colours", f["section"])
    row += 1
    for label, fmt, meaning in (("1,234", "legend_input", "input (blue on yellow): typed, a defined name"),
                                ("1,234", "legend_formula", "formula (black)"),
                                ("1,234", "legend_link", "link to another sheet (green)"),
                                ("1,234", "legend_plug", "inferred or balancing item (shaded)")):
        w.ws.write(row, 0, label, f[fmt])
        w.ws.write(row, 1, meaning, f["text"])
        row += 1
    row += 1
    w.ws.write(row, 0, "Disclaimer", f["section"])
    w.ws.merge_range(row + 1, 0, row + 6, 1, DISCLAIMER, f["disclaimer"])
    w.reach(row + 6, 1)


def write_change_log(w: Writer, model: Model) -> None:
    f = w.f
    w.title("Change log", "修订记录")
    w.ws.set_column(0, 0, 10)
    w.ws.set_column(1, 1, 120)
    w.ws.write(3, 0, "Version", f["header_left"])
    w.ws.write(3, 1, "What changed", f["header_left"])
    row = 4
    for version, text in CHANGES:
        w.ws.write(row, 0, version, f["text_top"])
        w.ws.write(row, 1, text, f["wrap"])
        w.ws.set_row(row, 38)
        row += 1
    w.reach(row, 1)
