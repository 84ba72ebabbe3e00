"""An opened workbook: the package checked once, every part read once, its views built once.

``Workbook.open(path)`` reads every zip member through ``workbook.xlsx.package`` (size limits, no DTDs)
and keeps the bytes with the original zip headers and order. The sheets, defined names, shared strings
and per-sheet cell scans are parsed on first use and kept on the object, which is what every layer
passes down: a refresh reads a file once. ``with_parts`` gives a new workbook with some parts replaced
(the new inputs of a refresh, the stripped formulas of a freeze); ``save`` writes it atomically, every
unchanged member byte for byte under its original header.
"""

from __future__ import annotations

import posixpath
import xml.parsers.expat as expat
import zipfile
from functools import cached_property
from pathlib import Path

from workbook.errors import BookError
from workbook.xlsx.atomic import atomic_output
from workbook.xlsx.cells import CellSpan, scan_cells
from workbook.xlsx.package import (MAIN_NS, PACKAGE_REL_NS, REL_NS, WORKSHEET_TYPE, open_package, parse_xml,
                                   read_member, xml_parser)
from workbook.xlsx.references import CELL


def rels_name(part: str) -> str:
    """The relationships part that belongs to ``part``."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


class Workbook:
    def __init__(self, path: Path, infos: list[zipfile.ZipInfo], parts: dict[str, bytes]):
        self.path = Path(path)
        self.infos = infos
        self.parts = parts
        self._cells: dict[str, list[CellSpan]] = {}

    @classmethod
    def open(cls, path: str | Path) -> "Workbook":
        path = Path(path)
        with open_package(path) as package:
            infos = package.infolist()
            parts = {info.filename: read_member(package, info.filename) for info in infos}
        return cls(path, infos, parts)

    def part(self, name: str) -> bytes:
        try:
            return self.parts[name]
        except KeyError:
            raise BookError(f"{self.path}: the workbook has no part {name}") from None

    def with_parts(self, changes: dict[str, bytes]) -> "Workbook":
        """The same workbook with some parts' bytes replaced (or added at the end)."""
        parts = {**self.parts, **changes}
        infos = list(self.infos)
        for name in changes:
            if name not in self.parts:
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                infos.append(info)
        return Workbook(self.path, infos, parts)

    def save(self, destination: str | Path) -> None:
        """Write every part, in the original order with the original zip headers, atomically."""
        with atomic_output(destination) as temporary:
            with zipfile.ZipFile(temporary, "w") as out:
                for info in self.infos:
                    out.writestr(info, self.parts[info.filename])

    # -- the workbook part and its sheets --

    @cached_property
    def workbook_part(self) -> str:
        found = []

        def start(name, attrs):
            if name == PACKAGE_REL_NS + "|Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
                found.append(attrs["Target"].lstrip("/"))

        parse_xml(self.part("_rels/.rels"), start, where="_rels/.rels")
        return found[0] if found else "xl/workbook.xml"

    @cached_property
    def sheet_parts(self) -> dict[str, str]:
        """{sheet name: zip member of its XML}, in workbook order (chart sheets left out)."""
        book = self.workbook_part
        folder = posixpath.dirname(book)
        targets = {}

        def rel(name, attrs):
            if name == PACKAGE_REL_NS + "|Relationship" and attrs.get("Type") == WORKSHEET_TYPE:
                target = attrs["Target"]
                targets[attrs["Id"]] = (target.lstrip("/") if target.startswith("/")
                                        else posixpath.normpath(posixpath.join(folder, target)))

        parse_xml(self.part(rels_name(book)), rel, where=rels_name(book))
        sheets = {}

        def sheet(name, attrs):
            if name == MAIN_NS + "|sheet" and attrs.get(REL_NS + "|id") in targets:
                sheets[attrs["name"]] = targets[attrs[REL_NS + "|id"]]

        parse_xml(self.part(book), sheet, where=book)
        return sheets

    def cells(self, sheet: str) -> list[CellSpan]:
        """Every <c> of a sheet with the byte spans of its parts (scanned once)."""
        if sheet not in self._cells:
            if sheet not in self.sheet_parts:
                raise BookError(f"{self.path}: no sheet named {sheet!r}")
            self._cells[sheet] = scan_cells(self.part(self.sheet_parts[sheet]), sheet)
        return self._cells[sheet]

    def sheets(self) -> dict[str, list[CellSpan]]:
        """{sheet: its cells} for every sheet, in workbook order."""
        return {sheet: self.cells(sheet) for sheet in self.sheet_parts}

    def cached_values(self) -> dict[str, dict]:
        """The values currently stored for every cell that has one: {sheet: {cell: (t, text)}}."""
        out: dict[str, dict] = {}
        for sheet, cells in self.sheets().items():
            for cell in cells:
                if cell.value_text is not None:
                    out.setdefault(sheet, {})[cell.ref] = (cell.cell_type, cell.value_text)
        return out

    # -- names and strings --

    @cached_property
    def names(self) -> dict[str, tuple[str, str]]:
        """Workbook-level defined names that point at one cell or range: {name: (sheet, 'C5' or 'C5:G5')}."""
        book = self.workbook_part
        names: dict[str, tuple[str, str]] = {}
        current: list = [None, []]

        def start(name, attrs):
            if name == MAIN_NS + "|definedName" and "localSheetId" not in attrs:
                current[0], current[1] = attrs.get("name"), []

        def end(name):
            if name == MAIN_NS + "|definedName" and current[0]:
                text = "".join(current[1]).strip().lstrip("=")
                sheet, _, ref = text.rpartition("!")
                sheet = sheet.strip("'").replace("''", "'")
                if sheet and CELL.match(ref.split(":")[0]):
                    names[current[0]] = (sheet, ref.replace("$", ""))
                current[0] = None

        parser = xml_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = lambda chunk: current[1].append(chunk) if current[0] else None
        try:
            parser.Parse(self.part(book), True)
        except expat.ExpatError as error:
            raise BookError(f"{book} is not well-formed XML ({error})") from None
        return names

    @cached_property
    def shared_strings(self) -> list[str]:
        """The shared-string table (cells of type s hold an index into it)."""
        name = posixpath.join(posixpath.dirname(self.workbook_part), "sharedStrings.xml")
        if name not in self.parts:
            return []
        strings: list[str] = []
        state = {"in_si": False, "in_t": False, "parts": []}

        def start(tag, attrs):
            if tag == MAIN_NS + "|si":
                state["in_si"], state["parts"] = True, []
            elif tag == MAIN_NS + "|t" and state["in_si"]:
                state["in_t"] = True
            elif tag == MAIN_NS + "|rPh":  # phonetic runs are not part of the text
                state["in_si"] = state["in_si"] and "skip"

        def end(tag):
            if tag == MAIN_NS + "|si":
                strings.append("".join(state["parts"]))
                state["in_si"] = False
            elif tag == MAIN_NS + "|t":
                state["in_t"] = False
            elif tag == MAIN_NS + "|rPh" and state["in_si"] == "skip":
                state["in_si"] = True

        parser = xml_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = lambda chunk: state["parts"].append(chunk) \
            if state["in_t"] and state["in_si"] is True else None
        try:
            parser.Parse(self.part(name), True)
        except expat.ExpatError as error:
            raise BookError(f"{name} is not well-formed XML ({error})") from None
        return strings


def open_workbook(path: str | Path) -> Workbook:
    return Workbook.open(path)
