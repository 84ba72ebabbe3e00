"""KC_* in a real spreadsheet program: the extension installed from the repo, plain-name cells of an .xlsx
computed by headless LibreOffice, the template equal to our cached values, bad input giving Excel's message."""

import csv
import math
import shutil
import subprocess
import sys

import pytest
import xlsxwriter

from addin.cell_messages import is_message
from addin.libreoffice import BASIC_MODULE, IDENTIFIER
from addin.libreoffice.programs import find_programs, is_root
from addin.registry import FUNCTIONS
from formulas.tokens.operand import XlError
from workbook.calc.libreoffice_engine import recalculate_with_libreoffice
from workbook.xlsx.book import Workbook

from tests.addin.libreoffice.installed import ROOT, kc_extension
from tests.conftest import needs_libreoffice

pytestmark = needs_libreoffice
FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]


def close(a, b) -> bool:
    """Relative 1e-9; a difference of two equal values (the template's audit columns) is rounding noise,
    so absolute 1e-9 too."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_setup_installs_the_extension_and_adds_the_wrappers_beside_the_profiles_own_modules(tmp_path):
    profile, output = kc_extension()
    assert f"extension {IDENTIFIER} installed" in output
    assert f"Basic wrappers written to {profile / 'user' / 'basic' / 'Standard' / (BASIC_MODULE + '.xba')}" in output
    standard = profile / "user" / "basic" / "Standard"
    assert (standard / "Module1.xba").exists()  # LibreOffice created the profile: its own module stays
    index = (standard / "script.xlb").read_text(encoding="utf-8")
    assert index.count(f'library:name="{BASIC_MODULE}"') == 1 and 'library:name="Module1"' in index
    if is_root():
        listed = subprocess.run([str(find_programs().unopkg), "list", "--shared"], capture_output=True, text=True,
                                timeout=120).stdout
        assert f"Identifier: {IDENTIFIER}" in listed

    # Idempotent: a second run replaces the extension and the module, nothing piles up.
    before = {p.name: p.read_bytes() for p in standard.iterdir()}
    again = subprocess.run([sys.executable, "-m", "workbook.commands", "libreoffice-setup", "--profile", str(profile),
                            "--no-check"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert again.returncode == 0, again.stderr
    assert {p.name: p.read_bytes() for p in standard.iterdir()} == before
    if is_root():
        listed = subprocess.run([str(find_programs().unopkg), "list", "--shared"], capture_output=True, text=True,
                                timeout=120).stdout
        assert listed.count(f"Identifier: {IDENTIFIER}") == 1


def test_the_profile_set_up_by_the_command_computes_an_array_formula_on_a_plain_open(tmp_path):
    """What a colleague sees: LibreOffice recomputes array formulas on open, so the spilled grid is live."""
    profile, _ = kc_extension()
    private = tmp_path / "profile"
    shutil.copytree(profile, private, ignore=shutil.ignore_patterns(".lock"))
    path = tmp_path / "grid.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Grid")
    sheet.write_row("A1", FLOWS)
    sheet.write_row("A2", [0.095, 0.105])
    sheet.write_column("D2", [0.02, 0.03])
    sheet.write_array_formula("A5:B6", "{=KC_SENSITIVITY(A1:E1,A2:B2,D2:D3,161.8,4099.28,1.1)}")
    book.close()
    out = tmp_path / "out"
    done = subprocess.run([str(find_programs().soffice), f"-env:UserInstallation={private.as_uri()}", "--headless",
                           "--norestore", "--convert-to", "csv", "--outdir", str(out), str(path)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((out / "grid.csv").open(encoding="utf-8")))
    grid = [[float(x) for x in row[:2]] for row in rows[4:6]]
    expected = FUNCTIONS["KC_SENSITIVITY"]([FLOWS], [[0.095, 0.105]], [[0.02], [0.03]], 161.8, 4099.28, 1.1)
    # The CSV holds the General-format text of each value (enough digits here); the engine tests read the
    # stored values themselves.
    assert [x for row in grid for x in row] == pytest.approx(expected.ravel().tolist(), rel=1e-9)


def test_the_template_recalculated_by_libreoffice_has_no_error_and_equals_our_cached_values(built_book):
    kc_extension()
    book = Workbook.open(built_book)
    computed = recalculate_with_libreoffice(book)
    cells = [(s, r, v) for s, found in computed.items() for r, v in found.items()]
    assert len(cells) > 450
    errors = [(s, r, v) for s, r, v in cells if isinstance(v, XlError) or (isinstance(v, str) and v.startswith("#"))]
    assert errors == []
    texts = {}
    for sheet, cells_ in book.sheets().items():
        for cell in cells_:
            if cell.formula is not None and "KC_" in cell.formula.upper():
                texts[(sheet, cell.ref)] = cell.formula
    assert len(texts) > 100  # KC_* cells (and, through them, their dependents) were really computed
    mismatches = [(s, r, v, book.value(s, r)) for s, r, v in cells if not close(v, book.value(s, r))]
    assert mismatches == []
    assert not [v for _, _, v in cells if is_message(v)]


def message_book(path):
    """Bad inputs a user types; each cell's message must be the registry's own text."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Bad")
    sheet.write_row("A1", FLOWS)
    sheet.write_row("A2", [1, 2, "three", 4])
    sheet.write("A3", "ten")
    cases = [
        ("B5", "=KC_DCF(A1:E1,0.03,0.03)", ([FLOWS], 0.03, 0.03)),
        ("B6", "=KC_DCF(A1:E1,0.105)", ([FLOWS], 0.105)),
        ("B7", "=KC_DCF(A2:D2,0.1,0.02)", ([[1.0, 2.0, "three", 4.0]], 0.1, 0.02)),
        ("B8", "=KC_DCF(A1:E1,A3,0.02)", ([FLOWS], "ten", 0.02)),
        ("B9", "=KC_DCF(A1:E2,0.1,0.02)", ([FLOWS, [1.0, 2.0, "three", 4.0, None]], 0.1, 0.02)),
        ("B10", '=KC_DCF(A1:E1,0.1,0.02,0,1,1,"sideways")', ([FLOWS], 0.1, 0.02, 0.0, 1.0, 1.0, "sideways")),
        ("B11", "=KC_UPSIDE(1,0)", (1.0, 0.0)),
        ("B12", '=KC_RATING(1,2,"no_such_scale")', (1.0, 2.0, "no_such_scale")),
        ("B13", "=KC_TERMINAL(100)", (100.0,)),
        ("B14", "=KC_SCENARIO_VALUE(A1:C1,A1:C1)", ([FLOWS[:3]], [FLOWS[:3]])),
    ]
    for ref, formula, _ in cases:
        sheet.write_formula(ref, formula)
    book.close()
    return cases


