"""LibreOffice as the recalculation engine: a user-made book with KC_* and native formulas recomputed by
headless LibreOffice, written back by our writer with only the values changed."""

import re
import zipfile

import pytest
import xlsxwriter
from formulas.tokens.operand import XlError

from addin.libreoffice import NOT_INSTALLED, SetupError
from addin.registry import FUNCTIONS
from workbook.calc import libreoffice_engine
from workbook.calc.libreoffice_engine import excel_value, recalculate_with_libreoffice
from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import with_cached_values

from tests.conftest import needs_libreoffice

FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]
WACCS, GROWTHS = [0.095, 0.105, 0.115], [0.02, 0.03]
BRIDGE = (161.8, 4099.28, 1.1)


def call(name, *args):
    """A registry call as xlwings makes it: every declared argument, None when not given."""
    declared = len(FUNCTIONS[name].__signature__.parameters)
    return FUNCTIONS[name](*args, *([None] * (declared - len(args))))


def user_book(path):
    """What an analyst makes by hand: inputs, scalar KC_DCF cells, a legacy array formula and a dynamic
    array of KC_SENSITIVITY, and native formulas on top of them."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Valuation")
    sheet.write_row("A1", FLOWS)
    sheet.write_row("A2", WACCS)
    sheet.write_column("E2", GROWTHS)
    sheet.write("G1", "note: hand-made")
    sheet.write_formula("A4", "=KC_DCF(A1:E1,0.105,0.03,161.8,4099.28,1.1)")
    sheet.write_formula("B4", '=KC_DCF(A1:E1,0.105,0.03,161.8,4099.28,1.1,"mid")')
    sheet.write_formula("C4", '=KC_DCF(A1:E1,0.105,0.03,161.8,4099.28,1.1,"end","ev")')
    sheet.write_formula("A5", "=A4*2+SUM(A1:E1)")
    sheet.write_formula("B5", "=NPV(0.105,A1:E1)")
    sheet.write_formula("C5", '=IF(A4>B4,"end higher","mid higher")')
    sheet.write_formula("D5", "=A4>0")
    sheet.write_formula("E5", "=1/0")
    sheet.write_formula("F5", "=KC_DCF(A1:E1,0.03,0.03)")
    sheet.write_array_formula("A7:B9", "{=KC_SENSITIVITY(A1:E1,A2:C2,E2:E3,161.8,4099.28,1.1)}")
    sheet.write_dynamic_array_formula("D7:E9", "=KC_SENSITIVITY(A1:E1,A2:C2,E2:E3,161.8,4099.28,1.1)")
    sheet.write_formula("A11", "=SUM(A7:B9)-SUM(D7:E9)")
    sheet.write_dynamic_array_formula("A12:E12", "=KC_REVENUE(100,{0.1,0.2,0.3,0.4})")
    other = book.add_worksheet("Other")
    other.write_formula("A1", "=Valuation!A4/Valuation!C4")
    book.close()
    return path


def test_excel_values_from_libreoffice_stored_cells():
    assert isinstance(excel_value("e", "#DIV/0!", []), XlError) and str(excel_value("e", "#DIV/0!", [])) == "#DIV/0!"
    assert str(excel_value("e", "Err:502", [])) == "#VALUE!"
    assert excel_value("str", "", []) == "" and excel_value("str", None, []) == ""
    assert excel_value("s", "1", ["a", "b"]) == "b"
    assert excel_value("b", "1", []) is True and excel_value("b", "0", []) is False
    assert excel_value(None, "5.25", []) == 5.25 and excel_value("n", None, []) == 0.0


def test_without_libreoffice_it_is_one_line(monkeypatch, tmp_path):
    path = user_book(tmp_path / "Book.xlsx")

    def missing(**_):
        raise SetupError("LibreOffice is not installed (no soffice on PATH); install the Debian package X")

    monkeypatch.setattr(libreoffice_engine, "find_programs", missing)
    with pytest.raises(BookError, match="^LibreOffice is not installed"):
        recalculate_with_libreoffice(Workbook.open(path))


@pytest.fixture(scope="module")
def installed():
    from tests.addin.libreoffice.installed import kc_extension

    return kc_extension()


@needs_libreoffice
def test_a_user_book_recomputed_by_libreoffice(installed, tmp_path):
    book = Workbook.open(user_book(tmp_path / "Book.xlsx"))
    values = recalculate_with_libreoffice(book)
    v = values["Valuation"]
    per_share = call("KC_DCF", [FLOWS], 0.105, 0.03, *BRIDGE)
    assert v["A4"] == pytest.approx(per_share, rel=1e-14)  # LibreOffice's .xlsx keeps 15 significant digits
    assert v["B4"] == pytest.approx(call("KC_DCF", [FLOWS], 0.105, 0.03, *BRIDGE, "mid"), rel=1e-14)
    assert v["C4"] == pytest.approx(call("KC_DCF", [FLOWS], 0.105, 0.03, *BRIDGE, "end", "ev"), rel=1e-14)
    assert v["A5"] == pytest.approx(2 * per_share + sum(FLOWS), rel=1e-14)
    assert v["B5"] == pytest.approx(sum(f / 1.105 ** (i + 1) for i, f in enumerate(FLOWS)), rel=1e-14)
    assert v["C5"] == "mid higher" and v["D5"] is True
    assert isinstance(v["E5"], XlError) and str(v["E5"]) == "#DIV/0!"
    assert v["F5"] == "KC_DCF: wacc (3.0%) must exceed terminal growth (3.0%)"
    grid = call("KC_SENSITIVITY", [FLOWS], [WACCS], [[g] for g in GROWTHS], *BRIDGE)
    for top_left in ("A7", "D7"):
        col = "ABCDE".index(top_left[0])
        for i in range(3):
            for j in range(2):
                ref = f"{'ABCDE'[col + j]}{7 + i}"
                assert v[ref] == pytest.approx(grid[i][j], rel=1e-14), ref
    assert v["A11"] == pytest.approx(0.0, abs=1e-9)
    revenue = call("KC_REVENUE", 100.0, [[0.1, 0.2, 0.3, 0.4]])[0]
    assert [v[f"{c}12"] for c in "ABCDE"] == pytest.approx(revenue, rel=1e-14)
    assert values["Other"]["A1"] == pytest.approx(v["A4"] / v["C4"], rel=1e-14)
    assert set(values) == {"Valuation", "Other"}
    assert len(v) == 9 + 6 + 6 + 1 + 5  # every formula cell and every cell of an array's range


def without_values(xml: bytes) -> bytes:
    """A worksheet with the cached values and the types of its cells taken out."""
    xml = re.sub(rb"<v>[^<]*</v>|<v/>", b"", xml)
    return re.sub(rb'(<c [^>]*?) t="[^"]*"', rb"\1", xml)


@needs_libreoffice
def test_written_back_only_the_values_change(installed, tmp_path):
    source = user_book(tmp_path / "Book.xlsx")
    book = Workbook.open(source)
    values = recalculate_with_libreoffice(book)
    out = tmp_path / "Refreshed.xlsx"
    with_cached_values(book, values).save(out)
    before, after = zipfile.ZipFile(source), zipfile.ZipFile(out)
    assert [i.filename for i in before.infolist()] == [i.filename for i in after.infolist()]
    sheets = {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
    for name in before.namelist():
        old, new = before.read(name), after.read(name)
        if name in sheets:
            assert old != new and without_values(old) == without_values(new), name
        elif name == "xl/workbook.xml":
            assert re.sub(rb"<calcPr[^>]*/>", b"", old) == re.sub(rb"<calcPr[^>]*/>", b"", new)
        else:
            assert old == new, name
    again = Workbook.open(out)
    assert again.value("Valuation", "A4") == pytest.approx(values["Valuation"]["A4"], rel=0)
    assert again.value("Valuation", "D5") is True
    assert again.value("Valuation", "F5") == values["Valuation"]["F5"]
    stored = {c.ref: c for c in again.cells("Valuation")}
    assert stored["E5"].cell_type == "e" and stored["E5"].value_text == "#DIV/0!"


@needs_libreoffice
def test_the_not_installed_message_stops_the_engine(installed, tmp_path, monkeypatch):
    """Were the extension missing, every KC_* cell would say so: the engine refuses instead of storing it."""
    path = tmp_path / "Book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("S").write_formula("A1", "=KC_MISSING_FUNCTION_PROBE()")
    book.close()
    # A Basic function in the private profile that answers as the wrappers do without the extension.
    from addin.libreoffice import basic

    monkeypatch.setattr(basic, "module_code", lambda functions=None: basic.HEADER + (
        'Function KC_MISSING_FUNCTION_PROBE()\n    KC_MISSING_FUNCTION_PROBE = "KC_X: ' + NOT_INSTALLED + '"\n'
        "End Function\n"))
    with pytest.raises(BookError, match=r"Book\.xlsx: S!A1: KC_X: the KC extension is not installed"):
        recalculate_with_libreoffice(Workbook.open(path))


@needs_libreoffice
def test_kc_refresh_with_the_libreoffice_engine_stores_only_values(installed, tmp_path, capsys):
    from workbook import commands

    source = user_book(tmp_path / "Book.xlsx")
    out = tmp_path / "ByLibreOffice.xlsx"
    assert commands.main(["refresh", str(source), "-o", str(out), "--engine", "libreoffice"]) == 0
    ours = tmp_path / "ByUs.xlsx"
    assert commands.main(["refresh", str(source), "-o", str(ours)]) == 0
    by_lo, by_us = Workbook.open(out), Workbook.open(ours)
    # The same values as our own engine (LibreOffice's .xlsx keeps 15 significant digits) ...
    for sheet, cells in by_us.cached_values().items():
        for ref, (kind, text) in cells.items():
            theirs = by_lo.cached_values()[sheet][ref]
            if kind in (None, "n"):
                assert float(theirs[1]) == pytest.approx(float(text), rel=1e-14), (sheet, ref)
            else:
                assert theirs == (kind, text), (sheet, ref)
    # ... and every part other than the sheets' values and calcPr byte for byte the original's.
    before, after = zipfile.ZipFile(source), zipfile.ZipFile(out)
    for name in before.namelist():
        if name.startswith("xl/worksheets/"):
            assert without_values(before.read(name)) == without_values(after.read(name)), name
        elif name != "xl/workbook.xml":
            assert before.read(name) == after.read(name), name
