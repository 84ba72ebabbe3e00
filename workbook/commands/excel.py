"""``kc excel-setup`` and ``kc vba``: the Windows Excel side (xlwings' add-in, the generated VBA)."""

from __future__ import annotations


def cmd_excel_setup(args) -> int:
    from addin.excel_setup import run

    return run()


def cmd_vba(args) -> int:
    from addin import vba

    for path in vba.write():
        print(f"wrote {path}")
    return 0


def add_parser(verbs) -> None:
    setup = verbs.add_parser("excel-setup", help="Windows: install the xlwings add-in and point it at the KC functions")
    setup.set_defaults(run=cmd_excel_setup)

    export = verbs.add_parser("vba", help="regenerate addin/xlwings_udfs.bas and macro_options.json with xlwings")
    export.set_defaults(run=cmd_vba)
