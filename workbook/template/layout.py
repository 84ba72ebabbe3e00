"""What every sheet writer shares: the workbook's constants, cell-reference helpers, the ``Model`` that
records where things landed, currency labels, and the ``Writer`` with the template's conventions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_rowcol_to_cell


# Notes on inputs that hold for any company; the rest come from the data file's valuation.sources.
GENERIC_NOTES = ("Convention", "Scenario", "RatingScale", "TieTolerance", "DataFile", "Timing", "Stub")
SHEET_ORDER = ("Cover", "Summary", "Assumptions", "Drivers", "Income Statement", "Balance Sheet", "Cash Flow", "DCF",
               "Scenarios", "Sensitivity", "Report cases", "Comps", "Rating", "Checks", "Self-check", "Change log",
               "About", "xlwings.conf")
STATEMENT_SHEETS = {"income_statement": ("Income Statement", "损益表"), "balance_sheet": ("Balance Sheet", "资产负债表"),
                    "cash_flow": ("Cash Flow", "现金流量表")}
FIRST_VALUE_COL = 2          # column C: labels take A (English) and B (中文)
UDF_MODULE = "addin.functions"
SENS_WACC_STEPS = 7          # rows of the WACC x g grids, centred on the live WACC
SENS_GROWTH_STEPS = 5        # columns, centred on the live terminal growth
EXIT_MULTIPLES = (10, 12, 14, 16, 18)
VERSION = "2.0"              # of the template; the Change log sheet lists what each version changed


def cell(row: int, col: int, absolute: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, absolute, absolute)


def span(row1: int, col1: int, row2: int, col2: int, absolute: bool = False) -> str:
    return f"{cell(row1, col1, absolute)}:{cell(row2, col2, absolute)}"


def on(sheet: str, ref: str) -> str:
    return f"'{sheet}'!{ref}"


def local(sheet: str, here: str, ref: str) -> str:
    """``ref`` on ``sheet`` as written on sheet ``here`` (no sheet prefix on its own sheet)."""
    return ref if sheet == here else on(sheet, ref)


@dataclass
class Model:
    """Where things landed, so later sheets can refer to them. Columns: every model year has one column,
    the same on every sheet that lays years out (statements, Drivers, DCF, Scenarios, Checks)."""

    data: dict
    plan: object                                                            # workbook.company.forecast.Plan
    house: dict                                                             # workbook.company.house.house_view
    line_cells: dict[str, tuple[str, int]] = field(default_factory=dict)   # key -> (sheet, row) of the live line
    printed_cells: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (sheet, row) as printed
    diff_cells: dict[str, tuple[str, int]] = field(default_factory=dict)   # key -> (sheet, row) of live - printed
    driver_rows: dict[str, dict[str, int]] = field(default_factory=dict)   # driver -> {scenario or "live": row}
    checks: list[dict] = field(default_factory=list)                        # rows for the Checks sheet
    refs: dict[str, str] = field(default_factory=dict)                      # named places
    notes: dict[str, list[str]] = field(default_factory=dict)              # sheet -> numbered notes

    @property
    def years(self) -> list[str]:
        return self.plan.years

    def col(self, year: str) -> int:
        return FIRST_VALUE_COL + self.plan.years.index(year)

    def source_col(self, year: str) -> int:
        """Columns of the source years are the model's columns of the same years."""
        return self.col(year)

    def live(self, key: str, year: str, here: str = "", absolute: bool = False) -> str:
        sheet, row = self.line_cells[key]
        return local(sheet, here, cell(row, self.col(year), absolute))

    def printed_ref(self, key: str, year: str, here: str = "") -> str:
        sheet, row = self.printed_cells[key]
        return local(sheet, here, cell(row, self.col(year)))

    def live_driver(self, key: str, col: int, here: str = "", scenario: str = "live") -> str:
        """The driver ``key`` of ``scenario`` (default: the live one) in column ``col``, on the Drivers sheet."""
        return local("Drivers", here, cell(self.driver_rows[key][scenario], col))

    def data_line(self, key: str) -> dict:
        return next(line for s in ("income_statement", "balance_sheet", "cash_flow") for line in self.data[s]
                    if line["key"] == key)

    def note(self, sheet: str, text: str) -> str:
        """A numbered note of ``sheet`` (printed under its tables); returns its marker, e.g. "(3)"."""
        items = self.notes.setdefault(sheet, [])
        if text not in items:
            items.append(text)
        return f"({items.index(text) + 1})"


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


