import math
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import settings

# Timing limits on examples would make results depend on how busy the machine is; results must not.
settings.register_profile("kc", deadline=None)
settings.load_profile("kc")

from workbook.calc import libreoffice
from workbook.commands.build import build

EXAMPLE_DATA = Path(__file__).parent / "workbook" / "data" / "example_company.toml"


def bench_refresh():
    """bench/refresh.py as a module (bench is no package): its books and helpers, for tests of them."""
    import importlib
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        return importlib.import_module("refresh")
    finally:
        sys.path.pop(0)


needs_libreoffice = pytest.mark.libreoffice
"""Marks a test that runs LibreOffice: skipped, with the reason, where soffice is missing; deselect them
day to day with ``scripts/test -m 'not libreoffice'`` (``.ci/run`` runs everything)."""


def pytest_collection_modifyitems(config, items):
    if libreoffice.available():
        return
    skip = pytest.mark.skip(reason="LibreOffice (soffice) is not installed; scripts/test installs it")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The KC template, built once for the session; tests copy it before changing anything."""
    path = tmp_path_factory.mktemp("built") / "KC_Model.xlsx"
    build(None, path)
    return path


@pytest.fixture(scope="session")
def example_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("example") / "Example.xlsx"
    build(EXAMPLE_DATA, path)
    return path


@pytest.fixture()
def book_copy(built_book, tmp_path) -> Path:
    target = tmp_path / "Model.xlsx"
    shutil.copyfile(built_book, target)
    return target


def same(a, b) -> bool:
    """Two cell values equal as a spreadsheet shows them: logicals exactly, numbers to 1e-9."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def values(path):
    return openpyxl.load_workbook(path, data_only=True)


def formulas(path):
    return openpyxl.load_workbook(path)


def formula_cells(path):
    """(sheet, cell, formula text) of every formula cell, array formulas included."""
    book = formulas(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                text = c.value.text if type(c.value).__name__ == "ArrayFormula" else c.value
                if isinstance(text, str) and text.startswith("="):
                    yield sheet.title, c.coordinate, text


def named(path, name):
    """(sheet, cell) of a one-cell defined name."""
    from workbook.xlsx.book import Workbook

    sheet, ref = Workbook.open(path).names[name]
    return sheet, ref.split(":")[0]


def inputs(path, **by_name):
    """{sheet: {cell: value}} for defined names, e.g. inputs(book, NetDebt=500.0)."""
    out = {}
    for name, value in by_name.items():
        sheet, ref = named(path, name)
        out.setdefault(sheet, {})[ref] = value
    return out


def small_book(path, sheet_name, first_row, formulas):
    """A one-sheet workbook: numbers in row 1 from A1, then {cell: formula}. Returns the path."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(sheet_name)
    sheet.write_row("A1", first_row)
    for ref, formula in formulas.items():
        sheet.write_formula(ref, formula)
    book.close()
    return path
