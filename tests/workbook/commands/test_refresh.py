"""kc refresh on real built workbooks: only cached values change, inputs from data files, many books."""

import re
import zipfile

import pytest

import kcfuncs
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import write_cached_values
from workbook.commands.freeze import freeze
from workbook.commands.refresh import refresh_book, refresh_books

from tests.conftest import inputs, named, small_book, values

SHEET_PARTS_AND_BOOK = ("xl/worksheets/", "xl/workbook.xml")


def members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def base_flows():
    return kcfuncs.fcf_path(kcfuncs.revenue_path(10370, [0.2, 0.18, 0.15, 0.12]), [0.02, 0.04, 0.06, 0.08, 0.10])


def test_changed_assumption_refreshes_to_the_core_value(book_copy, tmp_path):
    edited = tmp_path / "Edited.xlsx"
    # The analyst sets the base-case WACC to 11.25% and the net debt to 500 (named input cells).
    write_cached_values(book_copy, edited, {}, inputs(book_copy, Case_base_WACC=0.1125, NetDebt=500.0))
    before = members(edited)
    report = refresh_book(edited)
    after = members(edited)
    expected = kcfuncs.dcf_valuation(base_flows(), 0.1125, 0.03, 500.0, 4099.28, 1.1).per_share
    book = values(edited)
    sheet, ref = named(edited, "Report_PerShare")  # the report case's value per share, live scenario
    assert book[sheet][ref].value == pytest.approx(expected, rel=1e-12)
    assert report.changed > 20
    # Only sheet XML, the workbook part's calcPr and the points charts keep of the cells they plot may
    # change; every other member is byte-identical.
    assert before.keys() == after.keys()
    points = re.compile(rb"<c:pt idx=\"\d+\"><c:v>[^<]*</c:v></c:pt>")
    for name in before:
        if name.startswith("xl/charts/"):
            assert points.sub(b"", before[name]) == points.sub(b"", after[name]), name
        elif not name.startswith(SHEET_PARTS_AND_BOOK):
            assert before[name] == after[name], name
    assert any(before[n] != after[n] for n in before if n.startswith("xl/charts/")), "the chart kept old values"
    with zipfile.ZipFile(edited) as z:
        original = {i.filename: (i.date_time, i.compress_type) for i in zipfile.ZipFile(book_copy).infolist()}
        assert {i.filename: (i.date_time, i.compress_type) for i in z.infolist()} == original


def test_unchanged_workbook_refresh_changes_nothing(book_copy):
    before = members(book_copy)
    report = refresh_book(book_copy)
    assert report.changed == 0
    assert members(book_copy) == before


def test_refresh_with_a_data_file_loads_inputs(book_copy, tmp_path):
    from workbook.company import default_data_path

    text = default_data_path().read_text(encoding="utf-8").replace("price = 8.30 ", "price = 9.10 ", 1)
    data = tmp_path / "kc_new_price.toml"
    data.write_text(text, encoding="utf-8")
    out = tmp_path / "Out.xlsx"
    report = refresh_book(book_copy, out, data)
    assert report.inputs > 200
    book = values(out)
    sheet, ref = named(out, "Price")
    assert book[sheet][ref].value == 9.10
    per_share = book["DCF"]["C21"].value
    assert book["DCF"]["C23"].value == pytest.approx(per_share / 9.10 - 1, rel=1e-12)


def test_backup_and_several_books_with_the_pool(built_book, tmp_path):
    paths = []
    for k in range(3):
        target = tmp_path / f"Book{k}.xlsx"
        target.write_bytes(built_book.read_bytes())
        paths.append(str(target))
    results = refresh_books(paths, backup=True, workers=2, progress=False)
    assert [r.changed for r in results] == [0, 0, 0]
    assert all((tmp_path / f"Book{k}.xlsx.bak").exists() for k in range(3))