def explicit_skips(formula: str) -> str:
    """Every skipped argument of a KC_* call written as "" (``KC_DCF(a,b,c,,,x)`` -> ``KC_DCF(a,b,c,"","",x)``).

    Excel and our engines read an empty slot and "" alike ("use the default"), but LibreOffice hands a
    Basic function an empty slot as 0, which would be a real value; "" means "default" in every host."""
    out, stack, i, n = [], [], 0, len(formula)   # stack: [is a KC_* call, current argument has content]
    while i < n:
        ch = formula[i]
        if ch == '"':
            end = i + 1
            while end < n and not (formula[end] == '"' and formula[end + 1:end + 2] != '"'):
                end += 2 if formula[end] == '"' else 1
            out.append(formula[i:end + 1])
            if stack:
                stack[-1][1] = True
            i = end + 1
            continue
        if ch == "(":
            name = "".join(out).rstrip()
            j = len(name)
            while j and (name[j - 1].isalnum() or name[j - 1] in "_."):
                j -= 1
            callee = name[j:].upper()
            if stack:
                stack[-1][1] = True
            stack.append([callee.startswith("KC_") or callee.startswith("_XLUDF.KC_"), False])
            out.append(ch)
        elif ch in ",)" and stack:
            is_kc, has_content = stack[-1]
            empty_slot = not has_content and (ch == "," or out[-1] == ",")
            if is_kc and empty_slot:
                out.append('""')
            if ch == ",":
                stack[-1][1] = False
            else:
                stack.pop()
            out.append(ch)
        else:
            if stack and not ch.isspace():
                stack[-1][1] = True
            out.append(ch)
        i += 1
    return "".join(out)


# XlsxWriter prefixes Excel 365 function names (_xlfn.) with about 30 regular-expression passes over every
# formula; the template uses none of those functions, so one search decides whether the passes are needed.
_FUTURE = re.compile(r"\b(ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|HSTACK|LAMBDA|MAKEARRAY|"
                     r"MAP|RANDARRAY|REDUCE|SCAN|SINGLE|SEQUENCE|SORT|SORTBY|SWITCH|TAKE|TEXTSPLIT|TOCOL|TOROW|UNIQUE|"
                     r"VSTACK|WRAPCOLS|WRAPROWS|XLOOKUP)\(")


_LINK = re.compile(r"='[^']+'!\$?[A-Z]{1,3}\$?\d+")


def _quick_prepare(original):
    def prepare(formula, expand_future_functions=False):
        if expand_future_functions or _FUTURE.search(formula):
            return original(formula, expand_future_functions)
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        return formula[:-1] if formula.endswith("}") else formula
    return prepare


class Writer:
    """An XlsxWriter worksheet with the template's conventions."""

    def __init__(self, book, formats, name: str, localise=lambda text: text):
        self.book, self.f, self.name, self.tr = book, formats, name, localise
        self.ws = book.add_worksheet(name)
        if not self.ws.use_future_functions:
            self.ws._prepare_formula = _quick_prepare(self.ws._prepare_formula)
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
        if f"{fmt}_link" in self.f and _LINK.fullmatch(text):  # a link to another sheet is green
            fmt = f"{fmt}_link"
        self.ws.write_formula(row, col, explicit_skips(text) if "KC_" in text else text, self.f[fmt])
        self.reach(row, col)

    def reach(self, row: int, col: int) -> None:
        self.extent = [max(self.extent[0], row), max(self.extent[1], col)]

    def line(self, row: int, en: str, zh: str, formula: str, fmt: str = "number") -> int:
        """A labelled one-value row (value in column C); returns the next row."""
        self.labels(row, en, zh)
        self.formula(row, 2, formula, fmt)
        return row + 1

    def value(self, row: int, col: int, value, fmt: str = "number") -> None:
        """A constant (number, text or None for a formatted blank)."""
        if value is None:
            self.ws.write_blank(row, col, None, self.f[fmt])
        else:
            self.ws.write(row, col, self.tr(value) if isinstance(value, str) else value, self.f[fmt])
        self.reach(row, col)

    def define(self, name: str, row: int, col: int, row2: int | None = None, col2: int | None = None) -> str:
        target = cell(row, col, True) if row2 is None else span(row, col, row2, col2, True)
        self.book.define_name(name, f"={on(self.name, target)}")
        return name

    def write_notes(self, model: Model, row: int, width_cols: int = 12) -> int:
        """The sheet's numbered notes, one per row under its tables; returns the next row."""
        items = model.notes.get(self.name, [])
        if not items:
            return row
        self.text(row, 0, "Notes", "section")
        row += 1
        for k, text in enumerate(items, start=1):
            self.ws.write(row, 0, self.tr(f"({k}) {text}"), self.f["note_line"])
            self.reach(row, min(width_cols, self.extent[1]))
            row += 1
        return row + 1
