"""Cached values: writing new ones into a workbook, changing nothing else, and comparing stored ones.

Only the ``<v>`` of formula cells (and of the cells a spilled array covers) and the ``t`` attribute that
types them change inside the worksheet XML; the workbook part's ``<calcPr>`` is set so Excel trusts the
values on open (current ``calcId``, no ``fullCalcOnLoad``: NOTES §5). Every other zip member is copied
byte for byte with its original zip header, in the original order. The result goes to a temporary file
that is renamed over the destination only when complete.
"""

from __future__ import annotations

import math
import numbers
import re
from pathlib import Path

import numpy as np
import schedula as sh
from formulas.tokens.operand import XlError

from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.cells import scan_cells
from workbook.xlsx.structure import WORKBOOK_ORDER, attribute, insert_child, outline, with_attributes

EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!",
                "#GETTING_DATA"}
VALUE_TOLERANCE = 1e-9
CURRENT_CALC_ID = 191029  # what Microsoft 365 writes (NOTES §5)
_ESCAPED = re.compile(r"_x[0-9A-Fa-f]{4}_")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    # A literal _xHHHH_ would be read back as an escaped character; Excel writes it as _x005F_xHHHH_.
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: "_x005F" + m[0], text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def encode(value) -> tuple[str | None, str]:
    """A computed value as (t attribute, <v> text), the way Excel stores it."""
    if type(value) is float:  # the common case, first: a plain finite float
        if value - value == 0.0:
            if value.is_integer() and -1e15 < value < 1e15:
                return None, str(int(value))
            return None, repr(value).upper()
        return "e", "#NUM!"
    if isinstance(value, np.ndarray):
        value = value.ravel()[0]
    if isinstance(value, np.generic):
        value = value.item()
    if value is sh.EMPTY or value is None:
        return None, "0"
    if isinstance(value, XlError):
        text = str(value)
        return "e", text if text in EXCEL_ERRORS else "#VALUE!"
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return "e", "#NUM!"
        if x == int(x) and abs(x) < 1e15:
            return None, str(int(x))
        return None, repr(x).upper()
    return "str", _xml_text(str(value))


def _value_xml(prefix: bytes, cell_type: str | None, text: str, inline: bool) -> tuple[str | None, bytes]:
    """The t attribute and the child element(s) holding a value, spelt with the cell's prefix."""
    if cell_type == "str" and inline:
        space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
        return "inlineStr", (b"<" + prefix + b"is><" + prefix + b"t" + space + b">" + text.encode() + b"</" + prefix
                             + b"t></" + prefix + b"is>")
    return cell_type, b"<" + prefix + b"v>" + text.encode() + b"</" + prefix + b"v>"


# What may follow the r attribute's closing quote for the rest of a start tag to be read on its own.
_AFTER_REF = frozenset({b" ", b"\t", b"\n", b"\r", b">", b"/"})


def _retype(tag: bytes, cell_type: str | None) -> bytes:
    return with_attributes(tag, {"t": cell_type})


