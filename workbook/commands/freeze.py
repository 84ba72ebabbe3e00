"""``kc freeze``: a copy of a model for colleagues without the add-in.

The workbook is recomputed first (``workbook.commands.refresh``), then every formula that calls a KC_*
function becomes its value, with the original formula kept in the cell's note; native formulas stay live,
so the copy stays correct in Excel or LibreOffice even after a full recalculation.

A frozen copy must not pretend to be a model. Its input cells (every named cell that holds no formula) are
restyled as values (the blue-on-yellow input look removed) and locked, and every sheet is protected
without a password: a colleague who types a new WACC is stopped by the program instead of seeing "WACC
11.0%" beside a target computed at 10.5%. A banner on the first sheet says what the copy is and where the
live model is. The copy carries a hidden defined name ``KC_Frozen``, by which ``kc refresh`` and ``kc set``
recognise it and refuse it.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from workbook.commands.refresh import check_not_open, frozen_refusal, refreshed
from workbook.errors import BookError
from workbook.xlsx import references as pkg
from workbook.xlsx.atomic import claimed, real_destination
from workbook.xlsx.book import FROZEN_NAME, STYLES_TYPE, Workbook
from workbook.xlsx.cells import scan_cells
from workbook.xlsx.formula_text import calls_kc, resolved_formulas
from workbook.xlsx.notes import add_notes
from workbook.xlsx.notes import xml_escape as escape
from workbook.xlsx.package import check_regular_file
from workbook.xlsx.structure import WORKBOOK_ORDER, WORKSHEET_ORDER, attribute, insert_child, outline, with_attributes
from workbook.xlsx.styles import StyleSheet

_CM_ATTRIBUTE = re.compile(rb'\s+cm\s*=\s*("[^"]*"|\'[^\']*\')')


def freeze_sheet(data: bytes, where: str, inputs: set[str] = frozenset(), restyle=None) -> tuple[bytes, dict[str, str]]:
    """Remove the <f> of every KC_* cell (its cached value stays) and give the ``inputs`` cells the format
    ``restyle(old format)``. Returns the new XML and {cell: note with the original formula}."""
    out, position, originals = [], 0, {}
    cells = scan_cells(data, where, keep_empty=set(inputs))
    texts = resolved_formulas(cells)  # a shared formula's group calls KC_* in every cell or in none
    for cell in cells:
        start, end = cell.tag
        frozen = cell.ref in texts and calls_kc(texts[cell.ref])
        restyled = restyle is not None and cell.ref in inputs and cell.ref not in texts and cell.style \
            and cell.style.isdigit() and cell.style != "0"
        if not frozen and not restyled:
            continue
        tag = data[start:end]
        if restyled:
            tag = with_attributes(tag, {"s": str(restyle(int(cell.style)))})
        if not frozen:
            out += [data[position:start], tag]
            position = end
            continue
        tag = _CM_ATTRIBUTE.sub(b"", tag)
        p = cell.prefix
        if cell.cell_type == "str":  # a formula's text result; as a plain value it must be an inline string
            tag = with_attributes(tag, {"t": "inlineStr"})
            text = escape(cell.value_text or "").encode()
            out += [data[position:start], tag, b"<" + p + b"is><" + p + b"t>", text, b"</" + p + b"t></" + p + b"is>"]
            position = data.index(b"</" + p + b"c>", end)
        else:
            out += [data[position:start], tag, data[end:cell.formula_start]]
            position = cell.formula_end
        spill = f" (spilled over {cell.formula_ref})" if cell.formula_type == "array" and cell.formula_ref and \
            cell.formula_ref != cell.ref else ""
        originals[cell.ref] = f"Frozen value. Original formula{spill}: ={texts[cell.ref]}"
    out.append(data[position:])
    return b"".join(out), originals


def strip_kc_formulas(data: bytes, where: str) -> tuple[bytes, dict[str, str]]:
    """Remove the <f> of every KC_* cell (its cached value stays)."""
    return freeze_sheet(data, where)


def add_banner(data: bytes, text: str, where: str = "sheet", style: int | None = None) -> bytes:
    """An inline-string cell in row 1, two columns right of the last one used there (at least column F)."""
    root = outline(data, where, depth=2)
    sheet_data = root.child("sheetData")
    if sheet_data is None:
        raise BookError(f"{where}: the first sheet has no sheet data for the banner")
    p = root.prefix
    rows = sheet_data.children
    row1 = next((r for r in rows if attribute(data[r.start:r.tag_end], "r") == "1"), None)
    if row1 is None and rows and attribute(data[rows[0].start:rows[0].tag_end], "r") is None:
        row1 = rows[0]  # rows without numbers: the first one is row 1
    used = [pkg.column_number(m.decode()) for m in re.findall(rb"""\br\s*=\s*["']([A-Z]{1,3})1["']""",
                                                     data[row1.start:row1.end] if row1 else b"")]
    count = len(re.findall(rb"<(?:[\w.\-]+:)?c[\s/>]", data[row1.start:row1.end])) if row1 else 0
    col = max(max(used, default=0), count) + 2
    col = max(col, 6)
    ref = f"{pkg.column_letters(col)}1"
    styled = f' s="{style}"' if style is not None else ""
    new_cell = (b"<" + p + f'c r="{ref}"{styled} t="inlineStr">'.encode() + b"<" + p + b"is><" + p + b"t>"
                + escape(text).encode() + b"</" + p + b"t></" + p + b"is></" + p + b"c>")
    if row1 is None:
        row = b"<" + p + b'row r="1">' + new_cell + b"</" + p + b"row>"
        if sheet_data.self_closing:
            tag = data[sheet_data.start:sheet_data.tag_end]
            return data[:sheet_data.start] + tag[:-2].rstrip() + b">" + row + b"</" + p + b"sheetData>" + \
                data[sheet_data.end:]
        return data[:sheet_data.tag_end] + row + data[sheet_data.tag_end:]
    tag = with_attributes(data[row1.start:row1.tag_end], {"spans": None})
    if row1.self_closing:
        return data[:row1.start] + tag[:-2].rstrip() + b">" + new_cell + b"</" + p + b"row>" + data[row1.end:]
    close = data.rindex(b"</", row1.tag_end, row1.end)
    return data[:row1.start] + tag + data[row1.tag_end:close] + new_cell + data[close:]


