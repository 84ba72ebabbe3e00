"""``kc libreoffice-setup``: the KC_* functions in LibreOffice Calc (``addin.libreoffice``).

Builds the extension from this checkout, installs it, writes the Basic wrappers (see
``addin.libreoffice.setup`` for where each goes), then checks the whole chain once: a small book with
KC_* cells recomputed by headless LibreOffice must give the values our callables give.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from workbook.errors import BookError

CHECK_FORMULA = "=KC_UPSIDE(2,1)"   # a one-cell probe: 2 / 1 - 1
CHECK_VALUE = 1.0


def check_chain() -> str:
    """One KC_* cell through headless LibreOffice; the line to print, or a BookError saying what failed."""
    import xlsxwriter

    from workbook.calc.libreoffice_engine import recalculate_with_libreoffice
    from workbook.xlsx.book import Workbook

    with tempfile.TemporaryDirectory(prefix="kc-libreoffice-check-") as folder:
        path = Path(folder) / "check.xlsx"
        book = xlsxwriter.Workbook(str(path))
        book.add_worksheet("Check").write_formula("A1", CHECK_FORMULA, None, 0)
        book.close()
        values = recalculate_with_libreoffice(Workbook.open(path))
    got = values.get("Check", {}).get("A1")
    if got != CHECK_VALUE:
        raise BookError(f"headless LibreOffice computed {CHECK_FORMULA[1:]} as {got!r}, not {CHECK_VALUE:g}")
    return f"checked: {CHECK_FORMULA[1:]} gives {CHECK_VALUE:g} in headless LibreOffice"


def cmd_libreoffice_setup(args) -> int:
    from addin.libreoffice import SetupError
    from addin.libreoffice.setup import run

    try:
        report = run(Path(args.profile) if args.profile else None)
    except SetupError as error:
        print(f"kc libreoffice-setup: {error}", file=sys.stderr)
        return 2
    for line in report.lines:
        print(line)
    print(f"installed in {report.seconds:.1f} s")
    if not args.no_check:
        print(check_chain())
    return 0


def add_parser(verbs) -> None:
    setup = verbs.add_parser(
        "libreoffice-setup",
        help="install the KC_* functions into LibreOffice Calc (extension + Basic wrappers), then check them")
    setup.add_argument("--profile", metavar="DIR",
                       help="put the Basic wrappers into this LibreOffice profile folder (as passed to "
                            "-env:UserInstallation); default: your own profile, or the installation's presets as root")
    setup.add_argument("--no-check", action="store_true", help="skip the final headless LibreOffice check")
    setup.set_defaults(run=cmd_libreoffice_setup)