def test_a_kc_cell_with_bad_input_shows_the_message_excel_shows(tmp_path):
    kc_extension()
    cases = message_book(tmp_path / "bad.xlsx")
    computed = recalculate_with_libreoffice(Workbook.open(tmp_path / "bad.xlsx"))["Bad"]
    for ref, formula, args in cases:
        name = formula[1:].split("(")[0]
        declared = len(FUNCTIONS[name].__signature__.parameters)
        expected = FUNCTIONS[name](*args, *([None] * (declared - len(args))))  # as xlwings calls it
        assert is_message(expected), (formula, expected)
        assert computed[ref] == expected, formula


def test_a_skipped_middle_argument_differs_in_libreoffice_and_blank_text_does_not(tmp_path):
    """Calc hands an empty slot to Basic as 0 (documented in addin.libreoffice): the template writes ""."""
    kc_extension()
    path = tmp_path / "skips.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    sheet.write_row("A1", FLOWS)
    sheet.write_formula("A3", '=KC_DCF(A1:E1,0.105,0.03,161.8,4099.28,1.1,"end","per_share",,,,"gordon")')
    sheet.write_formula("A4", '=KC_DCF(A1:E1,0.105,0.03,161.8,4099.28,1.1,"end","per_share","","","","gordon")')
    book.close()
    computed = recalculate_with_libreoffice(Workbook.open(path))["S"]
    expected = FUNCTIONS["KC_DCF"]([FLOWS], 0.105, 0.03, 161.8, 4099.28, 1.1)
    assert computed["A4"] == pytest.approx(expected, rel=1e-14)
    assert is_message(computed["A3"])