HEADER_LIMIT = 255
CENTRE_FORMAT = '&C&"-,Bold"&8'                  # centre section, bold, the size of the template's header
_CENTRE = re.compile(r"(?<!&)(?:&&)*&C")        # the centre section's code (&&C is a literal "&C")


HEADER_FOOTER_ORDER = ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter")


def print_header(data: bytes, where: str, text: str) -> bytes:
    """The page headers' centre section saying what the copy is, so a printout says it too (the banner
    cell may fall outside the print area): the odd-page header, and the even-page and first-page headers
    when the sheet prints those. A header that has a centre section of its own keeps it."""
    root = outline(data, where, depth=2)
    found = root.child("headerFooter")
    if found is None:
        p = root.prefix
        xml = b"<" + p + b"headerFooter>" + _header(p, "oddHeader", "", text) + b"</" + p + b"headerFooter>"
        return insert_child(data, where, WORKSHEET_ORDER, "headerFooter", xml, root)
    tag = data[found.start:found.tag_end]
    headers = ["oddHeader"]
    if (attribute(tag, "differentOddEven") or "").lower() in ("1", "true"):
        headers.append("evenHeader")
    if (attribute(tag, "differentFirst") or "").lower() in ("1", "true"):
        headers.append("firstHeader")
    for name in headers:
        data = _with_notice(data, where, name, text)
    return data


def _with_notice(data: bytes, where: str, name: str, text: str) -> bytes:
    found = outline(data, where, depth=2).child("headerFooter")
    p = found.prefix
    if found.self_closing:
        tag = data[found.start:found.tag_end]
        return (data[:found.start] + tag[:-2].rstrip() + b">" + _header(p, name, "", text) + b"</" + p
                + b"headerFooter>" + data[found.end:])
    header = found.child(name)
    if header is None:
        return insert_child(data, where, HEADER_FOOTER_ORDER, name, _header(p, name, "", text), found)
    start, tag_end, end = header.start, header.tag_end, header.end
    if tag_end == end:                                                  # <oddHeader/>
        return data[:start] + _header(p, name, "", text) + data[end:]
    close = data.rindex(b"</", tag_end, end)
    existing = html.unescape(data[tag_end:close].decode("utf-8"))      # every reference, &#38; included
    notice = _notice(existing, text)
    if notice is None:
        return data
    return data[:close] + escape(notice).encode() + data[close:]


def _notice(existing: str, text: str) -> str | None:
    """The centre section to append to a header's codes, or None: the header has a centre section of
    its own, or no room is left. Excel takes at most 255 characters in a header, codes included; && is a
    literal ampersand in a header."""
    if _CENTRE.search(existing):
        return None
    words = text.replace("&", "&&")[:max(HEADER_LIMIT - len(existing) - len(CENTRE_FORMAT), 0)]
    return CENTRE_FORMAT + words.rstrip("&") if len(words) >= 20 else None


def _header(p: bytes, name: str, existing: str, text: str) -> bytes:
    notice = _notice(existing, text) or ""
    return b"<" + p + name.encode() + b">" + escape(notice).encode() + b"</" + p + name.encode() + b">"


