"""Chart caches: the values a chart part keeps of the cells it plots, rewritten from the book's values.

A chart part (``xl/charts/chartN.xml``) keeps a copy of every range it plots beside the formula that
names it: ``<c:numRef><c:f>'Summary'!$C$44:$C$49</c:f><c:numCache>`` with a ``<c:formatCode>``, a
``<c:ptCount val="6"/>`` and one ``<c:pt idx="i"><c:v>..</c:v></c:pt>`` per cell that has something to
plot; ``<c:strRef>``/``<c:strCache>`` the same for text (categories, series names). Excel redraws from the
cells, but viewers that do not recalculate (phone previews, many web viewers) draw the cache. After a
refresh has written new cell values, ``chart_cache_changes`` gives the new bytes of each chart part whose
caches no longer hold them.

What changes, and only that: the ``<pt>`` children of a cache and the ``val`` of its ``<ptCount>`` (inserted
if missing). Every other byte of the part stays as it is -- the new points are spliced in, with the prefix
the cache uses, and a new point reuses the start tag of the old point at the same index (so a per-point
``formatCode`` stays). A cache is rewritten from:

* a formula that is one area on one sheet of this book, one row, one column or one cell: ``Sheet1!B2:F2``,
  ``'Sheet name'!$A$1:$A$6`` (quotes doubled inside), ``$`` optional. Anything else -- several areas, a
  defined name, another workbook (``[1]Sheet!A1``), a 2-D block, a sheet the book does not have, whole
  columns -- leaves that cache as it is;
* numbers (``numCache``): a point per cell holding a number, idx its 0-based place in the area; booleans
  as 1 and 0; empty, text and error cells get no point, as Excel writes them. Numbers are spelt as cell
  values are (``cached_values.encode``: ``5``, ``0.19``, ``1.5E-05``);
* text (``strCache``): a point per cell holding something, with its text: text as it is (escaped as cell
  text is), numbers spelt as above, TRUE/FALSE, errors as their text (#N/A). Empty cells and empty
  text get no point;
* ``ptCount``: the number of cells in the area.

A cache whose points already hold the values is left alone (numbers compared to the same tolerance as
stored cell values, ``cached_values.VALUE_TOLERANCE``: a chart written from the same numbers computed
another way differs in the last bits, and nothing a chart draws changes with them); a part none of whose
caches change is not in the result.

Charts are decoration, so a refresh never fails because of one: a chart part that cannot be read
exactly -- not well-formed XML, not a DrawingML chart, an encoding other than UTF-8/16, points that are not
one run of ``<pt>`` elements, a ``ptCount`` after the points -- is left whole, with a one-line reason in
``skipped`` when the caller passes a list. Only that is caught (``BookError`` from reading the part, and
those shapes): an exception raised by ``value_of``, or by this code on a part it could read, propagates.
"""

from __future__ import annotations

import math
import posixpath
import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field
from typing import Any, Callable

import schedula as sh

from workbook.errors import BookError
from workbook.xlsx.book import Workbook, _target
from workbook.xlsx.cached_values import VALUE_TOLERANCE, _xml_text, encode
from workbook.xlsx.cells import _tag_end, tag_prefix
from workbook.xlsx.package import PACKAGE_REL_NS, REL_NS, parse_xml, xml_parser
from workbook.xlsx.references import column_letters, column_number
from workbook.xlsx.structure import attributes, with_attributes

CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
CHART_TYPE = REL_NS + "/chart"
_CACHE_OF = {"numRef": "numCache", "strRef": "strCache"}

# One area on one sheet: 'Sheet name'!$A$1:$A$6 or Sheet1!B2:F2. Sheet names cannot hold []:*?/\ in
# Excel, so a [ anywhere (another workbook) does not match; nor do several areas, names, whole columns.
_AREA = re.compile(r"""
    \s*(?:'(?P<quoted>(?:[^'\[\]]|'')+)'|(?P<plain>[^'!\[\]\s,():;"]+))!
    \$?(?P<c1>[A-Za-z]{1,3})\$?(?P<r1>[0-9]{1,7})
    (?::\$?(?P<c2>[A-Za-z]{1,3})\$?(?P<r2>[0-9]{1,7}))?\s*""", re.VERBOSE)
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384


class _Unreadable(Exception):
    """A chart part this module does not rewrite (the reason is the message)."""


def chart_cache_changes(book: Workbook, value_of: Callable[[str, str], Any], *,
                        skipped: list[str] | None = None) -> dict[str, bytes]:
    """{chart part: its new bytes} for every chart part of ``book`` whose caches change.

    ``value_of(sheet, ref)`` gives a cell's current value ('B7' without $; a float, str, bool, an error
    value, or None for an empty cell). Chart parts are those the package's relationships name as charts
    (from drawings of worksheets and chart sheets). A part left alone because it cannot be read exactly
    gets a line in ``skipped`` if given."""
    changes = {}
    for name in chart_parts(book):
        try:
            data = book.part(name)
            caches = _caches(data)
        except (BookError, _Unreadable) as error:
            if skipped is not None:
                skipped.append(f"{name}: chart left as it is ({error})")
            continue
        new = _rewritten(data, caches, book, value_of)
        if new is not None:
            changes[name] = new
    return changes


