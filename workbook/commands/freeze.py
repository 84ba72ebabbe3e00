"""``kc freeze``: a copy of a model for colleagues without the add-in.

The workbook is recomputed first (``workbook.commands.refresh``), then every formula that calls a KC_* function
becomes its value, with the original formula kept in the cell's note; native formulas stay live, so
the copy stays correct in Excel or LibreOffice even after a full recalculation. A banner on the first
sheet says it is a frozen copy and when it was made.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.sax.saxutils import escape

from workbook.commands.refresh import check_not_open, refreshed
from workbook.errors import BookError
from workbook.xlsx import references as pkg
from workbook.xlsx.book import Workbook
from workbook.xlsx.cells import scan_cells
from workbook.xlsx.formula_text import calls_kc, resolved_formulas
from workbook.xlsx.notes import add_notes

_CM_ATTRIBUTE = re.compile(rb'\s+cm\s*=\s*("[^"]*"|\'[^\']*\')')
_T_ATTRIBUTE = re.compile(rb'\s+t\s*=\s*("[^"]*"|\'[^\']*\')')


def strip_kc_formulas(data: bytes, where: str) -> tuple[bytes, dict[str, str]]:
    """Remove the <f> of every KC_* cell (its cached value stays). Returns the new XML and
    {cell: original formula}."""
    out, position, originals = [], 0, {}
    cells = scan_cells(data, where)
    texts = resolved_formulas(cells)  # a shared formula's group calls KC_* in every cell or in none
    for cell in cells:
        if cell.ref not in texts or not calls_kc(texts[cell.ref]):
            continue
        start, end = cell.tag
        tag = _CM_ATTRIBUTE.sub(b"", data[start:end])
        if cell.cell_type == "str":  # a formula's text result; as a plain value it must be an inline string
            tag = _T_ATTRIBUTE.sub(b"", tag)
            tag = tag[:-1] + b' t="inlineStr">'
            text = escape(cell.value_text or "").encode()
            out += [data[position:start], tag, b"<is><t>", text, b"</t></is></c>"]
            position = data.index(b"</c>", end) + 4
        else:
            out += [data[position:start], tag, data[end:cell.formula_start]]
            position = cell.formula_end
        spill = f" (spilled over {cell.formula_ref})" if cell.formula_type == "array" and cell.formula_ref and \
            cell.formula_ref != cell.ref else ""
        originals[cell.ref] = f"Frozen value. Original formula{spill}: ={texts[cell.ref]}"
    out.append(data[position:])
    return b"".join(out), originals


def add_banner(data: bytes, text: str) -> bytes:
    """An inline-string cell in row 1, two columns right of the last used one (at least column F)."""
    row_match = re.search(rb"<row\b[^>]*\br=\"1\"[^>]*?(/?)>", data)
    cells = [pkg.split_cell(m.decode())[1] for m in re.findall(rb'<c\b[^>]*\br="([A-Z]+1)"', data)]
    col = max(max(cells, default=0) + 2, 6)
    ref = f"{pkg.column_letters(col)}1"
    new_cell = f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'.encode()
    if row_match is None:
        at = data.index(b"<sheetData>") + len(b"<sheetData>") if b"<sheetData>" in data else None
        if at is None:
            raise BookError("the first sheet has no sheet data for the banner")
        return data[:at] + b'<row r="1">' + new_cell + b"</row>" + data[at:]
    row_tag = re.sub(rb'\s+spans="[^"]*"', b"", row_match.group(0))
    if row_match.group(1) == b"/":
        return data[:row_match.start()] + row_tag[:-2] + b">" + new_cell + b"</row>" + data[row_match.end():]
    close = data.index(b"</row>", row_match.end())
    return data[:row_match.start()] + row_tag + data[row_match.end():close] + new_cell + data[close:]


def freeze(book: str | Path, output: str | Path, *, force: bool = False) -> dict:
    book, output = Path(book), Path(output)
    if book.resolve() == output.resolve():
        raise BookError("the frozen copy must be a new file (-o), not the model itself")
    check_not_open(book, force)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    banner = (f"FROZEN COPY made {stamp} from {book.name}: KC_* results are fixed values (original formulas in "
              f"the cell notes). Edit the live model, not this copy.")
    fresh = refreshed(Workbook.open(book)).book
    parts = dict(fresh.parts)
    sheets = fresh.sheet_parts
    frozen, skipped_notes = 0, []
    for block, (sheet, part) in enumerate(sheets.items(), start=1):
        parts[part], originals = strip_kc_formulas(parts[part], sheet)
        frozen += len(originals)
        if originals and not add_notes(parts, part, originals, block):
            skipped_notes.append(sheet)
    first = next(iter(sheets.values()))
    parts[first] = add_banner(parts[first], banner)
    fresh.with_parts(parts).save(output)
    return {"output": str(output), "frozen_cells": frozen, "notes_skipped": skipped_notes, "banner": banner}


def cmd_freeze(args) -> int:

    result = freeze(args.book, args.output, force=args.force)
    print(f"wrote {result['output']}: {result['frozen_cells']} KC_* cells frozen to values")
    for sheet in result["notes_skipped"]:
        print(f"note: sheet {sheet!r} already has notes; its original formulas were not added as notes")
    return 0


def add_parser(verbs) -> None:
    frozen = verbs.add_parser("freeze", help="a copy for colleagues without the add-in: KC_* cells become values")
    frozen.add_argument("book", metavar="BOOK")
    frozen.add_argument("-o", "--output", required=True, help="the frozen copy to write")
    frozen.add_argument("--force", action="store_true", help="even if Excel's lock file is present")
    frozen.set_defaults(run=cmd_freeze)
