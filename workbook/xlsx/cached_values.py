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
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import schedula as sh
from formulas.tokens.operand import XlError

from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.cells import SheetCells, scan_cells
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
                  cells: list | None = None, columns: ColumnSpans | None = None) -> bytes:
    """New cached values for formula (and spill) cells in ``values``; new contents for plain input
    cells in ``inputs`` (text goes in as an inline string, since the shared-string table is left as is).
    New elements use the prefix of the cell they go in (``<x:v>`` in an ``<x:c>``).

    Each cell written replaces one span of the old bytes. Most hold a finite float and keep their start
    tag, so only their ``<v>`` changes: ``_plain_spans`` finds those spans and texts for all of them at
    once. Every other cell goes through ``_general_span``, one at a time. ``columns``: the spans of the
    formula cells kept as columns (``column_spans``), which ``cells`` then leaves out."""
    inputs = inputs or {}
    if cells is None:
        cells = scan_cells(data, where, keep_empty=set(inputs))
    elif inputs and not set(inputs) <= {c.ref for c in cells}:
        # Empty cells are not kept by a plain scan; an input may be one (a blank input cell).
        cells = scan_cells(data, where, keep_empty=set(inputs))
    chosen = _chosen(cells, values, inputs)
    refs = [cell.ref for cell in chosen]
    count = len(chosen)
    plain = _plain_spans(data, chosen, refs, values) if count and not inputs else None
    others, starts, stops, news = plain or (range(count), [0] * count, [0] * count, [None] * count)
    retyped: dict[str | None, dict[bytes, bytes | None]] = {None: {}}
    for i in others:  # in sheet order, so that the first cell refused is the first in the sheet
        starts[i], stops[i], news[i] = _general_span(data, chosen[i], values, inputs, where, retyped)
    if columns is not None and columns.starts:
        if count:                # the two sets of spans in sheet order, by where each begins
            order = np.argsort(np.array(starts + columns.starts, dtype=np.int64), kind="stable").tolist()
            starts, stops, news = ([both[i] for i in order] for both in
                                   (starts + columns.starts, stops + columns.stops, list(news) + columns.news))
        else:
            starts, stops, news = columns.starts, columns.stops, columns.news
        count = len(starts)
    found = set(refs).union(columns.refs) if columns is not None else set(refs)
    if len(found) != (len(values.keys() | inputs.keys()) if inputs else len(values)):
        missing = (values.keys() | inputs.keys()) - found
        raise BookError(f"{where}: cells {', '.join(sorted(missing)[:5])} are not in the sheet")
    # The new sheet is joined once from views of the old bytes between the spans: no copy per piece.
    view = memoryview(data)
    pieces = [None] * (2 * count + 1)
    pieces[0::2] = map(view.__getitem__, map(slice, [0, *stops], [*starts, len(data)]))
    pieces[1::2] = news
    return b"".join(pieces)