def chart_parts(book: Workbook) -> list[str]:
    """The members that relationships of the package name as charts, in package order. A relationships
    part that cannot be read is passed over (the charts it names are then not found, not misread)."""
    found = set()
    for rels in book.parts:
        if not rels.endswith(".rels") or posixpath.basename(posixpath.dirname(rels)) != "_rels":
            continue
        folder = posixpath.dirname(posixpath.dirname(rels))

        def start(tag, attrs):
            if (tag == PACKAGE_REL_NS + "|Relationship" and attrs.get("Type") == CHART_TYPE
                    and attrs.get("TargetMode") != "External"):
                found.add(_target(folder, attrs.get("Target", "")))

        try:
            parse_xml(book.part(rels), start, where=rels)
        except BookError:
            continue
    return [name for name in book.parts if name in found]


# -- reading a chart part --

@dataclass(slots=True)
class _Node:
    local: str           # the local name in the chart namespace, or "" for any other element
    start: int
    tag_end: int
    end: int = -1
    prefix: bytes = b""
    attrs: dict = field(default_factory=dict)
    text: list = field(default_factory=list)
    children: list = field(default_factory=list)

    @property
    def self_closing(self) -> bool:
        return self.end == self.tag_end


@dataclass(slots=True)
class _Cache:
    kind: str            # "numCache" or "strCache"
    formula: str
    node: _Node


def _caches(data: bytes) -> list[_Cache]:
    """Every numCache/strCache directly under a numRef/strRef, with the formula beside it."""
    parser = xml_parser()
    stack: list[_Node] = []
    roots: list[_Node] = []
    refs: list[_Node] = []

    def start(name, attrs):
        at = parser.CurrentByteIndex
        namespace, _, local = name.rpartition("|")
        node = _Node(local if namespace == CHART_NS else "", at, _tag_end(data, at), prefix=tag_prefix(data, at),
                     attrs=attrs)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
        if node.local in _CACHE_OF:
            refs.append(node)

    def end(name):
        node = stack.pop()
        if data[node.tag_end - 2:node.tag_end] == b"/>":
            node.end = node.tag_end
        else:
            node.end = data.index(b">", parser.CurrentByteIndex) + 1

    def text(chunk):
        if stack and stack[-1].local in ("f", "v"):
            stack[-1].text.append(chunk)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise _Unreadable(f"not well-formed XML: {error}") from None
    if not roots or roots[0].local != "chartSpace":
        raise _Unreadable("not a DrawingML chart part")
    caches = []
    for ref in refs:
        formulas = [c for c in ref.children if c.local == "f"]
        found = [c for c in ref.children if c.local == _CACHE_OF[ref.local]]
        if len(formulas) == 1 and len(found) == 1:
            _check_shape(found[0], data)
            caches.append(_Cache(found[0].local, "".join(formulas[0].text), found[0]))
    return caches


def _check_shape(cache: _Node, data: bytes) -> None:
    """The cache's points are one run of <pt> (nothing but white space between them) after its
    formatCode and ptCount, or there are none."""
    children = cache.children
    points = [i for i, c in enumerate(children) if c.local == "pt"]
    heads = [i for i, c in enumerate(children) if c.local in ("formatCode", "ptCount")]
    if any(children[i].local == children[j].local for i in heads for j in heads if i < j):
        raise _Unreadable(f"a {cache.local} with two {children[heads[0]].local} elements")
    if points:
        if points != list(range(points[0], points[-1] + 1)):
            raise _Unreadable(f"the points of a {cache.local} are not one run of <pt> elements")
        if any(i > points[0] for i in heads):
            raise _Unreadable(f"a {cache.local} with its formatCode or ptCount after its points")
        run = data[children[points[0]].start:children[points[-1]].end]
        for point in children[points[0]:points[-1] + 1]:
            run = run.replace(data[point.start:point.end], b"", 1)
        if run.strip():
            raise _Unreadable(f"something other than <pt> elements between the points of a {cache.local}")


# -- the new points --

