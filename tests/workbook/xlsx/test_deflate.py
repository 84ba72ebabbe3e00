"""Deflated members are read by our own inflater (``package._inflated``) and written by ``deflate.deflated``:
zipfile's reader and zlib are the oracles. Every member must read as zipfile reads it, whatever wrote it,
however the output is cut into chunks; a damaged stream, a wrong CRC, a truncated file or a header naming
another member is refused as zipfile refuses it; the stream kept for writing back is exactly the file's."""

from __future__ import annotations

import random
import struct
import zipfile
import zlib
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.errors import BookError
from workbook.xlsx import deflate, package
from workbook.xlsx.book import Workbook

SIZES = [0, 1, package.KEPT_STREAM - 1, package.KEPT_STREAM, 70_000, package.CHUNK_BYTES,
         package.CHUNK_BYTES + 1, 3 * package.CHUNK_BYTES + 17]


def member_bytes(size: int, seed: int, randomness: float) -> bytes:
    """XML-like text of ``size`` bytes, a share ``randomness`` of it random (barely compressible)."""
    rng = random.Random(seed)
    words = [b"<c r=\"A%d\"><v>%d</v></c>" % (k, rng.randrange(10 ** 6)) for k in range(200)]
    out, total = [], 0
    while total < size:
        piece = bytes(rng.randrange(256) for _ in range(64)) if rng.random() < randomness else rng.choice(words)
        out.append(piece)
        total += len(piece)
    return b"".join(out)[:size]


def write_zip(path: Path, members: list[tuple[str, bytes, int, int | None]]) -> Path:
    """members: (name, bytes, compress_type, level); a level of None deflates with our codec instead."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        for name, data, method, level in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            if level is None:
                z.writestr(info, b"")               # a header, then the member replaced below
            else:
                z.writestr(info, data, compresslevel=level)
    if any(level is None for *_, level in members):  # our codec's streams: zipfile cannot write them, so rezip
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
        parts = {"[Content_Types].xml": b"<Types/>", **{n: d for n, d, *_ in members}}
        Workbook(path, infos, parts).save(path)      # (save deflates large members with our codec)
    return path


def raw_streams(path: Path) -> dict[str, bytes]:
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        out = {}
        for info in z.infolist():
            name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
            start = info.header_offset + 30 + name_length + extra_length
            out[info.filename] = raw[start:start + info.compress_size]
    return out


def check_read(path: Path) -> None:
    infos, parts, _, kept = package.read_package(path)
    with zipfile.ZipFile(path) as z:
        assert parts == {i.filename: z.read(i) for i in z.infolist()}
    raw = raw_streams(path)
    expected = {i.filename for i in infos if i.compress_type == zipfile.ZIP_DEFLATED
                and i.file_size >= package.KEPT_STREAM}
    assert set(kept) == expected
    assert all(kept[name] == raw[name] for name in kept)


@pytest.mark.parametrize("level", [1, 6, 9, None])
def test_members_of_every_size_read_as_zipfile_reads_them(tmp_path, level):
    members = [(f"xl/m{k}.xml", member_bytes(size, k, 0.2), zipfile.ZIP_DEFLATED, level)
               for k, size in enumerate(SIZES)]
    members.append(("xl/stored.xml", member_bytes(50_000, 99, 0.1), zipfile.ZIP_STORED, 0))
    check_read(write_zip(tmp_path / "m.xlsx", members))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300_000), st.floats(0, 1), st.sampled_from([1, 6, 9])), min_size=1,
                max_size=4),
       st.integers(1, 70_000), st.integers(1, 70_000))
def test_any_chunking_reads_the_same(tmp_path_factory, members, chunk, step):
    path = tmp_path_factory.mktemp("chunks") / "c.xlsx"
    write_zip(path, [(f"xl/p{k}.xml", member_bytes(size, k, share), zipfile.ZIP_DEFLATED, level)
                     for k, (size, share, level) in enumerate(members)])
    with mock.patch.object(package, "CHUNK_BYTES", chunk), mock.patch.object(package, "_STREAM_STEP", step):
        check_read(path)


def one_member_zip(path: Path, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/big.xml", data)
    return path


def member_info(path: Path, name: str = "xl/big.xml") -> zipfile.ZipInfo:
    with zipfile.ZipFile(path) as z:
        return z.getinfo(name)


def test_a_header_that_names_another_member_is_refused(tmp_path):
    path = one_member_zip(tmp_path / "n.xlsx", member_bytes(40_000, 1, 0.1))
    raw = bytearray(path.read_bytes())
    offset = member_info(path).header_offset
    raw[offset + 30:offset + 30 + len("xl/big.xml")] = b"xl/bag.xml"
    path.write_bytes(bytes(raw))
    with pytest.raises(BookError, match=r"member xl/big.xml is damaged \(File name in directory"):
        package.read_package(path)


def test_a_file_cut_inside_a_member_is_refused(tmp_path):
    path = one_member_zip(tmp_path / "t.xlsx", member_bytes(400_000, 2, 0.5))
    info = member_info(path)
    short = tmp_path / "short.bin"
    short.write_bytes(path.read_bytes()[:info.header_offset + 30 + len(info.filename) + info.compress_size // 2])
    with short.open("rb") as cut, pytest.raises(EOFError, match="ends inside"):
        package._deflate_stream(cut, info)


def inflate_all(info, stream, streams=None) -> bytes:
    return b"".join(package._inflated(info, stream, streams))


def test_a_stream_that_ends_early_has_trailing_bytes_or_a_wrong_crc(tmp_path):
    data = member_bytes(200_000, 3, 0.3)
    stream = deflate.deflated(data)
    info = zipfile.ZipInfo("xl/big.xml")
    info.CRC, info.file_size = zlib.crc32(data), len(data)
    kept = {}
    assert inflate_all(info, stream, kept) == data and kept == {"xl/big.xml": stream}
    kept = {}
    assert inflate_all(info, stream + b"junk after the end", kept) == data and kept == {}  # read, not reused
    with pytest.raises(zipfile.BadZipFile, match=r"inflates to [0-9,]+ bytes where the directory says 200,000"):
        inflate_all(info, stream[:len(stream) // 2])
    info.CRC ^= 1
    with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
        inflate_all(info, stream)


def test_a_stream_without_a_final_block_reads_as_zipfile_reads_it_and_is_not_kept(tmp_path):
    # zipfile ends a member where its compressed bytes run out, then checks the CRC: no end-of-stream
    # marker is needed. Such a stream is not reused on writing (it is not a complete stream).
    data = member_bytes(100_000, 5, 0.2)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    unfinished = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    path = tmp_path / "sync.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/big.xml", data)
    info = member_info(path)
    raw = path.read_bytes()
    start = info.header_offset + 30 + len(info.filename)
    rebuilt = raw[:start] + unfinished + raw[start + info.compress_size:]
    grow = len(unfinished) - info.compress_size     # what the offsets after the member move by
    path.write_bytes(patched_sizes(rebuilt, info, len(unfinished), grow))
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/big.xml") == data                     # the oracle reads it
    kept = {}
    assert inflate_all(member_info(path), unfinished, kept) == data and kept == {}
    assert package.read_package(path)[1]["xl/big.xml"] == data


def patched_sizes(raw: bytes, info: zipfile.ZipInfo, compressed: int, grow: int) -> bytes:
    """``raw`` with the member's compressed size set to ``compressed`` in its local header and the central
    directory, and the central directory's offset moved by ``grow``."""
    out = bytearray(raw)
    struct.pack_into("<I", out, info.header_offset + 18, compressed)
    central = out.rfind(b"PK\x05\x06")
    struct.pack_into("<I", out, central + 16, struct.unpack_from("<I", out, central + 16)[0] + grow)
    for at, name in directory_entries(out):
        offset = struct.unpack_from("<I", out, at + 42)[0]
        if name == info.filename:
            struct.pack_into("<I", out, at + 20, compressed)
        elif offset > info.header_offset:
            struct.pack_into("<I", out, at + 42, offset + grow)
    return bytes(out)


