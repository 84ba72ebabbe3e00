"""The conformance table (data/conformance.toml) as workbooks: each row's inputs, names and formula written
with XlsxWriter, then patched where XlsxWriter cannot write what the row needs (ISO date cells, the
iteration flag); and how a computed value is compared with the row's expected one."""

from __future__ import annotations

import math
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xlsxwriter
from formulas.tokens.operand import XlError

TABLE = Path(__file__).parent / "data" / "conformance.toml"
MAIN_SHEET = "S"


@dataclass
class Case:
    id: str
    formula: str
    source: str
    cell: str = "C1"
    sheet: str = MAIN_SHEET
    inputs: dict = field(default_factory=dict)
    sheets: dict = field(default_factory=dict)
    names: list = field(default_factory=list)
    dates: dict = field(default_factory=dict)
    array: str | None = None
    array_values: dict | None = None
    expected: object = None
    error: str | None = None
    tolerance: float = 1e-12
    refused: str | None = None
    libreoffice: dict | None = None
    fallback: str | None = None
    stored: object = None
    parentheses: int = 0
    iterate: bool = False

    @property
    def text(self) -> str:
        body = self.formula[1:]
        return "=" + "(" * self.parentheses + body + ")" * self.parentheses

    def outcomes(self) -> dict:
        """{cell: expected value} of the cells the row checks (errors as their text)."""
        if self.array_values is not None:
            return dict(self.array_values)
        return {self.cell: self.error if self.error is not None else self.expected}

    def libreoffice_outcomes(self) -> dict:
        if self.libreoffice and ("value" in self.libreoffice or "error" in self.libreoffice):
            return {self.cell: self.libreoffice.get("value", self.libreoffice.get("error"))}
        return self.outcomes()


def load_cases() -> list[Case]:
    with open(TABLE, "rb") as handle:
        return [Case(**row) for row in tomllib.load(handle)["case"]]


def _write_value(sheet, ref, value):
    if isinstance(value, bool):
        sheet.write_boolean(ref, value)
    elif isinstance(value, (int, float)):
        sheet.write_number(ref, value)
    elif isinstance(value, str) and value.startswith("="):
        sheet.write_formula(ref, value)
    else:
        sheet.write_string(ref, value)


def _renamed(text: str, renames: dict) -> str:
    """``text`` with every sheet and name of ``renames`` replaced (whole words, ignoring case, keeping the
    case as written so case-insensitivity is still exercised)."""
    for old, new in renames.items():
        suffix = new[len(old):]
        text = re.sub(rf"(?<![\w.])({re.escape(old)})(?=!|\b)(?![\w.(])",
                      lambda m: m.group(1) + suffix, text, flags=re.I)
    return text


def write_cases(cases: list[Case], path: Path, *, unique: bool = False) -> dict:
    """One workbook holding ``cases``; with ``unique`` each case's sheets and names get a suffix so
    several cases share one book. Returns {case id: (sheet of its formula, {cell: expected})}."""
    book = xlsxwriter.Workbook(str(path))
    where, date_cells, sheet_order = {}, {}, []
    for n, case in enumerate(cases):
        sheet_names = [case.sheet] + [s for s in case.sheets if s != case.sheet]
        renames = {}
        if unique:
            renames = {s: f"{s}_{n}" for s in sheet_names + [MAIN_SHEET]}
            renames.update({entry["name"]: f"{entry['name']}_{n}" for entry in case.names})
        sheets = {}
        for name in sheet_names:
            title = renames.get(name, name)
            sheets[name] = book.add_worksheet(title)
            sheet_order.append(title)
        if MAIN_SHEET not in sheets and any(MAIN_SHEET in e["refers_to"] for e in case.names):
            title = renames.get(MAIN_SHEET, MAIN_SHEET)
            sheets[MAIN_SHEET] = book.add_worksheet(title)
            sheet_order.append(title)
        for name, cells in [(case.sheet, case.inputs)] + list(case.sheets.items()):
            for ref, value in cells.items():
                _write_value(sheets[name], ref, _renamed(value, renames) if isinstance(value, str) else value)
        for ref in case.dates:
            sheets[case.sheet].write_number(ref, 0)
            date_cells[(renames.get(case.sheet, case.sheet), ref)] = case.dates[ref]
        for entry in case.names:
            name = renames.get(entry["name"], entry["name"])
            scope = entry.get("scope")
            target = "=" + _renamed(entry["refers_to"], renames)
            book.define_name(f"{renames.get(scope, scope)}!{name}" if scope else name, target)
        formula = _renamed(case.text, renames)
        sheet = sheets[case.sheet]
        if case.array:
            first, _, last = case.array.partition(":")
            sheet.write_array_formula(f"{first}:{last or first}", "{" + formula + "}")
        elif case.stored is not None:
            sheet.write_formula(case.cell, formula, None, case.stored)
        else:
            sheet.write_formula(case.cell, formula)
        where[case.id] = (renames.get(case.sheet, case.sheet), case.outcomes())
    book.close()
    if date_cells or any(c.iterate for c in cases):
        _patch(path, date_cells, sheet_order, iterate=any(c.iterate for c in cases))
    return where


def _patch(path: Path, date_cells: dict, sheet_order: list, iterate: bool) -> None:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i.filename) for i in infos}
    for (sheet, ref), iso in date_cells.items():
        part = f"xl/worksheets/sheet{sheet_order.index(sheet) + 1}.xml"
        xml = parts[part].decode()
        xml, count = re.subn(rf'<c r="{ref}"([^>]*)><v>0</v></c>', rf'<c r="{ref}"\1 t="d"><v>{iso}</v></c>', xml)
        assert count == 1, (sheet, ref)
        parts[part] = xml.encode()
    if iterate:
        xml = parts["xl/workbook.xml"].decode()
        parts["xl/workbook.xml"] = re.sub(r"<calcPr ", '<calcPr iterate="1" ', xml, count=1).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in infos:
            z.writestr(info, parts[info.filename])


def matches(expected, got, tolerance: float = 1e-12) -> bool:
    """A computed value against the table's: numbers to the row's tolerance, errors by their text (an
    Excel error value, or how openpyxl reports one), logical values and text exactly."""
    if isinstance(got, np.generic):
        got = got.item()
    if isinstance(expected, str) and expected.startswith("#"):
        return (isinstance(got, XlError) or isinstance(got, str)) and str(got) == expected
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(got, bool) and isinstance(expected, bool) and got == expected
    if isinstance(expected, (int, float)):
        return isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=tolerance, abs_tol=1e-300)
    return got == expected
