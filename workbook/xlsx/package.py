"""Reading an .xlsx package safely: the file, the zip and its members, and a hardened XML parser.

An .xlsx is a zip of XML parts. Everything here refuses, in one line, what a hostile or damaged file could
use against a reader:

* BOOK that is not a regular file (a directory, ``/dev/zero``, a pipe): refused before a byte is read, so
  nothing blocks or reads forever;
* a zip that does not open, duplicate member names (two copies of one part: which one would a program
  read?), encrypted members, damaged members (bad CRC, a broken deflate stream);
* members that expand past ``MAX_MEMBER_BYTES``, a package past ``MAX_TOTAL_BYTES``, or XML holding more
  than ``MAX_CELLS`` cells (``<c>``) or shared strings (``<si>``). These are counted while the member is
  inflated, chunk by chunk, never trusting the sizes the zip headers declare: a small file that inflates
  to millions of empty cells is refused after the first megabytes, not after it filled memory;
* XML with a DOCTYPE or entity declarations (billion laughs, external entities).

XML is parsed with the standard library's expat, which reports byte offsets, so callers can splice new
bytes into the original text without re-serialising anything. Parts are handed to callers as UTF-8: a part
stored as UTF-16 is transcoded on reading and transcoded back on writing (``workbook.xlsx.book``), which is
exact (both are encodings of the same characters) and checked to round-trip before it is used.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
import struct
import xml.parsers.expat as expat
import zipfile
from pathlib import Path

from workbook.errors import BookError
from workbook.xlsx import deflate

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
WORKSHEET_TYPE = REL_NS + "/worksheet"
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
# Cells and shared strings a workbook may hold. The headless refresh keeps a record per cell that has
# content; a limit keeps its memory bounded (about 2 GB at the limit) whatever the file claims.
MAX_CELLS = 2_000_000
CHUNK_BYTES = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted (password-protected) .xlsx
# A cell or shared-string start tag, with or without a namespace prefix (<c r=..>, <x:c/>, <si>).
_COUNTED_TEXT = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?(c|si)[\s/>]")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']""")


class UnsafeXML(BookError):
    pass


def xml_parser():
    """An expat parser with entity handling off. Parts reach it as UTF-8 (UTF-16 parts are transcoded when
    read), so the encoding is fixed to UTF-8 whatever the declaration says."""
    parser = expat.ParserCreate(encoding="UTF-8", namespace_separator="|")
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