def protect_sheet(data: bytes, where: str) -> bytes:
    """Sheet protection without a password (anyone can see everything; changing a locked cell takes a
    deliberate Unprotect Sheet). A sheet that is protected already keeps its own protection."""
    root = outline(data, where)
    if root.child("sheetProtection") is not None:
        return data
    xml = b"<" + root.prefix + b'sheetProtection sheet="1" objects="1" scenarios="1"/>'
    return insert_child(data, where, WORKSHEET_ORDER, "sheetProtection", xml, root)


def mark_frozen(data: bytes, where: str, text: str) -> bytes:
    """The hidden defined name KC_Frozen (a text constant) in the workbook part."""
    root = outline(data, where)
    p = root.prefix
    value = escape('"' + text.replace('"', '""') + '"')
    name = b"<" + p + f'definedName name="{FROZEN_NAME}" hidden="1">{value}'.encode() + b"</" + p + b"definedName>"
    names = root.child("definedNames")
    if names is None:
        return insert_child(data, where, WORKBOOK_ORDER, "definedNames",
                            b"<" + p + b"definedNames>" + name + b"</" + p + b"definedNames>", root)
    if names.self_closing:
        tag = data[names.start:names.tag_end]
        return data[:names.start] + tag[:-2].rstrip() + b">" + name + b"</" + p + b"definedNames>" + data[names.end:]
    close = data.rindex(b"</", names.tag_end, names.end)
    return data[:close] + name + data[close:]


def input_cells(book: Workbook) -> dict[str, set[str]]:
    """{sheet: cells} of every named cell of the workbook (inputs and outputs alike; formula cells are
    left out by the caller)."""
    found: dict[str, set[str]] = {}
    for sheet, ref in book.names.values():
        if sheet in book.sheet_parts and pkg.range_size(ref) <= 100_000:
            found.setdefault(sheet, set()).update(pkg.range_cells(ref))
    return found


def freeze(book: str | Path, output: str | Path, *, force: bool = False) -> dict:
    book, output = Path(book), Path(output)
    check_regular_file(book)
    if real_destination(book) == real_destination(output):
        raise BookError("the frozen copy must be a new file (-o), not the model itself")
    check_not_open(book, force)
    check_not_open(output, force)
    with claimed(output, force=force) as target:
        opened = Workbook.open(book)
        if opened.frozen is not None:
            raise frozen_refusal(opened, "frozen again")
        opened.check_name_fits(output)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        banner = (f"FROZEN COPY made {stamp} from {book.name}: KC_* results are fixed values (original formulas in "
                  f"the cell notes), inputs are locked and the sheets protected (no password). For a live copy, "
                  f"open the model {book.name} itself: change inputs there (kc set), then freeze it again.")
        header = "FROZEN COPY: values, not live formulas"    # short: it shares the line with the header's sides
        fresh = refreshed(opened).book
        parts = dict(fresh.parts)
        sheets = fresh.sheet_parts
        styles_part = fresh.related(STYLES_TYPE)
        styles = StyleSheet(fresh.part(styles_part), styles_part) if styles_part else None
        named = input_cells(fresh)
        frozen, skipped_notes = 0, []
        for block, (sheet, part) in enumerate(sheets.items(), start=1):
            parts[part], originals = freeze_sheet(fresh.part(part), sheet, named.get(sheet, set()),
                                                  styles.as_value if styles else None)
            frozen += len(originals)
            if originals and not add_notes(parts, part, originals, block):
                skipped_notes.append(sheet)
            parts[part] = print_header(protect_sheet(parts[part], sheet), sheet, header)
        first = next(iter(sheets.values()))
        parts[first] = add_banner(parts[first], banner, next(iter(sheets)), styles.banner() if styles else None)
        if styles is not None:
            parts[styles_part] = styles.bytes()
        workbook_part = fresh.workbook_part
        parts[workbook_part] = mark_frozen(fresh.part(workbook_part), workbook_part, f"made {stamp} from {book.name}")
        fresh.with_parts(parts).save(target)
    return {"output": str(output), "frozen_cells": frozen, "notes_skipped": skipped_notes, "banner": banner}


def cmd_freeze(args) -> int:
    result = freeze(args.book, args.output, force=args.force)
    print(f"wrote {result['output']}: {result['frozen_cells']} KC_* cells frozen to values; inputs locked, "
          f"sheets protected (no password)")
    for sheet in result["notes_skipped"]:
        print(f"note: sheet {sheet!r} already has notes; its original formulas were not added as notes")
    return 0


def add_parser(verbs) -> None:
    frozen = verbs.add_parser("freeze", help="a copy for colleagues without the add-in: KC_* cells become values")
    frozen.add_argument("book", metavar="BOOK")
    frozen.add_argument("-o", "--output", required=True, help="the frozen copy to write")
    frozen.add_argument("--force", action="store_true",
                        help="even if Excel's lock file is present or the output is read-only")
    frozen.set_defaults(run=cmd_freeze)
