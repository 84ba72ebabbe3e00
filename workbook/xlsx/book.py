"""An opened workbook: the package checked once, every part read once, its views built once.

``Workbook.open(path)`` reads every zip member through ``workbook.xlsx.package`` (regular file, size and
cell limits, no DTDs, no duplicate members) and keeps the bytes with the original zip headers, order and
comment. It refuses at once, in one line, what no verb could handle exactly: Strict Open XML, a workbook
part that is not SpreadsheetML, a workbook without worksheets. The sheets, defined names, shared strings
and per-sheet cell scans are parsed on first use and kept on the object, which is what every layer passes
down: a refresh reads a file once. ``with_parts`` gives a new workbook with some parts replaced (the new
inputs of a refresh, the stripped formulas of a freeze); ``save`` writes it atomically, every unchanged
member byte for byte under its original header.

Parts are UTF-8 here: a UTF-16 part is transcoded when read and, when saved, written back as UTF-16
(its original bytes if it did not change).
"""

from __future__ import annotations

import copy
import posixpath
import xml.parsers.expat as expat
import zipfile
from functools import cached_property
from pathlib import Path

from workbook.errors import BookError
from workbook.xlsx import deflate
from workbook.xlsx.atomic import atomic_file
from workbook.xlsx.cells import CellSpan, SheetCells, scan_cells, scan_sheet
from workbook.xlsx.package import (MAIN_NS, PACKAGE_REL_NS, REL_NS, STRICT_MAIN_NS, WORKSHEET_TYPE, TextPart,
                                   KEPT_STREAM, as_utf8, check_encoding, is_xml_name, parse_xml, read_package,
                                   xml_parser)
from workbook.xlsx.references import CELL, split_cell
from workbook.xlsx.references import range_cells as range_cells_bounded  # (refuses huge ranges)

CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
STRICT_REL_PREFIX = "http://purl.oclc.org/ooxml/officeDocument/relationships/"
SHARED_STRINGS_TYPE = REL_NS + "/sharedStrings"
STYLES_TYPE = REL_NS + "/styles"
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_MACRO = "application/vnd.ms-excel."
# The workbook part's content type for each file extension: Excel refuses a file whose name does not match.
KIND_OF_EXTENSION = {
    ".xlsx": _SPREADSHEET + "sheet.main+xml",
    ".xlsm": _MACRO + "sheet.macroEnabled.main+xml",
    ".xltx": _SPREADSHEET + "template.main+xml",
    ".xltm": _MACRO + "template.macroEnabled.main+xml",
}
FROZEN_NAME = "KC_Frozen"  # a hidden defined name: this file is a frozen copy (workbook.commands.freeze)