def area_cells(book: Workbook, formula: str) -> tuple[str, list[str]] | None:
    """(sheet, its cells in order) for a formula that is one row, column or cell of a sheet of ``book``;
    None for anything else."""
    match = _AREA.fullmatch(formula)
    if not match:
        return None
    sheet = match["plain"] if match["plain"] is not None else match["quoted"].replace("''", "'")
    if sheet not in book.sheet_parts:
        same = [s for s in book.sheet_parts if s.lower() == sheet.lower()]  # sheet names ignore case
        if len(same) != 1:
            return None
        sheet = same[0]
    c1, r1 = column_number(match["c1"].upper()), int(match["r1"])
    c2, r2 = (column_number(match["c2"].upper()), int(match["r2"])) if match["c2"] else (c1, r1)
    (r1, r2), (c1, c2) = sorted((r1, r2)), sorted((c1, c2))
    if not (1 <= r1 and r2 <= MAX_ROWS and 1 <= c1 and c2 <= MAX_COLUMNS) or (r1 != r2 and c1 != c2):
        return None
    return sheet, [f"{column_letters(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _empty(value) -> bool:
    return value is None or value is sh.EMPTY or (isinstance(value, str) and value == "")


def number_point(value) -> str | None:
    """A cell value as a numCache point's text: numbers and booleans; None for no point."""
    if _empty(value) or isinstance(value, str):
        return None
    kind, text = encode(value)
    if kind is None:
        return text
    return text if kind == "b" else None


def text_point(value) -> str | None:
    """A cell value as a strCache point's text (unescaped); None for no point."""
    if _empty(value):
        return None
    if isinstance(value, str):
        return value
    kind, text = encode(value)
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    if kind == "str":  # something that is neither a number nor an error: its text
        return str(value)
    return text


def _stored_text(node: _Node) -> str:
    """A stored point's text, _xHHHH_ escapes read back as the characters they stand for."""
    value = next((c for c in node.children if c.local == "v"), None)
    text = "".join(value.text) if value is not None else ""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def _same_points(kind: str, old: dict, new: dict) -> bool:
    if old.keys() != new.keys():
        return False
    for idx, text in new.items():
        if old[idx] == text:
            continue
        if kind != "numCache":
            return False
        try:
            a, b = float(old[idx]), float(text)
        except ValueError:
            return False
        if not (math.isfinite(a) and math.isclose(a, b, rel_tol=VALUE_TOLERANCE, abs_tol=1e-12)):
            return False
    return True


def _rewritten(data: bytes, caches: list[_Cache], book: Workbook, value_of) -> bytes | None:
    """The part with new points spliced into the caches that change; None when none does."""
    splices: list[tuple[int, int, bytes]] = []
    for cache in caches:
        area = area_cells(book, cache.formula)
        if area is None:
            continue
        sheet, cells = area
        point = number_point if cache.kind == "numCache" else text_point
        new = {}
        for i, ref in enumerate(cells):
            text = point(value_of(sheet, ref))
            if text is not None:
                new[i] = text
        splices += _cache_splices(data, cache, len(cells), new)
    if not splices:
        return None
    out, position = [], 0
    for start, end, xml in sorted(splices, key=lambda s: (s[0], s[1])):
        out += [data[position:start], xml]
        position = end
    out.append(data[position:])
    return b"".join(out)


def _cache_splices(data: bytes, cache: _Cache, count: int, new: dict[int, str]) -> list[tuple[int, int, bytes]]:
    """(start, end, bytes) replacements that give ``cache`` ``count`` cells and the points ``new``
    {idx: text}; none when it holds them already."""
    node, p = cache.node, cache.node.prefix
    points = [c for c in node.children if c.local == "pt"]
    old, old_tags = {}, {}
    for point in points:
        idx = point.attrs.get("idx", "")
        key = int(idx) if idx.isdigit() else idx
        old[key] = _stored_text(point)
        old_tags.setdefault(key, data[point.start:point.tag_end])
    counter = next((c for c in node.children if c.local == "ptCount"), None)
    if (counter is not None and counter.attrs.get("val") == str(count) and len(points) == len(old)
            and _same_points(cache.kind, old, new)):
        return []
    xml = []
    for idx, text in new.items():
        tag = old_tags.get(idx)
        if tag is None or tag.endswith(b"/>"):
            tag = b"<" + p + b'pt idx="' + str(idx).encode() + b'">'
        xml.append(tag + b"<" + p + b"v>" + _xml_text(text).encode() + b"</" + p + b"v></" + p + b"pt>")
    new_points = b"".join(xml)
    count_tag = b"<" + p + b'ptCount val="' + str(count).encode() + b'"/>'
    if node.self_closing:  # <c:numCache/>: opened, filled and closed
        tag = data[node.start:node.end]
        return [(node.start, node.end, tag[:-2].rstrip() + b">" + count_tag + new_points + b"</" + p
                 + cache.kind.encode() + b">")]
    splices = []
    if counter is not None:
        if counter.attrs.get("val") != str(count):
            splices.append(_count_splice(data, counter, count))
        after_counter = counter.end
    else:
        head = next((c for c in node.children if c.local == "formatCode"), None)
        after_counter = head.end if head is not None else node.tag_end
        new_points = count_tag + new_points
    if points:
        splices.append((points[0].start, points[-1].end, new_points))
    else:
        splices.append((after_counter, after_counter, new_points))
    return splices


def _count_splice(data: bytes, counter: _Node, count: int) -> tuple[int, int, bytes]:
    """The ptCount's val set to ``count``: only the text inside its quotes (whichever they are) changes;
    a missing val is added."""
    tag = data[counter.start:counter.tag_end]
    found = next((m for m in attributes(tag) if m[2] == b"val"), None)
    if found is None:
        return counter.start, counter.tag_end, with_attributes(tag, {"val": str(count)})
    return counter.start + found.start(4) + 1, counter.start + found.end(4) - 1, str(count).encode()