def test_vba_and_unknown_parts_survive_byte_for_byte(book_copy, tmp_path):
    """A macro-enabled book: the VBA project (and any part we do not know) is copied untouched."""
    macro_book = tmp_path / "Model.xlsm"
    vba = bytes(range(256)) * 64
    with zipfile.ZipFile(book_copy) as zin, zipfile.ZipFile(macro_book, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("xl/vbaProject.bin", vba)
        zout.writestr("customXml/item1.xml", b"<analyst-notes>weeks of work</analyst-notes>")
    write_cached_values(macro_book, macro_book, {}, inputs(macro_book, Price=9.0))
    before = members(macro_book)
    refresh_book(macro_book)
    after = members(macro_book)
    assert after["xl/vbaProject.bin"] == vba == before["xl/vbaProject.bin"]
    assert after["customXml/item1.xml"] == before["customXml/item1.xml"]
    assert values(macro_book)["DCF"]["C23"].value == pytest.approx(values(macro_book)["DCF"]["C21"].value / 9.0 - 1)


def shared_formula_book(path):
    """What Excel writes when a formula is filled down: the first cell carries the text, the others point
    to it (t="shared", si). XlsxWriter never writes these, so the sheet XML is edited to that form."""
    small_book(path, "Fill", [100.0, 110.0, 120.0],
               {"A2": "=A1*2", "B2": "=B1*2", "C2": "=C1*2",
                "A3": "=KC_DCF($A$1:$C$1,0.1+A4,0.02)", "B3": "=KC_DCF($A$1:$C$1,0.1+B4,0.02)"})
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        infos = z.infolist()
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("<f>A1*2</f>", '<f t="shared" ref="A2:C2" si="0">A1*2</f>')
    xml = xml.replace("<f>B1*2</f>", '<f t="shared" si="0"/>').replace("<f>C1*2</f>", '<f t="shared" si="0"/>')
    xml = xml.replace("<f>KC_DCF($A$1:$C$1,0.1+A4,0.02)</f>",
                      '<f t="shared" ref="A3:B3" si="1">KC_DCF($A$1:$C$1,0.1+A4,0.02)</f>')
    xml = xml.replace("<f>KC_DCF($A$1:$C$1,0.1+B4,0.02)</f>", '<f t="shared" si="1"/>')
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in infos:
            z.writestr(info, parts[info.filename])
    return path


@pytest.mark.parametrize("engine", ["fast", "formulas"])
def test_shared_formulas_are_read_like_excel_fills_them(tmp_path, engine):
    from workbook.calc import recalculate

    path = shared_formula_book(tmp_path / "Filled.xlsx")
    got = recalculate(Workbook.open(path), engine=engine).values()["Fill"]
    assert [got["A2"], got["B2"], got["C2"]] == [200.0, 220.0, 240.0]
    expected = kcfuncs.dcf_valuation([100.0, 110.0, 120.0], 0.1, 0.02).per_share
    assert got["A3"] == pytest.approx(expected, rel=1e-12) and got["B3"] == pytest.approx(expected, rel=1e-12)


def test_refresh_and_freeze_keep_shared_formulas_consistent(tmp_path):
    import openpyxl

    path = shared_formula_book(tmp_path / "Filled.xlsx")
    refresh_book(path)
    assert values(path)["Fill"]["C2"].value == 240
    frozen = tmp_path / "Filled_shared.xlsx"
    freeze(path, frozen)
    book = openpyxl.load_workbook(frozen)
    assert book["Fill"]["B3"].value == pytest.approx(kcfuncs.dcf_valuation([100.0, 110.0, 120.0], 0.1, 0.02).per_share)
    assert "=KC_DCF($A$1:$C$1,0.1+B4,0.02)" in book["Fill"]["B3"].comment.text
    assert book["Fill"]["C2"].value == "=C1*2"     # the native shared formula stays live


def test_what_a_refresh_leaves_alive_goes_to_the_oldest_generation(book_copy):
    # No young collection walks the kept plan once more after the refresh; a host's own frozen objects
    # stay frozen; the collector is on again.
    import gc

    from workbook.calc.fast_engine import forget_plans

    forget_plans()
    refresh_book(book_copy)                      # a plan worked out and kept: thousands of objects
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1)) < 5_000
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        refresh_book(book_copy)
        assert gc.get_freeze_count() > frozen // 2        # (not thawed; some were freed since)
    finally:
        gc.unfreeze()
