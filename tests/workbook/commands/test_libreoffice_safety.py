"""What issue 11's fixes look like in LibreOffice, an independent spreadsheet program: files written from
UTF-16 and prefixed sheets read back with their new values; kc set's results agree with LibreOffice's own
recalculation; a frozen copy's inputs cannot be typed over without unprotecting."""

import csv
import json
import subprocess
from pathlib import Path

import pytest

from workbook import commands as cli
from workbook.calc import libreoffice

from tests.conftest import formula_cells, needs_libreoffice, same, values
from tests.workbook.xlsx import hostile
from tests.workbook.xlsx.test_package_safety import model

pytestmark = needs_libreoffice
HERE = Path(__file__).resolve().parent


def shown_by_libreoffice(path, tmp_path) -> list[list[str]]:
    out = tmp_path / f"lo_{path.stem}"
    out.mkdir()
    exported = libreoffice.convert(path, "csv", out)
    return list(csv.reader(exported.open(encoding="utf-8")))


@pytest.mark.parametrize("variant", ["utf16", "prefixed"])
def test_libreoffice_reads_the_values_written_into_odd_sheets(tmp_path, variant):
    source = model(tmp_path / "Model.xlsx")
    book = (hostile.utf16 if variant == "utf16" else hostile.prefixed)(source, tmp_path / f"{variant}.xlsx")
    assert cli.main(["set", str(book), "First=200"]) == 0
    rows = shown_by_libreoffice(book, tmp_path)
    assert rows[0][:3] == ["200", "110", "120"]
    assert rows[1][0] == "430" and rows[1][2] == "n=430"


def test_kc_set_results_agree_with_libreoffices_recalculation(book_copy, tmp_path):
    # LibreOffice cannot run KC_* functions, so compare the frozen copy: KC_* cells hold kc set's values,
    # every native formula is recomputed by LibreOffice from them and from the new inputs.
    assert cli.main(["set", str(book_copy), "Case_base_WACC=11%", "Case_base_Growth=15%,15%,12%,10%",
                     "ValuationDate=2025-12-31"]) == 0
    frozen = tmp_path / "Frozen.xlsx"
    assert cli.main(["freeze", str(book_copy), "-o", str(frozen)]) == 0
    theirs = values(libreoffice.recalculated(frozen, tmp_path / "lo"))
    ours = values(frozen)
    cells = list(formula_cells(frozen))
    assert len(cells) > 400
    mismatches = [(s, r, ours[s][r].value, theirs[s][r].value) for s, r, _ in cells
                  if not same(ours[s][r].value, theirs[s][r].value)]
    assert mismatches == []


def typed_in_libreoffice(book: Path, sheet: str, ref: str, text: str, tmp_path) -> dict:
    profile = tmp_path / "lo_profile"
    done = subprocess.run(["/usr/bin/python3", str(HERE / "lo_edit.py"), str(book), sheet, ref, text, str(profile)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_frozen_copys_input_cannot_be_typed_over_in_libreoffice(book_copy, tmp_path):
    if not Path("/usr/bin/python3").exists():
        pytest.skip("the system Python with python3-uno is needed to drive LibreOffice")
    frozen = tmp_path / "Frozen.xlsx"
    assert cli.main(["freeze", str(book_copy), "-o", str(frozen)]) == 0
    from tests.conftest import named

    sheet, ref = named(book_copy, "Case_base_WACC")
    live = typed_in_libreoffice(book_copy, sheet, ref, "11%", tmp_path)
    assert live["protected"] is False and live["after_typing"] == "11.0%"        # the model takes the input
    copy = typed_in_libreoffice(frozen, sheet, ref, "11%", tmp_path)
    assert copy["protected"] is True and copy["locked"] is True
    assert copy["after_typing"] == copy["before"] == "10.5%"                      # refused
    assert copy["after_unprotect"] == "11.0%"                                    # only by unprotecting