def rewrite_sheet(data: bytes, values: dict, where: str, inputs: dict | None = None,
                  cells: list | None = None) -> bytes:
    """New cached values for formula (and spill) cells in ``values``; new contents for plain input
    cells in ``inputs`` (text goes in as an inline string, since the shared-string table is left as is).
    New elements use the prefix of the cell they go in (``<x:v>`` in an ``<x:c>``).

    A start tag gets its ``t`` attribute set or removed as ``with_attributes`` does it. Tags are
    ``<c r="REF"`` and a rest (`` s="4" t="str">``) that many cells share, and the r attribute is never
    the one changed, so each distinct (rest, type) is retyped once and the result reused; a tag of any
    other shape goes through ``with_attributes`` itself."""
    inputs = inputs or {}
    if cells is None:
        cells = scan_cells(data, where, keep_empty=set(inputs))
    elif inputs and not set(inputs) <= {c.ref for c in cells}:
        # Empty cells are not kept by a plain scan; an input may be one (a blank input cell).
        cells = scan_cells(data, where, keep_empty=set(inputs))
    chosen = _chosen(cells, values, inputs)
    # The new sheet is joined once from views of the old bytes: no copy per piece. A tag that keeps its
    # bytes is not cut out: the view runs on through it.
    view, out, position = memoryview(data), [], 0
    append = out.append
    retyped: dict[str | None, dict[bytes, bytes | None]] = {None: {}}  # {type: {rest: new rest or None}}
    plain = retyped[None]
    prefix_seen, opening, v_open, v_close = b"", b'<c r="', b"<v>", b"</v>"
    for cell in chosen:
        ref, start, end, prefix = cell.ref, cell.tag_start, cell.tag_end, cell.prefix
        if ref in inputs:
            if cell.formula is not None:
                raise BookError(f"{where}!{ref} holds a formula, not an input value")
            cell_type, text = encode(inputs[ref])
            cell_type, v = _value_xml(prefix, cell_type, text, inline=True)
            tag = _retype(data[start:end], cell_type)
            if cell.self_closing:
                out += [view[position:start], tag[:-2].rstrip(), b">", v, b"</" + prefix + b"c>"]
                position = end
            else:
                close = data.index(b"</" + prefix + b"c>", end)
                out += [view[position:start], tag, v]
                position = close
            continue
        value = values[ref]
        if prefix != prefix_seen:
            prefix_seen, opening = prefix, b"<" + prefix + b'c r="'
            v_open, v_close = b"<" + prefix + b"v>", b"</" + prefix + b"v>"
        if type(value) is float and value - value == 0.0:  # encode()'s first case, inline
            cell_type, table = None, plain
            v = v_open + (str(int(value)) if value.is_integer() and -1e15 < value < 1e15
                          else repr(value).upper()).encode() + v_close
        else:
            cell_type, text = encode(value)
            table = retyped.get(cell_type)
            if table is None:
                table = retyped[cell_type] = {}
            v = v_open + text.encode() + v_close
        # The tag: its rest after r="REF" looked up, or retyped once for all the tags that share it.
        quote = data.find(b'"', start + len(opening), end) if data.startswith(opening, start) else -1
        rest = data[quote + 1:end] if quote > 0 else None
        new = table.get(rest, _UNSEEN)
        if new is _UNSEEN:
            new = table[rest] = _retyped_rest(rest, cell_type) if rest is not None else _GENERAL
        if new is None:
            tag = None  # the start tag stays as it is
        elif new is _GENERAL:
            old = data[start:end]
            tag = _retype(old, cell_type)
            if tag == old:
                tag = None
        else:
            tag = data[start:quote + 1] + new
        if cell.self_closing:
            if tag is None:
                tag = data[start:end]
            out += [view[position:start], tag[:-2].rstrip(), b">", v, b"</" + prefix + b"c>"]
            position = end
            continue
        if cell.value_start is not None:
            until, after = cell.value_start, cell.value_end
        elif cell.formula_end is not None:
            until = after = cell.formula_end
        else:
            raise BookError(f"{where}!{ref}: neither a formula nor a cached value to replace")
        if tag is None:
            append(view[position:until])
        else:
            out += [view[position:start], tag, view[end:until]]
        append(v)
        position = after
    missing = (values.keys() | inputs.keys()) - {cell.ref for cell in chosen}
    if missing:
        raise BookError(f"{where}: cells {', '.join(sorted(missing)[:5])} are not in the sheet")
    out.append(view[position:])
    return b"".join(out)


_UNSEEN, _GENERAL = object(), object()


def _retyped_rest(rest: bytes, cell_type: str | None):
    """The rest of a tag after r="REF" with its type changed: None if it stays the same, _GENERAL if the
    rest cannot be read on its own (the whole tag then goes through ``with_attributes``)."""
    if rest[:1] not in _AFTER_REF:
        return _GENERAL
    # The same change made on "<c" + rest: the attributes after r read the same on their own.
    new = _retype(b"<c" + rest, cell_type)[2:]
    return None if new == rest else new


def _chosen(cells: list, values: dict, inputs: dict) -> list:
    """The cells to write, in sheet order."""
    if inputs:
        return [cell for cell in cells if cell.ref in inputs or cell.ref in values]
    return [cell for cell in cells if cell.ref in values]


