"""Reading an .xlsx package safely: the zip and its members, and a hardened XML parser.

An .xlsx is a zip of XML parts. Everything here refuses what a hostile file could use against a
reader: members that expand past ``MAX_MEMBER_BYTES`` (or a whole package past ``MAX_TOTAL_BYTES``),
XML with a DOCTYPE or entity declarations (billion laughs, external entities), encrypted or legacy
files. XML is parsed with the standard library's expat, which reports byte offsets, so callers can
splice new bytes into the original text without re-serialising anything. ``workbook.xlsx.book`` opens
a workbook through this module once and keeps its parts.
"""

from __future__ import annotations

import xml.parsers.expat as expat
import zipfile
from pathlib import Path

from workbook.errors import BookError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = REL_NS + "/worksheet"
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted (password-protected) .xlsx


class UnsafeXML(BookError):
    pass


def xml_parser():
    parser = expat.ParserCreate(namespace_separator="|")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_):
        raise UnsafeXML("XML with a DOCTYPE or entity declarations is refused")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def parse_xml(data: bytes, start=None, end=None, where: str = "") -> None:
    parser = xml_parser()
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise BookError(f"{where} is not well-formed XML ({error})") from None


def open_package(path: str | Path) -> zipfile.ZipFile:
    """The zip of a workbook, or a BookError saying in one line why it is not one we can read."""
    path = Path(path)
    if not path.exists():
        raise BookError(f"{path}: no such file")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        raise BookError(f"{path}: a legacy .xls or password-protected workbook; save it as an unprotected .xlsx/.xlsm")
    try:
        package = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BookError(f"{path}: not an .xlsx workbook (not a zip file, or truncated)") from None
    total = 0
    for info in package.infolist():
        if info.flag_bits & 0x1:
            raise BookError(f"{path}: encrypted zip member {info.filename}")
        if info.file_size > MAX_MEMBER_BYTES:
            raise BookError(f"{path}: member {info.filename} expands to {info.file_size:,} bytes, over the "
                            f"{MAX_MEMBER_BYTES:,}-byte limit")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise BookError(f"{path}: members expand to {total:,} bytes, over the {MAX_TOTAL_BYTES:,}-byte limit")
    if "[Content_Types].xml" not in package.namelist():
        raise BookError(f"{path}: not an .xlsx workbook (no [Content_Types].xml)")
    return package


def read_member(package: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = package.getinfo(name)
    except KeyError:
        raise BookError(f"{package.filename}: the workbook has no part {name}") from None
    # Read at most the declared size plus one byte: a member lying about its size cannot balloon.
    with package.open(info) as stream:
        data = stream.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise BookError(f"{package.filename}: member {name} expands past the {MAX_MEMBER_BYTES:,}-byte limit")
    return data
