"""Where the top-level elements of a part sit, and inserting or editing one without disturbing the rest.

SpreadsheetML fixes the order of a part's children (the schema's sequence): ``<calcPr>`` comes after
``<definedNames>`` and before ``<extLst>``, ``<sheetProtection>`` right after ``<sheetData>``. A new element
goes before the first existing sibling that the schema puts after it, never simply at the end (after
``extLst``, Excel calls the file corrupt). Elements are found with expat (prefixes and quoting handled), and
new ones are spelt with the prefix the part's root uses, so ``<x:workbook>`` gets ``<x:calcPr>``.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass

from workbook.errors import BookError
from workbook.xlsx.cells import _tag_end, tag_prefix
from workbook.xlsx.package import MAIN_NS, xml_parser

# CT_Workbook and CT_Worksheet, in schema order (ECMA-376 part 1, 18.2.27 and 18.3.1.99).
WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                  "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
                  "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                  "fileRecoveryPr", "webPublishObjects", "extLst")
WORKSHEET_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                   "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
                   "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
                   "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                   "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
                   "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
                   "controls", "webPublishItems", "tableParts", "extLst")


@dataclass(slots=True)
class Element:
    name: str            # namespace|local, as expat reports it
    start: int           # the '<' of the start tag
    tag_end: int         # just after the start tag's '>'
    end: int             # just after the end tag (== tag_end for <x/>)
    prefix: bytes        # b"" or b"x:"
    children: list       # child Elements, only down to the depth asked for

    @property
    def local(self) -> str:
        return self.name.rpartition("|")[2]

    @property
    def self_closing(self) -> bool:
        return self.end == self.tag_end

    def child(self, local: str, ns: str = MAIN_NS) -> "Element | None":
        return next((c for c in self.children if c.name == f"{ns}|{local}"), None)

    def all(self, local: str, ns: str = MAIN_NS) -> list:
        return [c for c in self.children if c.name == f"{ns}|{local}"]


def outline(data: bytes, where: str, depth: int = 1) -> Element:
    """The root element with its children down to ``depth`` levels (1: the root's children)."""
    parser = xml_parser()
    stack: list[Element] = []
    found: list[Element] = []

    def start(name, attrs):
        i = parser.CurrentByteIndex
        if len(stack) <= depth:
            element = Element(name, i, _tag_end(data, i), -1, tag_prefix(data, i), [])
            if stack:
                stack[-1].children.append(element)
            else:
                found.append(element)
            stack.append(element)
        else:
            stack.append(None)

    def end(name):
        element = stack.pop()
        if element is not None:
            i = parser.CurrentByteIndex
            if data[element.tag_end - 2:element.tag_end] == b"/>":
                element.end = element.tag_end
            else:
                element.end = data.index(b">", i) + 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise BookError(f"{where} is not well-formed XML ({error})") from None
    if not found:
        raise BookError(f"{where} has no root element")
    return found[0]


def insertion_point(root: Element, local: str, order: tuple[str, ...], data: bytes, where: str) -> int:
    """Where a new child ``local`` of ``root`` goes in schema order: before the first sibling ranked after
    it, else just before the root's end tag."""
    rank = order.index(local)
    for child in root.children:
        if child.name.startswith(MAIN_NS + "|") and child.local in order and order.index(child.local) > rank:
            return child.start
    if root.self_closing:
        raise BookError(f"{where}: the root element is empty")
    return data.rindex(b"</", root.tag_end, root.end)


def insert_child(data: bytes, where: str, order: tuple[str, ...], local: str, xml: bytes,
                 root: Element | None = None) -> bytes:
    """``data`` with ``xml`` (a complete element spelt with the root's prefix) inserted in schema order."""
    root = root or outline(data, where)
    at = insertion_point(root, local, order, data, where)
    return data[:at] + xml + data[at:]


_TAG_NAME = re.compile(rb"<[^\s/>]+")
_ATTRIBUTE = re.compile(rb"""(\s+)([^\s=/>]+)(\s*=\s*)("[^"]*"|'[^']*')""")


def attributes(tag: bytes) -> list[re.Match]:
    """The attributes of a start tag in order, read one after another from the element name on (so text
    inside an attribute value never looks like another attribute)."""
    position = _TAG_NAME.match(tag).end()
    found = []
    while True:
        match = _ATTRIBUTE.match(tag, position)
        if not match:
            return found
        found.append(match)
        position = match.end()


def with_attributes(tag: bytes, changes: dict[str, str | None]) -> bytes:
    """A start tag with attributes set (value) or removed (None); the others, their order and quoting kept.
    New attributes go at the end of the tag. Values are given unescaped and must not need escaping."""
    pieces, position, done = [], 0, set()
    for match in attributes(tag):
        name = match[2].decode()
        if name in changes:
            pieces.append(tag[position:match.start()])
            if changes[name] is not None:
                pieces.append(match[1] + match[2] + match[3] + b'"' + changes[name].encode() + b'"')
            position = match.end()
            done.add(name)
    rest = tag[position:]
    close = 2 if rest.endswith(b"/>") else 1
    added = b"".join(f' {name}="{value}"'.encode() for name, value in changes.items()
                     if value is not None and name not in done)
    return b"".join(pieces) + rest[:-close].rstrip() + added + rest[-close:]


def attribute(tag: bytes, name: str) -> str | None:
    for match in attributes(tag):
        if match[2].decode() == name:
            return match[4][1:-1].decode()
    return None