def set_calc_properties(data: bytes, where: str = "xl/workbook.xml") -> bytes:
    """The workbook part with ``<calcPr>`` saying to trust the cached values: a current calcId (never
    lowered) and no fullCalcOnLoad. Every other attribute (manual calculation, iteration, precision as
    displayed, R1C1, ...) stays, and so does the element's place; a missing one is inserted in schema order."""
    root = outline(data, where)
    calc = root.child("calcPr")
    if calc is None:
        xml = b"<" + root.prefix + b'calcPr calcId="' + str(CURRENT_CALC_ID).encode() + b'"/>'
        return insert_child(data, where, WORKBOOK_ORDER, "calcPr", xml, root)
    tag = data[calc.start:calc.tag_end]
    old = attribute(tag, "calcId")
    calc_id = max(CURRENT_CALC_ID, int(old)) if old and old.isdigit() else CURRENT_CALC_ID
    new = with_attributes(tag, {"calcId": str(calc_id), "fullCalcOnLoad": None})
    return data[:calc.start] + new + data[calc.tag_end:]


def _cells_to_write(book: Workbook, sheet: str, values: dict, inputs: dict) -> list:
    """The sheet's records, without its plain number cells when no cell to write is one of them (formula
    cells never are; an input or an array formula's other cells may be)."""
    if not inputs:
        scanned = book.sheet_cells(sheet)
        records = scanned.records
        if (sum(1 for cell in records if cell.ref in values) == len(values)
                and values.keys().isdisjoint(scanned.number_refs)):   # (a number cell may repeat a reference)
            return records
    return book.cells(sheet)


def with_cached_values(book: Workbook, sheet_values: dict[str, dict],
                       sheet_inputs: dict[str, dict] | None = None) -> Workbook:
    """``book`` with new cached values {sheet name: {cell: value}} and, optionally, new input-cell
    contents in the same shape; the workbook part's calculation properties say to trust them."""
    sheet_inputs = sheet_inputs or {}
    parts = book.sheet_parts
    unknown = [s for s in list(sheet_values) + list(sheet_inputs) if s not in parts]
    if unknown:
        raise BookError(f"{book.path}: no sheet named {unknown[0]!r}")
    changes = {}
    for sheet in set(sheet_values) | set(sheet_inputs):
        cells, inputs = sheet_values.get(sheet, {}), sheet_inputs.get(sheet, {})
        if cells or inputs:
            changes[parts[sheet]] = rewrite_sheet(book.part(parts[sheet]), cells, sheet, inputs,
                                                  _cells_to_write(book, sheet, cells, inputs))
    changes[book.workbook_part] = set_calc_properties(book.part(book.workbook_part), book.workbook_part)
    return book.with_parts(changes)


def write_cached_values(source: Workbook | str | Path, destination: str | Path, sheet_values: dict[str, dict],
                        sheet_inputs: dict[str, dict] | None = None) -> None:
    """Write ``source`` (a workbook or its path) to ``destination`` with new cached values and inputs."""
    book = source if isinstance(source, Workbook) else Workbook.open(source)
    with_cached_values(book, sheet_values, sheet_inputs).save(destination)


def same_value(old: tuple | None, new) -> bool:
    """Does a stored (t, text) pair hold the value ``new``?"""
    if old is None:
        return False
    old_type, old_text = old
    if type(new) is float and (old_type or "n") == "n" and math.isfinite(new):
        try:                     # a number against a stored number: what the general path below does
            stored = float(old_text)
        except ValueError:
            return False
        return stored == new or math.isclose(stored, new, rel_tol=VALUE_TOLERANCE, abs_tol=1e-12)
    new_type, new_text = encode(new)
    if (old_type or "n") in ("n", None) and new_type is None:
        try:
            a, b = float(old_text), float(new_text)
        except ValueError:
            return False
        return a == b or math.isclose(a, b, rel_tol=VALUE_TOLERANCE, abs_tol=1e-12)
    return (old_type or None) == new_type and old_text == new_text
