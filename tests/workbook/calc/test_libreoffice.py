"""LibreOffice, an independent spreadsheet program, against our cached values."""

import csv
import shutil

import pytest

from workbook.calc import libreoffice
from workbook.xlsx.cached_values import write_cached_values
from workbook.commands.freeze import freeze
from workbook.commands.refresh import refresh_book

from tests.conftest import formula_cells, inputs, needs_libreoffice, same, values

pytestmark = needs_libreoffice


def compare_with_libreoffice(ours_path, tmp_path):
    """Every formula cell of ``ours_path`` against LibreOffice's full recalculation of it."""
    lo_path = libreoffice.recalculated(ours_path, tmp_path / "lo")
    ours, theirs = values(ours_path), values(lo_path)
    cells = list(formula_cells(ours_path))
    mismatches = [(s, r, ours[s][r].value, theirs[s][r].value) for s, r, _ in cells
                  if not same(ours[s][r].value, theirs[s][r].value)]
    errors = [(ws.title, c.coordinate, c.value) for ws in theirs.worksheets for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("#")]
    return cells, mismatches, errors


def labelled(sheet, prefix):
    """The value in column C of the first row whose label (column A) starts with ``prefix``."""
    row = next(r for r in sheet.iter_rows() if isinstance(r[0].value, str) and r[0].value.startswith(prefix))
    return row[2].value


def native_formula_cell(path):
    """A native formula on a statement sheet with a non-zero number: no KC_* call upstream of it."""
    book = values(path)
    for sheet, ref, formula in formula_cells(path):
        value = book[sheet][ref].value
        if sheet == "Income Statement" and "KC_" not in formula and isinstance(value, float) and value:
            return sheet, ref, value
    raise AssertionError("no native formula on the Income Statement")


def test_pdf_and_csv_show_the_cached_numbers(built_book, tmp_path):
    (tmp_path / "lo").mkdir()
    pdf = libreoffice.convert(built_book, "pdf", tmp_path / "lo")
    assert pdf.stat().st_size > 20_000
    # All sheets to CSV (one file per sheet); the Summary shows the cached target and rating, not #NAME?.
    libreoffice.convert(built_book, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
                        tmp_path / "lo")
    summary = next((tmp_path / "lo").glob("*Summary*.csv"))
    rows = list(csv.reader(summary.open(encoding="utf-8")))
    ours = values(built_book)["Summary"]
    target = next(r for r in rows if r and r[0].startswith("Target price"))
    assert float(target[2]) == pytest.approx(labelled(ours, "Target price"), abs=0.005)
    rating = next(r for r in rows if r and r[0].startswith("Rating"))
    assert rating[2] == labelled(ours, "Rating") and rating[2] in ("Buy", "Hold", "Sell")
    # A scalar KC_* cell keeps its cached value (array formulas LibreOffice recomputes: without the extension
    # in the profile it starts from, they show #NAME?, NOTES §4; kc freeze makes the copy that shows values).
    dcf_rows = list(csv.reader(next((tmp_path / "lo").glob("*DCF*.csv")).open(encoding="utf-8")))
    per_share = next(r for r in dcf_rows if r and r[0].startswith("Value per share"))
    assert float(per_share[2]) == pytest.approx(labelled(values(built_book)["DCF"], "Value per share"), abs=0.005)


def test_libreoffice_really_recalculates(book_copy, tmp_path):
    """The oracle is independent: a wrong cached value of a native formula is corrected by LibreOffice."""
    sheet, ref, good = native_formula_cell(book_copy)
    tampered = tmp_path / "tampered.xlsx"
    write_cached_values(book_copy, tampered, {sheet: {ref: 999.0}})
    lo = values(libreoffice.recalculated(tampered, tmp_path / "lo"))
    assert values(tampered)[sheet][ref].value == 999.0
    assert lo[sheet][ref].value == pytest.approx(good, rel=1e-9)


def test_frozen_copy_recalculated_by_libreoffice_has_no_error_and_same_values(book_copy, tmp_path):
    frozen = tmp_path / "Shared.xlsx"
    freeze(book_copy, frozen)
    cells, mismatches, errors = compare_with_libreoffice(frozen, tmp_path)
    assert len(cells) > 450
    assert mismatches == []
    assert errors == []


def test_after_a_refresh_native_formulas_agree_with_libreoffice(book_copy, tmp_path, monkeypatch):
    # Override the base scenario's WACC with 11% through its input cell, refresh, then let LibreOffice recompute
    # every native formula of the frozen result (KC_* cells frozen to the values the refresh computed).
    changed = tmp_path / "Changed.xlsx"
    write_cached_values(book_copy, changed, {}, inputs(book_copy, House_base_wacc_override=0.11))
    refresh_book(changed)
    frozen = tmp_path / "Changed_shared.xlsx"
    freeze(changed, frozen)
    cells, mismatches, errors = compare_with_libreoffice(frozen, tmp_path)
    assert mismatches == [] and errors == []
    # A higher WACC lowers the house target (the base case carries half its weight).
    before, after = labelled(values(book_copy)["Summary"], "Target price"), labelled(values(frozen)["Summary"],
                                                                                    "Target price")
    assert after < before
    shutil.rmtree(tmp_path / "lo", ignore_errors=True)