def _plain_spans(data: bytes, chosen: list, refs: list, values: dict) -> tuple | None:
    """(the other cells' indices, starts, stops, new bytes) for the cells whose start tag is exactly
    ``<c r="REF">`` with `` s="STYLE"`` and `` t="TYPE"`` as recorded: mostly only their <v> changes (its
    span is the old <v>, or the empty place after </f>); where the type changes the span begins at the tag,
    spelt anew as ``with_attributes`` would spell it. Finite floats, most values, are spelt all at once.
    The other cells' spans are left for the caller to fill. None when the cells' prefixes differ, the
    prefix holds an "e" (the texts are uppercased whole) or a reference, style or type holds a quote
    (which would end an attribute early) or a "<" (which would hide where an expected tag begins)."""
    count = len(chosen)
    prefix = chosen[0].prefix
    p = prefix.decode()
    opening = f'<{p}c r="'
    if [cell.prefix for cell in chosen].count(prefix) != count or "e" in p.lower() or '"' in "".join(refs):
        return None
    styles = [cell.style for cell in chosen]
    kinds = [cell.cell_type for cell in chosen]
    plain_kinds = kinds.count(None) == count
    if plain_kinds and styles.count(None) == count:
        expected = opening + f'">{opening}'.join(refs) + '">'
    else:
        # Each tag as opening, REF, its style part, its type part (which the next tag's opening ends).
        style_parts = {style: '"' if style is None else f'" s="{style}"' for style in set(styles)}
        kind_parts = {kind: ">" + opening if kind is None else f' t="{kind}">{opening}' for kind in set(kinds)}
        if any('"' in text for text in chain(style_parts, kind_parts) if text is not None):
            return None
        parts = [None] * (3 * count)
        parts[0::3], parts[1::3] = refs, map(style_parts.__getitem__, styles)
        parts[2::3] = map(kind_parts.__getitem__, kinds)
        expected = (opening + "".join(parts))[:-len(opening)]
    expected = np.frombuffer(expected.encode(), dtype=np.uint8)
    begins = np.flatnonzero(expected == ord("<"))
    if len(begins) != count:
        return None
    lengths = np.diff(begins, append=len(expected))
    starts = np.array([cell.tag_start for cell in chosen], dtype=np.int64)
    kept = np.array([cell.tag_end for cell in chosen], dtype=np.int64) - starts == lengths
    # The expected tags laid over the sheet's bytes where the cells' tags start, a block of cells at a
    # time (an index a byte: a whole sheet's at once would be a large array).
    buf = np.frombuffer(data, dtype=np.uint8)
    for first in range(0, count, _BLOCK):
        sizes, begin = lengths[first:first + _BLOCK], begins[first]
        places = np.repeat(starts[first:first + _BLOCK] - (begins[first:first + _BLOCK] - begin), sizes)
        places += np.arange(len(places))
        same = buf[np.minimum(places, len(data) - 1)] == expected[begin:begin + len(places)]
        if not same.all():
            kept[first + np.repeat(np.arange(len(sizes)), sizes)[~same]] = False
    until = [cell.value_start for cell in chosen]
    if None in until:
        until = [cell.value_start if cell.value_start is not None else cell.formula_end for cell in chosen]
        stops = [cell.value_end if cell.value_start is not None else cell.formula_end for cell in chosen]
        if None in until:
            kept &= np.array([place is not None for place in until])
    else:
        stops = [cell.value_end for cell in chosen]
    given = list(map(values.__getitem__, refs))
    numbers = _as_floats(given)
    fast = kept & np.isfinite(numbers)
    which = np.flatnonzero(fast)
    texts = value_elements(numbers[which], given if len(which) == count else None, p)
    if len(which) == count and plain_kinds:
        return (), until, stops, texts
    news = [None] * count
    for i, text in zip(which.tolist(), texts):
        news[i] = text
    # The rest: values of other kinds, and cells whose type changes (a t="n" that a float drops, a text
    # where a number was).
    others, tails = [], {}
    rest = np.flatnonzero(~fast).tolist() if plain_kinds else range(count)
    kept, fast = kept.tolist(), fast.tolist()
    for i in rest:
        if not kept[i]:
            others.append(i)
            continue
        kind = kinds[i]
        if fast[i]:
            if kind is None:
                continue
            new_kind, v = None, news[i]
        else:
            try:
                new_kind, text = encode(given[i])
            except Exception:        # (left to _general_span, which raises it in sheet order)
                others.append(i)
                continue
            v = b"<" + prefix + b"v>" + text.encode() + b"</" + prefix + b"v>"
        if new_kind != kind:
            key = styles[i], new_kind
            tail = tails.get(key)
            if tail is None:
                tail = tails[key] = ('"' + ("" if key[0] is None else f' s="{key[0]}"')
                                     + ("" if new_kind is None else f' t="{new_kind}"') + ">").encode()
            cell = chosen[i]
            v = (opening + refs[i]).encode() + tail + data[cell.tag_end:until[i]] + v
            until[i] = cell.tag_start
        news[i] = v
    return others, until, stops, news


