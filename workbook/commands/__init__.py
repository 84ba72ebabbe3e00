"""The ``kc`` command: one module per verb, each adding its parser (``add_parser``) and its ``cmd_*``.

Errors of input (a data file, a workbook, a function argument) print one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys

from kcfuncs.errors import KCInputError
from workbook.errors import BookError

VERBS = ("value", "evaluate", "build", "refresh", "freeze", "check", "inputs", "excel")


def build_parser() -> argparse.ArgumentParser:
    from importlib import import_module

    parser = argparse.ArgumentParser(prog="kc", description="KC valuation functions, workbook and checks.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb in VERBS:
        import_module(f"workbook.commands.{verb}").add_parser(verbs)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (BookError, KCInputError) as error:
        print(f"kc {args.verb}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (kc check BOOK | head): stop quietly, and keep Python's exit-time flush quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"kc {args.verb}: interrupted", file=sys.stderr)
        return 130
