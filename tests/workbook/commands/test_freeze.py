"""kc freeze on a real built workbook: KC_* cells become values, formulas kept in notes."""


import pytest

from workbook.commands.freeze import freeze

from tests.conftest import formula_cells, values


def test_freeze_replaces_kc_formulas_and_keeps_them_in_notes(book_copy, tmp_path):
    import openpyxl

    frozen = tmp_path / "Shared.xlsx"
    result = freeze(book_copy, frozen)
    assert result["frozen_cells"] > 100 and result["notes_skipped"] == []
    remaining = [(s, r) for s, r, f in formula_cells(frozen) if "KC_" in f.upper()]
    assert remaining == []
    book = openpyxl.load_workbook(frozen)
    note = book["DCF"]["C21"].comment.text
    assert note.startswith("Frozen value. Original formula: =KC_DCF(Live_FCF,WACC")
    assert "FROZEN COPY" in book["Summary"]["F1"].value
    # Native formulas stay live, and the values equal the live model's.
    assert book["DCF"]["D21"].value.startswith("=")
    assert values(frozen)["DCF"]["C21"].value == values(book_copy)["DCF"]["C21"].value
    with pytest.raises(Exception, match="must be a new file"):
        freeze(book_copy, book_copy)