def directory_entries(raw: bytearray):
    """(offset, name) of each central directory entry of the zip ``raw``."""
    at = struct.unpack_from("<I", raw, raw.rfind(b"PK\x05\x06") + 16)[0]
    while raw[at:at + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", raw, at + 28)
        yield at, bytes(raw[at + 46:at + 46 + name_length]).decode()
        at += 46 + name_length + extra_length + comment_length


def test_an_empty_member_with_no_compressed_bytes_reads_as_empty():
    info = zipfile.ZipInfo("xl/empty.bin")
    info.CRC, info.file_size = 0, 0
    assert inflate_all(info, b"") == b""


def test_bytes_after_a_stream_that_ends_at_a_step_boundary_are_not_kept(monkeypatch):
    data = member_bytes(120_000, 6, 0.3)
    stream = deflate.deflated(data)
    monkeypatch.setattr(package, "_STREAM_STEP", len(stream))   # the end-of-stream marker ends the first step
    info = zipfile.ZipInfo("xl/big.xml")
    info.CRC, info.file_size = zlib.crc32(data), len(data)
    kept = {}
    assert inflate_all(info, stream + b"junk after the end", kept) == data and kept == {}
    assert inflate_all(info, stream, kept) == data and kept == {"xl/big.xml": stream}


def test_a_member_whose_directory_size_is_wrong_is_refused_as_zipfile_refuses_it(tmp_path):
    data = member_bytes(50_000, 7, 0.2)
    path = one_member_zip(tmp_path / "size.xlsx", data)
    info = member_info(path)
    raw = bytearray(path.read_bytes())
    for at, name in directory_entries(raw):
        if name == "xl/big.xml":
            struct.pack_into("<I", raw, at + 24, len(data) - 1)     # one byte short, the CRC still the data's
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as z, pytest.raises(zipfile.BadZipFile):
        z.read("xl/big.xml")                                      # the oracle refuses it too
    with pytest.raises(BookError, match=r"member xl/big.xml is damaged \(member 'xl/big.xml' inflates to 50,000 "
                                        r"bytes where the directory says 49,999\)"):
        package.read_package(path)


def test_with_zlib_alone_books_read_and_write_the_same(tmp_path, monkeypatch):
    """Where isal has no wheel the codec is zlib: the same bytes in, the same checks, a standard stream out."""
    source = write_zip(tmp_path / "z.xlsx", [("xl/a.xml", member_bytes(300_000, 4, 0.2), zipfile.ZIP_DEFLATED, 6)])
    monkeypatch.setattr(deflate, "_codec", zlib)
    monkeypatch.setattr(deflate, "ERRORS", (zlib.error,))
    check_read(source)
    infos, parts, comment, _ = package.read_package(source)
    changed = {"[Content_Types].xml": b"<Types/>", "xl/a.xml": parts["xl/a.xml"] + b"<!-- more -->"}
    Workbook(source, infos, changed).save(tmp_path / "out.xlsx")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        assert z.read("xl/a.xml") == changed["xl/a.xml"] and z.testzip() is None
    raw = bytearray(source.read_bytes())
    info = member_info(source, "xl/a.xml")
    start = info.header_offset + 30 + len(info.filename)
    raw[start + 100:start + 130] = b"\xff" * 30
    (tmp_path / "bad.xlsx").write_bytes(bytes(raw))
    with pytest.raises(BookError, match="member xl/a.xml is damaged"):
        package.read_package(tmp_path / "bad.xlsx")
