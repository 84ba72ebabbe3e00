"""LibreOffice, an independent spreadsheet program, recalculates the driver model: every native formula of
the built book (KC_* cells frozen to their values) gives the same value there, so the statements, the
balance check and the FCFF reconciliation hold in another program's arithmetic too."""


import pytest

from workbook.calc import libreoffice
from workbook.commands.freeze import freeze

from tests.conftest import formula_cells, needs_libreoffice, same, values

pytestmark = needs_libreoffice


@pytest.mark.parametrize("which", ["built_book", "example_book"])
def test_libreoffice_recalculates_the_model_to_the_same_values(which, request, tmp_path):
    frozen = tmp_path / "Shared.xlsx"
    freeze(request.getfixturevalue(which), frozen)
    theirs = values(libreoffice.recalculated(frozen, tmp_path / "lo"))
    ours = values(frozen)
    cells = list(formula_cells(frozen))
    assert len(cells) > 2000
    mismatches = [(s, r, ours[s][r].value, theirs[s][r].value) for s, r, _ in cells
                  if not same(ours[s][r].value, theirs[s][r].value)]
    assert mismatches == []
    bs = theirs["Balance Sheet"]
    row = next(r for r in range(1, 80) if bs.cell(r, 1).value == "Balance check: total assets - total liabilities and equity")
    assert all(bs.cell(row + 1, c).value is True for c in range(3, 3 + 8))
    assert theirs["Checks"]["C4"].value == "OK"
