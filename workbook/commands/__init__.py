"""The ``kc`` command.

Verbs: ``value`` (the valuation of the embedded default or a data file), ``eval`` (one KC_* formula),
and the workbook verbs as they land. Errors print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from kcfuncs.errors import KCInputError
from workbook.errors import BookError

SCENARIO_ORDER = {"bear": 0, "base": 1, "bull": 2}


def _percent(x: float) -> str:
    return f"{x:+.1%}"


def cmd_value(args) -> int:
    from workbook.company import load_company
    from workbook.company.valuation import valuation_summary

    data = load_company(args.data)
    summary = valuation_summary(data)
    v = data["valuation"]
    cases = sorted(summary["scenarios"], key=lambda c: SCENARIO_ORDER.get(c.name, 9))
    if args.json:
        payload = {
            "company": summary["company"],
            "valuation_date": v.get("valuation_date"),
            "scenarios": [{"name": c.name, "wacc": c.wacc, "terminal_growth": c.terminal_growth, "fcf": c.fcf,
                           **c.result.as_dict(), "per_share_hkd": c.result.per_share,
                           "per_ads_usd": c.per_ads_usd, "printed_value_hkd": c.printed_value} for c in cases],
            "live_scenario": summary["live"].name,
            "target_hkd": summary["target"], "price_hkd": summary["price"], "upside": summary["upside"],
            "rating": summary["rating"], "rating_zh": summary["rating_zh"],
            "weighted_value_hkd": summary["weighted"],
            "multiple_target": summary["multiple"],
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"{summary['company']} ({data['company'].get('ticker_hk', '')} / {data['company'].get('ticker_us', '')})"
          f"  valuation date {v.get('valuation_date', '')}")
    model_ccy, quote, ads = (v.get("model_currency", "CNY"), v.get("quote_currency", "HKD"),
                             v.get("ads_currency", "USD"))
    print(f"DCF ({v.get('convention', 'end')} of period), {model_ccy} millions; per share in {quote} at {v['fx']} "
          f"{quote}/{model_ccy}; per ADS in {ads} at {v['ads_fx']} {model_ccy}/{ads} x {v.get('ads_ratio', 1):g} shares")
    header = (f"{'case':<9}{'WACC':>7}{'g':>6}{'EV':>10}{'TV share':>9}{quote + '/sh':>9}{ads + '/ADS':>9}"
              f"{'report':>9}")
    print(header)
    print("-" * len(header))
    for c in cases:
        printed = f"{c.printed_value:.2f}" if c.printed_value is not None else ""
        print(f"{c.name:<9}{c.wacc:>7.1%}{c.terminal_growth:>6.1%}{c.result.ev:>10,.0f}{c.result.tv_share:>9.1%}"
              f"{c.result.per_share:>9.2f}{c.per_ads_usd:>9.2f}{printed:>9}")
    if summary["weighted"] is not None:
        print(f"probability-weighted value: {quote} {summary['weighted']:.2f}")
    print(f"target (live case '{summary['live'].name}'): {quote} {summary['target']:.2f}  price {quote} "
          f"{summary['price']:.2f}  upside {_percent(summary['upside'])}  rating {summary['rating']} / "
          f"{summary['rating_zh']}" + (f"  (report: {quote} {v['printed_target']:.2f})" if v.get("printed_target") else ""))
    m = summary["multiple"]
    if m:
        print(f"multiple cross-check: P/S {m['multiple']}x FY{m['metric_year']} revenue {m['metric']:,.0f} / "
              f"{m['count']:g}m ADS / {m['ads_fx']} {model_ccy}/{ads} = {ads} {m['target']:.2f} per ADS vs "
              f"{ads} {m['price']:.2f}: upside {_percent(m['upside'])}, {m['rating']} / {m['rating_zh']}"
              + (f"  (report: {ads} {m['printed_target']:.2f})" if m.get("printed_target") else ""))
    return 0


def format_result(result) -> str:
    if isinstance(result, list):
        return "\n".join("\t".join(_cell(v) for v in row) for row in result)
    return _cell(result)


def _cell(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def cmd_eval(args) -> int:
    from addin.cell_messages import is_message
    from workbook.calc.formulas_engine import evaluate_formula

    result = evaluate_formula(args.formula)
    print(format_result(result))
    return 1 if is_message(result) else 0


def cmd_build(args) -> int:
    import time

    from workbook.commands.build import build

    started = time.perf_counter()
    result = build(args.data, args.output)
    print(f"wrote {result['path']}: {result['formula_cells']} formula cells with cached values "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_refresh(args) -> int:
    from workbook.commands.refresh import RefreshReport, refresh_books

    results = refresh_books(args.books, args.output, args.data, force=args.force, backup=args.backup,
                            workers=args.workers, progress=len(args.books) > 1)
    failed = 0
    for book, result in zip(args.books, results):
        if isinstance(result, RefreshReport):
            target = "" if result.output == result.book else f" -> {result.output}"
            loaded = f", {result.inputs} input cells loaded" if result.inputs else ""
            print(f"{book}{target}: {result.formula_cells} formula cells recomputed, {result.changed} changed{loaded}")
        else:
            failed += 1
            print(f"kc refresh: {result}", file=sys.stderr)
    return 2 if failed else 0


def cmd_freeze(args) -> int:
    from workbook.commands.freeze import freeze

    result = freeze(args.book, args.output, force=args.force)
    print(f"wrote {result['output']}: {result['frozen_cells']} KC_* cells frozen to values")
    for sheet in result["notes_skipped"]:
        print(f"note: sheet {sheet!r} already has notes; its original formulas were not added as notes")
    return 0


def cmd_check(args) -> int:
    from workbook.commands.check import as_json, check_book

    problems = check_book(args.book)
    if args.json:
        json.dump({"book": args.book, "ok": not problems, "problems": as_json(problems)}, sys.stdout,
                  ensure_ascii=False, indent=2)
        print()
    else:
        for p in problems:
            print(f"{p.kind}: {p.sheet}!{p.cell}: {p.detail}")
        print(f"{args.book}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 0 if not problems else 1


def cmd_excel_setup(args) -> int:
    from addin.excel_setup import run

    return run()


def cmd_vba(args) -> int:
    from addin import vba

    for path in vba.write():
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kc", description="KC valuation functions, workbook and checks.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    value = verbs.add_parser("value", help="value the company of a data file (default: the embedded KC data)")
    value.add_argument("--data", help="company data file (TOML); default: the embedded Kingsoft Cloud data")
    value.add_argument("--json", action="store_true", help="print JSON for machines")
    value.set_defaults(run=cmd_value)

    evaluate = verbs.add_parser("eval", help="evaluate one formula that calls KC_* functions with literal arguments")
    evaluate.add_argument("formula", help='e.g. "=KC_DCF({207.41,497.79,881.15},0.105,0.03)"')
    evaluate.set_defaults(run=cmd_eval)

    build = verbs.add_parser("build", help="write the model workbook for a company's data file")
    build.add_argument("--data", help="company data file (TOML); default: the embedded Kingsoft Cloud data")
    build.add_argument("-o", "--output", default="KC_Model.xlsx", help="workbook to write (default KC_Model.xlsx)")
    build.set_defaults(run=cmd_build)

    refresh = verbs.add_parser("refresh", help="recompute workbooks headless and store the values in them")
    refresh.add_argument("books", nargs="+", metavar="BOOK", help="workbook(s) to refresh in place")
    refresh.add_argument("--data", help="load this company data file into the named input cells first")
    refresh.add_argument("-o", "--output", help="write here instead of in place (one book only)")
    refresh.add_argument("--force", action="store_true", help="refresh even if Excel's lock file is present")
    refresh.add_argument("--backup", action="store_true", help="keep the previous file as BOOK.bak")
    refresh.add_argument("--workers", type=int, help="processes for several books (default: one per core)")
    refresh.set_defaults(run=cmd_refresh)

    frozen = verbs.add_parser("freeze", help="a copy for colleagues without the add-in: KC_* cells become values")
    frozen.add_argument("book", metavar="BOOK")
    frozen.add_argument("-o", "--output", required=True, help="the frozen copy to write")
    frozen.add_argument("--force", action="store_true", help="even if Excel's lock file is present")
    frozen.set_defaults(run=cmd_freeze)

    check = verbs.add_parser("check", help="errors, failing checks, bad KC_* arguments, stale values, volatile inputs")
    check.add_argument("book", metavar="BOOK")
    check.add_argument("--json", action="store_true", help="print JSON for machines")
    check.set_defaults(run=cmd_check)

    setup = verbs.add_parser("excel-setup", help="Windows: install the xlwings add-in and point it at the KC functions")
    setup.set_defaults(run=cmd_excel_setup)

    export = verbs.add_parser("vba", help="regenerate addin/xlwings_udfs.bas and macro_options.json with xlwings")
    export.set_defaults(run=cmd_vba)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (BookError, KCInputError) as error:
        print(f"kc {args.verb}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
