"""Cell notes (Excel's classic comments) added to a workbook package.

A note needs three parts beside the sheet: ``xl/commentsN.xml`` (the text), a VML drawing that Excel
uses to show it, and the sheet's relationships to both, plus a ``<legacyDrawing>`` element in the sheet
and content-type entries. Sheets that already carry notes are left alone (the caller is told), since
merging two authors' note parts is not worth the risk to a file someone worked on.
"""

from __future__ import annotations

import posixpath
import re
from html import escape as _escape

from workbook.xlsx import references as pkg
from workbook.xlsx.book import rels_name
from workbook.xlsx.structure import WORKSHEET_ORDER, insert_child, outline

COMMENTS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
VML_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
AUTHOR = "KC valuation add-in"
REL_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xml_escape(text: str) -> str:
    """``text`` as XML character data: &, < and > escaped (what xml.sax.saxutils.escape does; that module
    imports urllib, http and ssl, 13 ms of every kc command's start)."""
    return _escape(text, quote=False)


def has_notes(sheet_xml: bytes, where: str = "sheet") -> bool:
    return outline(sheet_xml, where).child("legacyDrawing") is not None


def _relationship_prefix(root_tag: bytes) -> bytes | None:
    """The prefix the sheet's root binds to the relationships namespace (usually b"r"), if any."""
    match = re.search(rb"""\sxmlns:([\w.\-]+)\s*=\s*["']""" + re.escape(REL_NS) + rb"""["']""", root_tag)
    return match[1] if match else None


def _comments_xml(notes: dict[str, str]) -> bytes:
    items = "".join(f'<comment ref="{ref}" authorId="0"><text><r><t xml:space="preserve">{xml_escape(text)}</t></r></text>'
                    f"</comment>" for ref, text in notes.items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<authors><author>{AUTHOR}</author></authors><commentList>{items}</commentList></comments>").encode()


def _vml(notes: dict[str, str], block: int) -> bytes:
    shapes = []
    for i, ref in enumerate(notes, start=1):
        row, col = pkg.split_cell(ref)
        r0, c0 = row - 1, col - 1
        shapes.append(
            f'<v:shape id="_x0000_s{block * 1024 + i}" type="#_x0000_t202" style="position:absolute;margin-left:0;'
            f'margin-top:0;width:240pt;height:60pt;z-index:{i};visibility:hidden" fillcolor="#ffffe1" '
            f'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            f'<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
            f'</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{c0 + 1}, 15, {r0}, 10, {c0 + 5}, 15, {r0 + 4}, 4</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData></v:shape>")
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
            '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
            '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            + "".join(shapes) + "</xml>").encode()


def _next_rel_id(rels: bytes) -> int:
    ids = [int(n) for n in re.findall(rb'Id="rId(\d+)"', rels)]
    return max(ids, default=0) + 1


def add_notes(parts: dict[str, bytes], sheet_part: str, notes: dict[str, str], block: int) -> bool:
    """Add ``notes`` ({cell: text}) to ``sheet_part`` inside ``parts`` (zip member name -> bytes, edited
    in place; new members are added). Returns False, changing nothing, if the sheet has notes already."""
    sheet = parts[sheet_part]
    root = outline(sheet, sheet_part)
    if not notes or root.child("legacyDrawing") is not None:
        return False
    comments_part = f"xl/comments_kc{block}.xml"
    vml_part = f"xl/drawings/vmlDrawing_kc{block}.vml"
    rels = rels_name(sheet_part)
    existing = parts.get(rels, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                               b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    n = _next_rel_id(existing)
    folder = posixpath.dirname(sheet_part)
    to_comments = posixpath.relpath(comments_part, folder)
    to_vml = posixpath.relpath(vml_part, folder)
    entries = (f'<Relationship Id="rId{n}" Type="{COMMENTS_TYPE}" Target="{to_comments}"/>'
               f'<Relationship Id="rId{n + 1}" Type="{VML_TYPE}" Target="{to_vml}"/>').encode()
    parts[rels] = _append_children(existing, rels, entries)
    bound = _relationship_prefix(sheet[root.start:root.tag_end])
    rel = bound or b"r"
    declare = b"" if bound else b' xmlns:r="' + REL_NS + b'"'
    legacy = b"<" + root.prefix + b"legacyDrawing" + declare + b" " + rel + f':id="rId{n + 1}"/>'.encode()
    parts[sheet_part] = insert_child(sheet, sheet_part, WORKSHEET_ORDER, "legacyDrawing", legacy, root)
    parts[comments_part] = _comments_xml(notes)
    parts[vml_part] = _vml(notes, block)
    types_part = next(name for name in parts if name.lower() == "[content_types].xml")
    types = parts[types_part]
    new = f'<Override PartName="/{comments_part}" ContentType="{COMMENTS_CONTENT}"/>'
    if not re.search(rb"""Extension\s*=\s*["']vml["']""", types, re.I):
        new = f'<Default Extension="vml" ContentType="{VML_CONTENT}"/>' + new
    parts[types_part] = _append_children(types, types_part, new.encode())
    return True


def _append_children(data: bytes, where: str, children: bytes) -> bytes:
    """``children`` (written unprefixed) appended inside the root element, spelt with its prefix."""
    root = outline(data, where, depth=0)
    if root.prefix:
        children = re.sub(rb"<(?=[A-Za-z])", b"<" + root.prefix, children)
    if root.self_closing:
        tag = data[root.start:root.tag_end]
        return (data[:root.start] + tag[:-2].rstrip() + b">" + children + b"</" + tag[1:].split(maxsplit=1)[0]
                .rstrip(b"/>") + b">" + data[root.end:])
    close = data.rindex(b"</", root.tag_end, root.end)
    return data[:close] + children + data[close:]