def value_elements(numbers: np.ndarray, floats: list | None, p: str = "") -> list[bytes]:
    """``<v>TEXT</v>`` (with the prefix ``p``) for each finite float of ``numbers``, TEXT as ``encode``
    spells it: str(int(x)) for a whole number below 1e15, else repr(x).upper(). ``floats``: the same
    numbers as Python floats, when the caller has them."""
    whole = (np.floor(numbers) == numbers) & (np.abs(numbers) < 1e15)
    as_int, as_repr = f"<{p}v>%d</{p}v>\0", f"<{p}v>%r</{p}v>\0"
    form = "".join([as_int if w else as_repr for w in whole.tolist()]) if whole.any() else as_repr * len(numbers)
    texts = (form % tuple(numbers.tolist() if floats is None else floats)).replace("e", "E")
    texts = texts.encode().split(b"\0")
    texts.pop()
    return texts


def _as_floats(given: list) -> np.ndarray:
    """The Python floats of ``given`` as a float64 array, NaN in place of anything else."""
    if set(map(type, given)) == {float}:
        return np.array(given, dtype=float)
    return np.array([x if type(x) is float else math.nan for x in given], dtype=float)


class ColumnSpans(NamedTuple):
    """What the formula cells kept as columns put in a sheet: for the ones given a finite float, their
    ``refs``, the span of each one's <v> and its new one (in sheet order); ``records``: the records of
    the others given a value, which take the general path."""

    refs: list
    starts: list
    stops: list
    news: list
    records: list


def column_spans(scanned: SheetCells, values: dict) -> ColumnSpans:
    """The spans of ``values`` that fall on ``scanned``'s formula columns."""
    refs = scanned.formula_refs
    found = scanned.formulas
    given = [values.get(ref, _UNSEEN) for ref in refs]
    numbers = _as_floats(given)
    finite = np.isfinite(numbers)
    which = np.flatnonzero(finite)
    if len(which) == len(refs):
        chosen, floats = refs, given
    else:
        chosen, floats = [refs[k] for k in which.tolist()], None
    starts = found.value_starts[which] - 3
    stops = found.value_starts[which] + found.value_lengths[which] + 4
    others = [k for k in np.flatnonzero(~finite).tolist() if given[k] is not _UNSEEN]
    return ColumnSpans(chosen, starts.tolist(), stops.tolist(), value_elements(numbers[which], floats),
                       scanned.formula_records(others))


def _general_span(data: bytes, cell, values: dict, inputs: dict, where: str, retyped: dict) -> tuple:
    """(start, stop, new bytes): the span of the old sheet that a cell's new value or input replaces.

    A start tag gets its ``t`` attribute set or removed as ``with_attributes`` does it. Tags are
    ``<c r="REF"`` and a rest (`` s="4" t="str">``) that many cells share, and the r attribute is never
    the one changed, so each distinct (rest, type) is retyped once (``retyped``) and the result reused;
    a tag of any other shape goes through ``with_attributes`` itself."""
    ref, start, end, prefix = cell.ref, cell.tag_start, cell.tag_end, cell.prefix
    close = b"</" + prefix + b"c>"
    if ref in inputs:
        if cell.formula is not None:
            raise BookError(f"{where}!{ref} holds a formula, not an input value")
        cell_type, text = encode(inputs[ref])
        cell_type, v = _value_xml(prefix, cell_type, text, inline=True)
        tag = _retype(data[start:end], cell_type)
        if cell.self_closing:
            return start, end, tag[:-2].rstrip() + b">" + v + close
        return start, data.index(close, end), tag + v
    cell_type, text = encode(values[ref])
    v = b"<" + prefix + b"v>" + text.encode() + b"</" + prefix + b"v>"
    table = retyped.setdefault(cell_type, {})
    opening = b"<" + prefix + b'c r="'
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
        return start, end, (data[start:end] if tag is None else tag)[:-2].rstrip() + b">" + v + close
    if cell.value_start is not None:
        until, after = cell.value_start, cell.value_end
    elif cell.formula_end is not None:
        until = after = cell.formula_end
    else:
        raise BookError(f"{where}!{ref}: neither a formula nor a cached value to replace")
    if tag is None:
        return until, after, v
    return start, after, tag + data[end:until] + v


