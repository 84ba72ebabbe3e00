"""What a formula may refer to beyond cells, read from the workbook part: defined names with their
scope, the sheets in order, the date system and whether the book asks for iterative calculation.

A defined name is workbook-wide or belongs to one sheet (``localSheetId``, an index into every sheet of
the workbook, chart sheets included). Inside a formula on sheet S, a sheet-scoped name of S shadows a
workbook-wide name of the same spelling; names ignore case (Excel's rule). ``Workbook.names`` keeps only
workbook-wide names to one area, so the evaluator takes every definition (``Workbook.name_definitions``)
with its scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.package import MAIN_NS, xml_parser


@dataclass(frozen=True)
class WorkbookFacts:
    names: dict[tuple[str | None, str], str]   # (sheet of its scope or None, NAME) -> definition text
    sheets: tuple[str, ...]                    # every sheet, in workbook order
    date1904: bool                             # the 1904 date system (serial 0 = 1 January 1904)
    iterate: bool                              # <calcPr iterate="1">: circular references iterate

    def definition(self, sheet: str, name: str, qualifier: str | None = None) -> str | None:
        """The text a name stands for in a formula on ``sheet`` (``qualifier!name`` looks in that sheet's
        scope only); None when no such name exists."""
        key = name.upper()
        if qualifier is not None:
            return self.names.get((qualifier, key))
        found = self.names.get((sheet, key))
        return found if found is not None else self.names.get((None, key))


def _true(value: str | None) -> bool:
    return value in ("1", "true")


def workbook_facts(book: Workbook) -> WorkbookFacts:
    part = book.workbook_part
    names: dict = {}
    sheets: list[str] = []
    flags = {"date1904": False, "iterate": False}

    def start(tag, attrs):
        if tag == MAIN_NS + "|sheet":
            sheets.append(attrs.get("name", ""))
        elif tag == MAIN_NS + "|workbookPr":
            flags["date1904"] = _true(attrs.get("date1904"))
        elif tag == MAIN_NS + "|calcPr":
            flags["iterate"] = _true(attrs.get("iterate"))

    parser = xml_parser()
    parser.StartElementHandler = start
    try:
        parser.Parse(book.part(part), True)
    except Exception as error:  # noqa: BLE001 - expat's error, or the refusal of a DOCTYPE
        raise BookError(f"{part} cannot be read ({error})") from None
    for name, scope_text, text in book.name_definitions:
        if name.startswith("_xlnm."):      # print areas, filter ranges: never used by formulas
            continue
        text = text.strip().lstrip("=")
        if scope_text is None:
            names[(None, name.upper())] = text
            continue
        scope = int(scope_text) if scope_text.isdigit() else -1
        if 0 <= scope < len(sheets):
            names[(sheets[scope], name.upper())] = text
        else:
            raise BookError(f"{part}: the name {name!r} belongs to sheet number {scope}, which does not exist")
    return WorkbookFacts(names, tuple(sheets), flags["date1904"], flags["iterate"])