def check_regular_file(path: Path, what: str = "") -> os.stat_result:
    """The file's status, or a one-line BookError when it is missing or not a regular file."""
    label = f"{what} {path}" if what else str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise BookError(f"{label} does not exist") from None
    except NotADirectoryError:
        raise BookError(f"{label}: a part of the path is not a folder") from None
    except PermissionError:
        raise BookError(f"{label}: permission denied") from None
    except OSError as error:
        raise BookError(f"{label}: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise BookError(f"{label} is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise BookError(f"{label} is not a regular file (a device, pipe or socket)")
    return info


def open_regular(path: Path, what: str = ""):
    """A binary handle on a regular file, checked after opening (the path cannot be swapped for a pipe in
    between): O_NONBLOCK so that opening a FIFO never waits for a writer."""
    check_regular_file(path, what)
    label = f"{what} {path}" if what else str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except PermissionError:
        raise BookError(f"{label}: permission denied") from None
    except OSError as error:
        raise BookError(f"{label}: {error.strerror or error}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BookError(f"{label} is not a regular file (a device, pipe or socket)")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_package(path: str | Path) -> tuple[list[zipfile.ZipInfo], dict[str, bytes], bytes, dict[str, bytes]]:
    """(zip entries in order, {member: bytes}, the zip comment, {member: its deflate stream} for the
    deflated members of ``KEPT_STREAM`` bytes or more) of a workbook, or a BookError saying in one line why
    it is not one we can read. Members are read under one ``Budget``. (A member written back unchanged
    reuses its stream: the very bytes it was just inflated from.)"""
    path = Path(path)
    with open_regular(path) as handle:
        head = handle.read(8)
        if head == OLE_MAGIC:
            raise BookError(f"{path}: a legacy .xls or password-protected workbook; save it as an unprotected "
                            f".xlsx/.xlsm")
        if not head:
            raise BookError(f"{path}: an empty file (0 bytes), not an .xlsx workbook")
        handle.seek(0)
        try:
            package = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error, OSError):
            raise BookError(f"{path}: not an .xlsx workbook (not a zip file, or truncated)") from None
        with package:
            infos = package.infolist()
            check_members(path, infos)
            budget = Budget(path)
            streams: dict[str, bytes] = {}
            parts = {info.filename: read_member(package, info.filename, budget, handle, streams) for info in infos}
            return infos, parts, package.comment, streams


def check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    seen: dict[str, str] = {}
    total = 0
    for info in infos:
        # Part names are case-insensitive in Open Packaging (ECMA-376 part 2): two members that differ only
        # in case, or are exactly the same, are two copies of one part.
        key = info.filename.lower()
        if key in seen:
            raise BookError(f"{path}: the zip holds the member {info.filename} twice; it is ambiguous which "
                            f"copy a program reads, so the workbook is refused")
        seen[key] = info.filename
        if info.flag_bits & 0x1:
            raise BookError(f"{path}: encrypted zip member {info.filename}")
        if info.file_size > MAX_MEMBER_BYTES:
            raise BookError(f"{path}: member {info.filename} expands to {info.file_size:,} bytes, over the "
                            f"{MAX_MEMBER_BYTES:,}-byte limit")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise BookError(f"{path}: members expand to {total:,} bytes, over the {MAX_TOTAL_BYTES:,}-byte limit")
    if "[content_types].xml" not in seen:
        raise BookError(f"{path}: not an .xlsx workbook (no [Content_Types].xml)")


class Budget:
    """What the members read so far expanded to, and how many cells and strings they hold.

    Counting cells and strings (``count_tags``) costs some 2 ms a megabyte; counting ``<`` costs 0.3 ms and
    bounds both, since every cell and shared-string tag starts with one. So parts are only bounded while
    the bound keeps the totals under the limit (a book of up to some 400,000 cells is never counted); once
    it might not, what was only bounded is counted, once, and every chunk after it as it comes. A book is
    refused on counts, never on a bound: a bound left over from one part never refuses the next."""

    def __init__(self, path: Path):
        self.path, self.bytes, self.cells, self.strings = path, 0, 0, 0
        # The parts only bounded so far (the very bytes the package keeps, not a copy) and the "<" in them;
        # None once counting.
        self.bounded: list[bytes] | None = []
        self.bound = 0

    def tags(self, chunks: list[bytes], chunk: bytes, counted: tuple[int, int] | None = None) -> tuple[int, int]:
        """(cells, strings) to spend for ``chunk``, the next one of a part read so far as ``chunks``;
        ``counted`` is what the caller counted in it already (a UTF-16 part, counted as it is decoded)."""
        if counted is None and self.bounded is None:
            return count_tags(chunk, b"".join(chunks[-3:]))
        if counted is None:
            self.bound += chunk.count(b"<")
        cells, strings = counted or (0, 0)
        if self.bounded is None or max(self.cells + cells, self.strings + strings) + self.bound <= MAX_CELLS:
            return cells, strings
        # The limit might be passed: count what was only bounded, this part so far too unless it is counted.
        unsure = self.bounded if counted is not None else [*self.bounded, b"".join([*chunks, chunk])]
        for data in unsure:
            for start in range(0, len(data), CHUNK_BYTES):  # a window at a time: the copies stay small
                more = count_tags(data[start:start + CHUNK_BYTES], data[max(start - 3, 0):start])
                cells, strings = cells + more[0], strings + more[1]
        self.bounded, self.bound = None, 0
        return cells, strings

    def spend(self, name: str, size: int, cells: int, strings: int) -> None:
        self.bytes += size
        self.cells += cells
        self.strings += strings
        if self.bytes > MAX_TOTAL_BYTES:
            raise BookError(f"{self.path}: members expand past the {MAX_TOTAL_BYTES:,}-byte limit (at {name})")
        if self.cells > MAX_CELLS:
            raise BookError(f"{self.path}: more than {MAX_CELLS:,} cells (at {name}), over the limit for a "
                            f"headless refresh")
        if self.strings > MAX_CELLS:
            raise BookError(f"{self.path}: more than {MAX_CELLS:,} shared strings (at {name}), over the limit")


# A cell or shared-string start tag ends "<c" or ":c" (prefixed, <x:c>), or "<si" / ":si", then white space,
# "/" or ">". Through this table those, and only those, become "<c " and "<si ", which bytes.count finds at
# memory speed with no object per match (a bomb of millions of <c/> costs its bytes, nothing more).
_TAG_BYTES = bytes.maketrans(b":\t\n\r/>", b"<     ")


def count_tags(text: bytes, before: bytes = b"") -> tuple[int, int]:
    """(cells, shared strings) whose start tag ends in ``text``, ``before`` being what precedes it in the
    part: a tag cut by a chunk boundary is counted once, in the chunk where it ends. Text that happens to
    hold ':c ' or ':si>' counts too, so the count may be high, never low."""
    before = before[-3:]
    found = (before + text).translate(_TAG_BYTES)
    return found.count(b"<c ") - found.count(b"<c ", 0, len(before)), found.count(b"<si ")


def _utf16_codec(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' for a part that starts like UTF-16 XML (with or without a BOM)."""
    if head[:2] == codecs.BOM_UTF16_LE or head[:2] == b"<\x00":
        return "utf-16-le"
    if head[:2] == codecs.BOM_UTF16_BE or head[:2] == b"\x00<":
        return "utf-16-be"
    return None


def is_xml_name(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels"))


def read_member(package: zipfile.ZipFile, name: str, budget: Budget, handle=None,
                streams: dict[str, bytes] | None = None) -> bytes:
    """A member's bytes, inflated chunk by chunk under the size and cell limits; damage is a BookError.
    A deflated member is inflated from ``handle`` (the file ``package`` reads) by ``workbook.xlsx.deflate``,
    and its stream goes into ``streams`` when it is ``KEPT_STREAM`` bytes or more inflated."""
    path = budget.path
    try:
        info = package.getinfo(name)
    except KeyError:
        raise BookError(f"{path}: the workbook has no part {name}") from None
    chunks, size = [], 0
    counting, decoder = is_xml_name(name), None
    try:
        with _member_chunks(package, info, handle, streams) as stream:
            for chunk in stream:
                size += len(chunk)
                if size > MAX_MEMBER_BYTES:
                    raise BookError(f"{path}: member {name} expands past the {MAX_MEMBER_BYTES:,}-byte limit")
                cells = strings = 0
                if counting:
                    if not chunks and decoder is None and _utf16_codec(chunk):
                        decoder = codecs.getincrementaldecoder(_utf16_codec(chunk))("replace")
                    counted = None
                    if decoder:
                        found = _COUNTED_TEXT.findall(decoder.decode(chunk))
                        counted = len(found) - found.count("si"), found.count("si")
                    cells, strings = budget.tags(chunks, chunk, counted)
                budget.spend(name, len(chunk), cells, strings)
                chunks.append(chunk)
    except BookError:
        raise
    except zipfile.BadZipFile as error:
        raise BookError(f"{path}: member {name} is damaged ({error})") from None
    except (*deflate.ERRORS, EOFError) as error:
        raise BookError(f"{path}: member {name} is damaged (its compressed data does not inflate: "
                        f"{error})") from None
    except NotImplementedError as error:
        raise BookError(f"{path}: member {name} uses a compression method that cannot be read ({error})") from None
    except (ValueError, struct.error, OSError) as error:
        raise BookError(f"{path}: member {name} cannot be read ({error})") from None
    data = b"".join(chunks)
    if counting and not decoder and budget.bounded is not None:
        budget.bounded.append(data)
    return data


KEPT_STREAM = 16 * 1024         # smaller members are deflated again on writing: as quick as keeping them
_STREAM_STEP = 256 * 1024       # compressed bytes handed to the inflater at a time


@contextlib.contextmanager
def _member_chunks(package: zipfile.ZipFile, info: zipfile.ZipInfo, handle, streams: dict | None):
    """An iterator of the member's bytes, ``CHUNK_BYTES`` at most at a time: zipfile's reader for members
    not deflated (or with no handle given), else the deflate stream read from ``handle`` where the local
    header puts it, inflated piece by piece and checked as zipfile checks it (the header's name, the
    stream's end, the CRC-32)."""
    if handle is None or info.compress_type != zipfile.ZIP_DEFLATED:
        with package.open(info) as stream:
            yield iter(lambda: stream.read(CHUNK_BYTES), b"")
        return
    yield _inflated(info, _deflate_stream(handle, info), streams)


def _deflate_stream(handle, info: zipfile.ZipInfo) -> bytes:
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("Bad magic number for file header")
    name_length, extra_length = struct.unpack("<26xHH", header)
    name = handle.read(name_length).decode("utf-8" if info.flag_bits & 0x800 else "cp437")
    if name != info.orig_filename:
        raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {name!r} differ.")
    handle.seek(extra_length, os.SEEK_CUR)
    stream = handle.read(info.compress_size)
    if len(stream) != info.compress_size:
        raise EOFError("the file ends inside the member's compressed data")
    return stream


def _inflated(info: zipfile.ZipInfo, stream: bytes, streams: dict | None):
    """The member's bytes inflated from ``stream``, checked as zipfile checks them: the data ends at the
    stream's end-of-stream marker or where its compressed bytes run out (a stream without a final block
    reads as zipfile reads it), and its CRC-32 must match. Stricter than zipfile, which cuts the data to the
    directory's size: a member that inflates to another size than the directory says is refused."""
    inflater, crc, size = deflate.inflater(), 0, 0
    view = memoryview(stream)
    after = 0                         # compressed bytes after the end-of-stream marker
    for start in range(0, len(stream), _STREAM_STEP):
        pending = view[start:start + _STREAM_STEP]
        while pending:
            chunk = inflater.decompress(pending, CHUNK_BYTES)
            pending = inflater.unconsumed_tail
            if chunk:
                crc, size = deflate.crc32(chunk, crc), size + len(chunk)
                yield chunk
        if inflater.eof:
            after = len(inflater.unused_data) + max(0, len(stream) - start - _STREAM_STEP)
            break
    chunk = inflater.flush() if not inflater.eof else b""
    if chunk:
        crc, size = deflate.crc32(chunk, crc), size + len(chunk)
        yield chunk
    if size != info.file_size:
        raise zipfile.BadZipFile(f"member {info.filename!r} inflates to {size:,} bytes where the directory says "
                                 f"{info.file_size:,}")
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    # Kept only when the stream is exactly this data's: complete, with nothing after its end.
    if streams is not None and size >= KEPT_STREAM and inflater.eof and not after:
        streams[info.filename] = stream


class TextPart:
    """How a part's bytes are stored: ``codec`` None for UTF-8 (kept as is), else the UTF-16 codec and
    whether the original starts with a byte-order mark."""

    __slots__ = ("codec", "bom")

    def __init__(self, codec: str | None, bom: bool):
        self.codec, self.bom = codec, bom

    def encode(self, utf8: bytes) -> bytes:
        text = utf8.decode("utf-8", "surrogatepass")
        data = text.encode(self.codec, "surrogatepass")
        if self.bom:
            data = (codecs.BOM_UTF16_LE if self.codec == "utf-16-le" else codecs.BOM_UTF16_BE) + data
        return data


def as_utf8(path, name: str, data: bytes) -> tuple[bytes, TextPart | None]:
    """A UTF-16 XML part as UTF-8 bytes (and how to turn them back), checked to round-trip exactly; other
    parts unchanged."""
    codec = _utf16_codec(data[:2]) if is_xml_name(name) else None
    if codec is None:
        return data, None
    bom = data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    try:
        text = data[2 if bom else 0:].decode(codec, "surrogatepass")
    except UnicodeDecodeError:
        raise BookError(f"{path}: part {name} looks like UTF-16 but does not decode as UTF-16") from None
    utf8 = text.encode("utf-8", "surrogatepass")
    form = TextPart(codec, bom)
    if form.encode(utf8) != data:
        raise BookError(f"{path}: part {name} is UTF-16 that cannot be written back byte for byte; refused")
    return utf8, form


def check_encoding(path, name: str, data: bytes) -> None:
    """Parts we parse must be UTF-8 (or UTF-16, already transcoded); anything else is refused rather than
    misread."""
    match = _DECLARED_ENCODING.match(data[:400].lstrip(codecs.BOM_UTF8))
    if match and match[1].decode("ascii", "replace").lower().replace("_", "-") not in (
            "utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be"):
        raise BookError(f"{path}: part {name} is encoded in {match[1].decode('ascii', 'replace')}; only UTF-8 "
                        f"and UTF-16 parts can be read and written exactly")