def rels_name(part: str) -> str:
    """The relationships part that belongs to ``part``."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _target(folder: str, target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))


class Workbook:
    def __init__(self, path: Path, infos: list[zipfile.ZipInfo], parts: dict[str, bytes], comment: bytes = b"",
                 forms: dict[str, tuple[TextPart, bytes, bytes]] | None = None,
                 streams: dict[str, bytes] | None = None):
        self.path = Path(path)
        self.infos = infos
        self.parts = parts
        self.comment = comment
        # {member: (how it is stored, its original bytes, the UTF-8 bytes handed out)} for UTF-16 parts.
        self.forms = forms or {}
        # {member: the deflate stream it was read from} for large members (``read_package``), as stored.
        self.streams = streams or {}
        self._cells: dict[str, list[CellSpan]] = {}
        self._sheet_cells: dict[str, SheetCells] = {}
        self._by_ref: dict[str, dict[str, CellSpan]] = {}
        self._validations: dict[str, list] = {}
        self._checked: set[str] = set()

    @classmethod
    def open(cls, path: str | Path) -> "Workbook":
        path = Path(path)
        infos, raw, comment, streams = read_package(path)
        parts, forms = {}, {}
        for name, data in raw.items():
            utf8, form = as_utf8(path, name, data)
            parts[name] = utf8
            if form is not None:
                forms[name] = (form, data, utf8)
        book = cls(path, infos, parts, comment, forms, {n: (s, raw[n]) for n, s in streams.items()})
        book.validate()
        return book

    def validate(self) -> None:
        """What every verb needs: a transitional SpreadsheetML workbook part with at least one worksheet."""
        part = self.workbook_part
        root = []
        parse_xml(self.part(part), lambda name, attrs: root.append(name) if not root else None, where=part)
        namespace = root[0].rpartition("|")[0] if root else ""
        if namespace == STRICT_MAIN_NS:
            raise BookError(f"{self.path}: a Strict Open XML workbook, which cannot be refreshed exactly; save it "
                            f"as 'Excel Workbook (.xlsx)' instead of 'Strict Open XML Spreadsheet'")
        if root != [MAIN_NS + "|workbook"]:
            raise BookError(f"{self.path}: {part} is not a SpreadsheetML workbook part")
        if not self.sheet_parts:
            raise BookError(f"{self.path}: the workbook has no worksheets")

    def part(self, name: str) -> bytes:
        try:
            data = self.parts[name]
        except KeyError:
            raise BookError(f"{self.path}: the workbook has no part {name}") from None
        if name not in self._checked and is_xml_name(name):
            check_encoding(self.path, name, data)
            self._checked.add(name)
        return data

    def with_parts(self, changes: dict[str, bytes]) -> "Workbook":
        """The same workbook with some parts' bytes replaced (or added at the end)."""
        parts = {**self.parts, **changes}
        infos = list(self.infos)
        for name in changes:
            if name not in self.parts:
                info = zipfile.ZipInfo(name, date_time=self.infos[0].date_time if self.infos else (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                infos.append(info)
        return Workbook(self.path, infos, parts, self.comment, self.forms, self.streams)

    def stored_bytes(self, name: str) -> bytes:
        """A member as it goes into the zip: UTF-16 parts back in UTF-16 (the original bytes if unchanged)."""
        data = self.parts[name]
        if name in self.forms:
            form, original, handed_out = self.forms[name]
            return original if data is handed_out or data == handed_out else form.encode(data)
        return data

    def save(self, destination: str | Path, *, backup: bool = False) -> Path | None:
        """Write every part, in the original order with the original zip headers and comment, atomically
        (through symlinks, to their target). Returns the backup written, if asked for one.

        A member of ``KEPT_STREAM`` bytes or more whose bytes did not change keeps the deflate stream it was
        read from (``read_package``); a changed one is deflated at the fastest level
        (``workbook.xlsx.deflate``). Either goes in under the header ``writestr`` would have written for it.
        Smaller members go through ``writestr`` at zlib's level 1 (they are quick)."""
        streams = self._large_streams()
        with atomic_file(destination, backup=backup) as output:
            with zipfile.ZipFile(output.handle, "w", compresslevel=1) as out:
                if not all(hasattr(out, a) for a in ("fp", "start_dir", "filelist", "NameToInfo")):
                    streams = {}
                for info in self.infos:
                    # A copy: writing fills in offsets and sizes, and the book's headers stay as read.
                    header, data = copy.copy(info), self.stored_bytes(info.filename)
                    found = streams.get(info.filename)
                    if found is None:
                        out.writestr(header, data)
                    else:
                        _add_compressed(out, header, data, *found)
                out.comment = self.comment
        return output.backup

    def _large_streams(self) -> dict[str, tuple[int, bytes]]:
        """{member: (CRC, compressed stream)} for the large stored or deflated members: the stream it was
        read from when its bytes are unchanged, else deflated anew."""
        streams = {}
        for info in self.infos:
            data = self.stored_bytes(info.filename)
            if (len(data) < KEPT_STREAM or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                    or info.is_dir() or len(data) * 1.05 > zipfile.ZIP64_LIMIT):     # (writestr: no ZIP64)
                continue
            if info.compress_type == zipfile.ZIP_STORED:
                streams[info.filename] = (deflate.crc32(data), data)
                continue
            stream, inflated = self.streams.get(info.filename, (None, None))
            if stream is not None and (data is inflated or data == inflated):
                streams[info.filename] = (info.CRC, stream)     # (checked against the data on reading)
            else:
                streams[info.filename] = (deflate.crc32(data), deflate.deflated(data))
        return streams

    # -- what kind of file this is --

    @cached_property
    def content_types(self) -> dict[str, str]:
        """{'/xl/workbook.xml': content type, ...} for the Override entries; defaults under '.ext'."""
        types: dict[str, str] = {}

        def start(name, attrs):
            if name == CONTENT_TYPES_NS + "|Override" and "PartName" in attrs:
                types[attrs["PartName"].lower()] = attrs.get("ContentType", "")
            elif name == CONTENT_TYPES_NS + "|Default" and "Extension" in attrs:
                types["." + attrs["Extension"].lower()] = attrs.get("ContentType", "")

        name = next((n for n in self.parts if n.lower() == "[content_types].xml"), "[Content_Types].xml")
        parse_xml(self.part(name), start, where=name)
        return types

    @property
    def kind(self) -> str:
        """The workbook part's content type (says .xlsx, .xlsm, .xltx or .xltm)."""
        part = "/" + self.workbook_part.lower()
        return self.content_types.get(part) or self.content_types.get(posixpath.splitext(part)[1], "")

    @property
    def has_macros(self) -> bool:
        return "macroenabled" in self.kind.lower() or any(
            posixpath.basename(n).lower() == "vbaproject.bin" for n in self.parts)

    def check_name_fits(self, destination: str | Path) -> None:
        """Refuse to write this workbook under a name whose extension Excel would not open it by: a macro
        book as .xlsx (Excel refuses the file, and the macros would be lost), a plain book as .xlsm."""
        destination = Path(destination)
        extension = destination.suffix.lower()
        if extension not in KIND_OF_EXTENSION:
            raise BookError(f"{destination}: an output workbook must end in {', '.join(KIND_OF_EXTENSION)}")
        if self.has_macros and extension in (".xlsx", ".xltx"):
            raise BookError(f"{self.path} holds macros (VBA); writing it as {destination.name} would give a file "
                            f"Excel refuses to open; write it under a .xlsm name")
        expected = KIND_OF_EXTENSION[extension]
        if self.kind and self.kind != expected and not (self.has_macros and extension in (".xlsm", ".xltm")):
            suffix = next((e for e, k in KIND_OF_EXTENSION.items() if k == self.kind), None)
            raise BookError(f"{self.path} is a{' ' + suffix if suffix else 'n unknown kind of'} workbook; "
                            f"Excel would refuse it under the name {destination.name}"
                            + (f"; use a {suffix} name" if suffix else ""))

    @property
    def frozen(self) -> str | None:
        """The KC_Frozen marker's text when this file is a frozen copy, else None."""
        text = self.defined_names.get(FROZEN_NAME)
        if text is None:
            return None
        return text.strip().strip('"').replace('""', '"')

    # -- the workbook part and its sheets --

    @cached_property
    def workbook_part(self) -> str:
        found, strict = [], []

        def start(name, attrs):
            if name == PACKAGE_REL_NS + "|Relationship":
                kind = attrs.get("Type", "")
                if kind == REL_NS + "/officeDocument":
                    found.append(attrs.get("Target", "").lstrip("/"))
                elif kind.startswith(STRICT_REL_PREFIX) and kind.endswith("/officeDocument"):
                    strict.append(kind)

        parse_xml(self.part("_rels/.rels"), start, where="_rels/.rels")
        if strict and not found:
            raise BookError(f"{self.path}: a Strict Open XML workbook, which cannot be refreshed exactly; save it "
                            f"as 'Excel Workbook (.xlsx)' instead of 'Strict Open XML Spreadsheet'")
        return posixpath.normpath(found[0]) if found else "xl/workbook.xml"

    @cached_property
    def workbook_relations(self) -> dict[str, tuple[str, str]]:
        """{relationship id: (type, member)} of the workbook part."""
        book = self.workbook_part
        folder = posixpath.dirname(book)
        relations = {}

        def rel(name, attrs):
            if name == PACKAGE_REL_NS + "|Relationship" and attrs.get("TargetMode") != "External":
                relations[attrs.get("Id")] = (attrs.get("Type", ""), _target(folder, attrs.get("Target", "")))

        if rels_name(book) in self.parts:
            parse_xml(self.part(rels_name(book)), rel, where=rels_name(book))
        return relations

    def related(self, kind: str) -> str | None:
        """The member the workbook part relates to by ``kind`` (shared strings, styles), if any."""
        return next((member for t, member in self.workbook_relations.values() if t == kind), None)

    @cached_property
    def sheet_parts(self) -> dict[str, str]:
        """{sheet name: zip member of its XML}, in workbook order (chart sheets left out)."""
        book = self.workbook_part
        targets = {rid: member for rid, (kind, member) in self.workbook_relations.items() if kind == WORKSHEET_TYPE}
        sheets = {}

        def sheet(name, attrs):
            if name == MAIN_NS + "|sheet" and attrs.get(REL_NS + "|id") in targets:
                sheets[attrs["name"]] = targets[attrs[REL_NS + "|id"]]

        parse_xml(self.part(book), sheet, where=book)
        return sheets

    def cells(self, sheet: str) -> list[CellSpan]:
        """Every <c> that holds something of a sheet, with the byte spans of its parts (scanned once)."""
        if sheet not in self._cells:
            if sheet in self._sheet_cells:
                self._cells[sheet] = self._sheet_cells[sheet].all_records()
            else:
                self._cells[sheet] = scan_cells(self.part(self._sheet_part(sheet)), sheet)
        return self._cells[sheet]

    def sheet_cells(self, sheet: str) -> SheetCells:
        """A sheet's cells with its plain number cells as columns (``workbook.xlsx.cells.SheetCells``): what
        a refresh reads, with no record for each of a large sheet's numbers (scanned once)."""
        if sheet not in self._sheet_cells:
            if sheet in self._cells:
                self._sheet_cells[sheet] = SheetCells(self._cells[sheet])
            else:
                self._sheet_cells[sheet] = scan_sheet(self.part(self._sheet_part(sheet)), sheet)
        return self._sheet_cells[sheet]

    def _sheet_part(self, sheet: str) -> str:
        if sheet not in self.sheet_parts:
            raise BookError(f"{self.path}: no sheet named {sheet!r}")
        return self.sheet_parts[sheet]

    def sheets(self) -> dict[str, list[CellSpan]]:
        """{sheet: its cells} for every sheet, in workbook order."""
        return {sheet: self.cells(sheet) for sheet in self.sheet_parts}

    CELL_TYPES = frozenset({None, "n", "s", "str", "inlineStr", "b", "e", "d"})

    def check_values(self) -> None:
        """Every stored value readable as what its type says (a number, a shared string that exists, ...):
        a damaged cell is one line naming it, before any engine trips over it."""
        count = len(self.shared_strings)
        # Every sheet scanned before any is checked, as before: a malformed sheet is named first.
        scanned = {sheet: self.sheet_cells(sheet) for sheet in self.sheet_parts}
        for sheet, found in scanned.items():
            try:
                self._check_cells(sheet, found.records, count)
                found.number_values()
            except (BookError, ValueError) as error:
                self._check_cells(sheet, self.cells(sheet), count)  # names the first bad cell in sheet order
                raise error from None

    def _check_cells(self, sheet: str, cells: list[CellSpan], count: int) -> None:
        for cell in cells:
            kind, raw = cell.cell_type, cell.value_text
            if kind not in self.CELL_TYPES:
                raise BookError(f"{self.path}: {sheet}!{cell.ref} has the unknown cell type {kind!r}")
            if raw is None or cell.formula is not None and kind != "s":
                continue
            if kind == "s":
                index = raw.strip()
                if not (index.isascii() and index.isdigit()) or int(index) >= count:   # (isdigit alone takes "²")
                    raise BookError(f"{self.path}: {sheet}!{cell.ref} points at shared string {raw!r}, which "
                                    f"does not exist (the table has {count})")
            elif kind in (None, "n") and raw != "":
                try:
                    float(raw)
                except ValueError:
                    raise BookError(f"{self.path}: {sheet}!{cell.ref} holds {raw[:40]!r}, which is not a "
                                    f"number") from None

    def cached_values(self) -> dict[str, dict]:
        """The values currently stored for every cell that has one: {sheet: {cell: (t, text)}}."""
        out: dict[str, dict] = {}
        for sheet, cells in self.sheets().items():
            for cell in cells:
                if cell.value_text is not None:
                    out.setdefault(sheet, {})[cell.ref] = (cell.cell_type, cell.value_text)
        return out

    def value(self, sheet: str, ref: str):
        """The stored value of one cell as Python (number, text, bool; an error as its text); None if empty."""
        if sheet not in self._by_ref:
            self._by_ref[sheet] = {c.ref: c for c in self.cells(sheet)}
        cell = self._by_ref[sheet].get(ref)
        if cell is None or cell.value_text is None:
            return None
        kind, raw = cell.cell_type, cell.value_text
        if kind == "s":
            try:
                return self.shared_strings[int(raw)]
            except (ValueError, IndexError):
                raise BookError(f"{self.path}: {sheet}!{ref} points at shared string {raw!r}, which does not "
                                f"exist") from None
        if kind in ("str", "inlineStr", "e"):
            return raw
        if kind == "b":
            return raw == "1"
        try:
            return float(raw) if raw != "" else None
        except ValueError:
            raise BookError(f"{self.path}: {sheet}!{ref} holds {raw!r}, which is not a number") from None

    def allowed_values(self, sheet: str, ref: str) -> list[str] | None:
        """The values a list data validation allows in one cell (a literal list such as "end,mid", or a
        range of this workbook: its stored values); None when the cell has no list validation."""
        row, col = split_cell(ref)
        for sqref, options in self.validation_lists(sheet):
            for area in sqref.split():
                first, _, last = area.replace("$", "").partition(":")
                try:
                    (r1, c1), (r2, c2) = split_cell(first), split_cell(last or first)
                except BookError:
                    continue
                if min(r1, r2) <= row <= max(r1, r2) and min(c1, c2) <= col <= max(c1, c2):
                    return options
        return None

    def validation_lists(self, sheet: str) -> list[tuple[str, list[str]]]:
        """(sqref, allowed values) of every list data validation of a sheet."""
        if sheet in self._validations:
            return self._validations[sheet]
        data = self.part(self.sheet_parts[sheet]) if sheet in self.sheet_parts else b""
        found: list[tuple[str, list]] = []
        current: list = [None, None, []]

        def start(name, attrs):
            if name == MAIN_NS + "|dataValidation" and attrs.get("type") == "list":
                current[0], current[1] = attrs.get("sqref", ""), None
            elif name == MAIN_NS + "|formula1" and current[0] is not None:
                current[1], current[2] = "formula1", []

        def end(name):
            if name == MAIN_NS + "|formula1" and current[1]:
                found.append((current[0], "".join(current[2]).strip()))
                current[1] = None
            elif name == MAIN_NS + "|dataValidation":
                current[0] = None

        parser = xml_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = lambda chunk: current[2].append(chunk) if current[1] else None
        try:
            parser.Parse(data, True)
        except expat.ExpatError as error:
            raise BookError(f"{sheet} is not well-formed XML ({error})") from None
        lists = [(sqref, options) for sqref, formula in found
                 if (options := self._list_options(sheet, formula)) is not None]
        self._validations[sheet] = lists
        return lists

    def _list_options(self, sheet: str, formula: str) -> list[str] | None:
        if formula.startswith('"') and formula.endswith('"'):
            return [item.strip() for item in formula[1:-1].replace('""', '"').split(",")]
        text = formula.lstrip("=")
        if text in self.names:
            target_sheet, ref = self.names[text]
        else:
            target_sheet, _, ref = text.rpartition("!")
            target_sheet = target_sheet.strip("'").replace("''", "'") or sheet
            ref = ref.replace("$", "")
        try:
            cells = range_cells_bounded(ref)
        except BookError:
            return None
        if target_sheet not in self.sheet_parts or len(cells) > 1000:
            return None
        values = [self.value(target_sheet, c) for c in cells]
        return [str(v) for v in values if v not in (None, "")]

    # -- names and strings --

    @cached_property
    def name_definitions(self) -> list[tuple[str, str | None, str]]:
        """Every defined name as (name, its ``localSheetId`` or None for workbook scope, the text it refers
        to), in file order."""
        book = self.workbook_part
        found: list[tuple[str, str | None, str]] = []
        current: list = [None, None, []]

        def start(name, attrs):
            if name == MAIN_NS + "|definedName":
                current[0], current[1], current[2] = attrs.get("name"), attrs.get("localSheetId"), []

        def end(name):
            if name == MAIN_NS + "|definedName" and current[0]:
                found.append((current[0], current[1], "".join(current[2])))
                current[0] = None

        parser = xml_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = lambda chunk: current[2].append(chunk) if current[0] else None
        try:
            parser.Parse(self.part(book), True)
        except expat.ExpatError as error:
            raise BookError(f"{book} is not well-formed XML ({error})") from None
        return found

    @cached_property
    def defined_names(self) -> dict[str, str]:
        """Every workbook-level defined name and the text it refers to (cells, ranges, constants)."""
        return {name: text for name, scope, text in self.name_definitions if scope is None}

    @cached_property
    def names(self) -> dict[str, tuple[str, str]]:
        """Workbook-level defined names that point at one cell or range: {name: (sheet, 'C5' or 'C5:G5')}."""
        names: dict[str, tuple[str, str]] = {}
        for name, text in self.defined_names.items():
            text = text.strip().lstrip("=")
            sheet, _, ref = text.rpartition("!")
            sheet = sheet.strip("'").replace("''", "'")
            if sheet and all(CELL.match(end) for end in ref.split(":")) and ref.count(":") <= 1:
                names[name] = (sheet, ref.replace("$", ""))
        return names

    @cached_property
    def shared_strings_part(self) -> str | None:
        name = self.related(SHARED_STRINGS_TYPE)
        if name is None:  # a relationship-less sharedStrings.xml beside the workbook part: read it anyway
            fallback = posixpath.join(posixpath.dirname(self.workbook_part), "sharedStrings.xml")
            name = fallback if fallback in self.parts else None
        return name

    @cached_property
    def shared_strings(self) -> list[str]:
        """The shared-string table (cells of type s hold an index into it)."""
        name = self.shared_strings_part
        if name is None or name not in self.parts:
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


# -- adding members to a zip --

def _add_compressed(out: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, crc: int, stream: bytes) -> None:
    """``data``, already compressed (``stream``), added to ``out`` under the header ``writestr`` writes:
    the same fields set the same way (no flags, default permissions, no ZIP64), then the central
    directory entry is zipfile's own when it closes."""
    info.flag_bits = 0
    if not info.external_attr:
        info.external_attr = 0o600 << 16
    info.file_size, info.compress_size, info.CRC = len(data), len(stream), crc
    out.fp.seek(out.start_dir)
    info.header_offset = out.fp.tell()
    out.fp.write(info.FileHeader(False))
    out.fp.write(stream)
    out.start_dir = out.fp.tell()
    out.filelist.append(info)
    out.NameToInfo[info.filename] = info
