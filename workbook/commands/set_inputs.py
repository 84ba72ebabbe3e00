"""``kc set BOOK Name=value ...``: change named inputs and refresh, in one atomic step.

    kc set Model.xlsx Case_base_WACC=11% Scenario=bull ValuationDate=2025-12-31
    kc set Model.xlsx --data partial.toml Price=9.10 -o Model_new.xlsx

Values are written as an analyst types them: numbers (``1,234.5``), percentages (``11%``; a rate written
``11`` is refused, it would be 1,100%), dates in ISO form, options by name (``Scenario=bull``, checked
against this book's scenarios); a range takes its values separated by commas. Every value is checked by
the rules the KC functions apply (``workbook.company.rules``) before anything is written: a bad one is
one line naming the input and the value, exit 2, and the book stays byte for byte as it was. ``--data``
applies a data file's inputs first (complete or partial); ``Name=value`` pairs come on top. What changed
is printed, old -> new, then the refresh's summary.
"""

from __future__ import annotations

from workbook.commands.refresh import print_report, refresh_book


def cmd_set(args) -> int:
    from workbook.errors import BookError

    if not args.assignments and not args.data:
        raise BookError("nothing to set: give Name=value pairs (e.g. Case_base_WACC=11%) or --data FILE")
    result = refresh_book(args.book, args.output, args.data, force=args.force, backup=args.backup,
                          assignments=args.assignments, verb="changed by kc set")
    print_report(result, args.book)
    return 0


def add_parser(verbs) -> None:
    setter = verbs.add_parser("set", help="change named inputs (Name=value) and refresh, in one step")
    setter.add_argument("book", metavar="BOOK")
    setter.add_argument("assignments", nargs="*", metavar="Name=value",
                        help="e.g. Case_base_WACC=11%% Scenario=bull ValuationDate=2025-12-31 "
                             "Case_base_Growth=20%%,18%%,15%%,12%%")
    setter.add_argument("--data", help="apply this data file's inputs first (complete or partial)")
    setter.add_argument("-o", "--output", help="write here instead of in place")
    setter.add_argument("--force", action="store_true",
                        help="even if Excel's lock file is present or the file is read-only")
    setter.add_argument("--backup", action="store_true",
                        help="keep the previous file as BOOK.bak (BOOK.bak2, ... if that exists)")
    setter.set_defaults(run=cmd_set, more_positionals="assignments")
