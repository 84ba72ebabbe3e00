"""Cell notes (Excel's classic comments) added to a workbook package.

A note needs three parts beside the sheet: ``xl/commentsN.xml`` (the text), a VML drawing that Excel
uses to show it, and the sheet's relationships to both, plus a ``<legacyDrawing>`` element in the sheet
and content-type entries. Sheets that already carry notes are left alone (the caller is told), since
merging two authors' note parts is not worth the risk to a file someone worked on.
"""

from __future__ import annotations

import posixpath
import re
from xml.sax.saxutils import escape

from workbook.xlsx import references as pkg
from workbook.xlsx.book import rels_name

COMMENTS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
VML_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
AUTHOR = "KC valuation add-in"
# Elements that must follow <legacyDrawing> in a worksheet (CT_Worksheet order).
_AFTER_LEGACY = (b"<legacyDrawingHF", b"<drawingHF", b"<picture", b"<oleObjects", b"<controls",
                 b"<webPublishItems", b"<tableParts", b"<extLst", b"</worksheet>")


def has_notes(sheet_xml: bytes) -> bool:
    return b"<legacyDrawing " in sheet_xml or b"<legacyDrawing>" in sheet_xml


def _comments_xml(notes: dict[str, str]) -> bytes:
    items = "".join(f'<comment ref="{ref}" authorId="0"><text><r><t xml:space="preserve">{escape(text)}</t></r></text>'
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
    if not notes or has_notes(sheet):
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
    parts[rels] = existing.replace(b"</Relationships>", entries + b"</Relationships>", 1)
    legacy = f'<legacyDrawing r:id="rId{n + 1}"/>'.encode()
    at = min((i for i in (sheet.find(tag) for tag in _AFTER_LEGACY) if i >= 0))
    if b"xmlns:r=" not in sheet[:sheet.find(b">", sheet.find(b"<worksheet")) + 1]:
        legacy = legacy.replace(b"r:id", b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                                         b'relationships" r:id')
    parts[sheet_part] = sheet[:at] + legacy + sheet[at:]
    parts[comments_part] = _comments_xml(notes)
    parts[vml_part] = _vml(notes, block)
    types = parts["[Content_Types].xml"]
    if b'Extension="vml"' not in types:
        types = types.replace(b"<Default ", f'<Default Extension="vml" ContentType="{VML_CONTENT}"/><Default '.encode(), 1)
    types = types.replace(b"</Types>", f'<Override PartName="/{comments_part}" ContentType="{COMMENTS_CONTENT}"/>'
                                       f"</Types>".encode(), 1)
    parts["[Content_Types].xml"] = types
    return True