_UNSEEN, _GENERAL = object(), object()
_BLOCK = 1 << 14


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


def _cells_to_write(book: Workbook, sheet: str, values: dict, inputs: dict) -> tuple[list, ColumnSpans | None]:
    """The records of the cells to write and the spans of those kept as formula columns, when none is a
    plain number cell (formula cells never are; an input or an array formula's other cells may be) and no
    cell is written twice; else every record of the sheet (and no column spans)."""
    if not inputs:
        scanned = book.sheet_cells(sheet)
        chosen = [cell for cell in scanned.records if cell.ref in values]
        columns = column_spans(scanned, values) if scanned.formula_count else None
        if columns is not None and columns.records:
            chosen = sorted(chosen + columns.records, key=attrgetter("tag_start"))
        # (a number cell may repeat a reference, and so may a record a formula column's)
        refs = [cell.ref for cell in chosen]
        if (len(chosen) + (len(columns.refs) if columns is not None else 0) == len(values)
                and not scanned.number_cell_at(refs)
                and (columns is None or not scanned.formula_cell_repeated() and set(refs).isdisjoint(columns.refs))):
            return chosen, columns
    return book.cells(sheet), None


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
                                                  *_cells_to_write(book, sheet, cells, inputs))
    changes[book.workbook_part] = set_calc_properties(book.part(book.workbook_part), book.workbook_part)
    return book.with_parts(changes)


def write_cached_values(source: Workbook | str | Path, destination: str | Path, sheet_values: dict[str, dict],
                        sheet_inputs: dict[str, dict] | None = None) -> None:
    """Write ``source`` (a workbook or its path) to ``destination`` with new cached values and inputs."""
    book = source if isinstance(source, Workbook) else Workbook.open(source)
    with_cached_values(book, sheet_values, sheet_inputs).save(destination)


def changed_count(before: dict, computed: dict) -> int:
    """How many of ``computed``'s values ({cell: value}) differ from the stored (t, text) pairs ``before``
    holds for their cells: ``sum(not same_value(before.get(cell), value))``. The finite floats against
    stored numbers (most cells) are read by float and compared as arrays, with math.isclose's rule; the
    others one by one."""
    news = list(computed.values())
    olds = list(map(before.get, computed))
    if set(map(type, news)) == {float} and None not in olds and set(map(itemgetter(0), olds)) <= _NUMBER_KINDS:
        numbers, rest = (olds, news), ()                    # (every pair: no list of which)
    else:
        numeric = [type(new) is float and old is not None and old[0] in _NUMBER_KINDS for old, new in zip(olds, news)]
        numbers = ([old for old, n in zip(olds, numeric) if n], [new for new, n in zip(news, numeric) if n])
        rest = [(old, new) for old, new, n in zip(olds, news, numeric) if not n]
    found = _numbers_changed(*numbers) if numbers[0] else 0
    if found is None:
        rest = zip(olds, news)
    return (found or 0) + sum(1 for old, value in rest if not same_value(old, value))


_NUMBER_KINDS = frozenset({None, "n", ""})


def _numbers_changed(olds: list, news: list) -> int | None:
    """``changed_count`` of finite floats against stored numbers, as arrays; None when a stored text is not
    one float reads or a value is not finite (then each is compared alone)."""
    try:
        stored = np.array(list(map(itemgetter(1), olds)), dtype=float)      # (float() of each text)
    except ValueError:
        return None
    new = np.array(news, dtype=float)
    if not np.isfinite(new).all():
        return None
    difference = np.abs(stored - new)
    close = np.isfinite(stored) & ((difference <= VALUE_TOLERANCE * np.maximum(np.abs(stored), np.abs(new)))
                                   | (difference <= 1e-12))
    return int(np.count_nonzero(~((stored == new) | close)))


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
