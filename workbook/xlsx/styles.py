"""New cell formats added to a workbook's styles part, the existing ones left exactly as they are.

Used by ``kc freeze``: an input cell keeps its number format but loses the input look (coloured font on a
solid fill, box border) and is locked, so a frozen copy does not invite typing into cells that no longer
drive anything; a value that is only highlighted (an inferred figure on orange) keeps its look. The banner
gets white on red. Formats are only appended (a cell's ``s`` attribute is an
index into ``cellXfs``), so no other cell's look changes.
"""

from __future__ import annotations

import re

from workbook.errors import BookError
from workbook.xlsx.structure import Element, attribute, outline, with_attributes

_LOCKED_OFF = re.compile(rb"""\slocked\s*=\s*("(?:0|false)"|'(?:0|false)')""")


class StyleSheet:
    def __init__(self, data: bytes, where: str):
        self.data, self.where = data, where
        self.root = outline(data, where, depth=2)
        self.prefix = self.root.prefix
        self.containers = {}
        for local in ("fonts", "fills", "cellXfs"):
            element = self.root.child(local)
            if element is None:
                raise BookError(f"{where}: no <{local}> in the styles part; the frozen copy's inputs cannot be "
                                f"restyled")
            self.containers[local] = element
        self.added: dict[str, list[bytes]] = {local: [] for local in self.containers}
        self.as_value_cache: dict[int, int] = {}
        self.plain_fonts: dict[int, int] = {}

    def _count(self, local: str) -> int:
        return len(self.containers[local].children) + len(self.added[local])

    def _append(self, local: str, xml: bytes) -> int:
        index = self._count(local)
        self.added[local].append(xml)
        return index

    def _element(self, local: str, index: int) -> Element:
        children = self.containers[local].children
        if not 0 <= index < len(children):
            raise BookError(f"{self.where}: a cell uses format {index} of <{local}>, which does not exist")
        return children[index]

    def _plain_font(self, index: int) -> int:
        """The font without its colour (the default, black)."""
        if index not in self.plain_fonts:
            font = self._element("fonts", index)
            xml = self.data[font.start:font.end]
            p = re.escape(self.prefix)
            xml = re.sub(rb"<" + p + rb"color\b[^>]*?/>|<" + p + rb"color\b[^>]*>.*?</" + p + rb"color>", b"", xml,
                         flags=re.S)
            self.plain_fonts[index] = self._append("fonts", xml)
        return self.plain_fonts[index]

    def looks_like_input(self, xf_index: int) -> bool:
        """The sell-side input look: a coloured font (an explicit RGB colour, not black) on a solid fill.
        Values that are merely highlighted (a fill without a coloured font, e.g. an inferred figure) are not."""
        xf = self._element("cellXfs", xf_index)
        tag = self.data[xf.start:xf.tag_end]
        fill, font = attribute(tag, "fillId"), attribute(tag, "fontId")
        if not (fill and fill.isdigit() and font and font.isdigit()):
            return False
        fill_xml = self.data[slice(*self._span("fills", int(fill)))]
        font_xml = self.data[slice(*self._span("fonts", int(font)))]
        solid = re.search(rb"""patternType\s*=\s*["']solid["']""", fill_xml) is not None
        colour = re.search(rb"""<(?:[\w.\-]+:)?color\b[^>]*\brgb\s*=\s*["']([0-9A-Fa-f]{6,8})["']""", font_xml)
        return solid and colour is not None and colour[1].upper()[-6:] != b"000000"

    def _span(self, local: str, index: int) -> tuple[int, int]:
        element = self._element(local, index)
        return element.start, element.end

    def as_value(self, xf_index: int) -> int:
        """For a format with the input look (``looks_like_input``), one like it (same number format, font
        face and alignment) that looks like a value: no fill, no border, no font colour, locked. Any other
        format is kept, locked."""
        if xf_index not in self.as_value_cache and not self.looks_like_input(xf_index):
            xf = self._element("cellXfs", xf_index)
            xml = self.data[xf.start:xf.end]
            if _LOCKED_OFF.search(xml) is None:
                self.as_value_cache[xf_index] = xf_index
            else:  # an unlocked format: a locked copy
                self.as_value_cache[xf_index] = self._append("cellXfs", _LOCKED_OFF.sub(b"", xml))
        if xf_index not in self.as_value_cache:
            xf = self._element("cellXfs", xf_index)
            xml = self.data[xf.start:xf.end]
            tag_length = xf.tag_end - xf.start
            tag, rest = xml[:tag_length], xml[tag_length:]
            font = attribute(tag, "fontId")
            changes = {"fillId": "0", "borderId": "0", "applyFill": "1", "applyBorder": "1"}
            if font is not None and font.isdigit():
                changes.update(fontId=str(self._plain_font(int(font))), applyFont="1")
            tag = with_attributes(tag, changes)
            rest = _LOCKED_OFF.sub(b"", rest)  # <protection locked="0"/> would leave it editable
            self.as_value_cache[xf_index] = self._append("cellXfs", tag + rest)
        return self.as_value_cache[xf_index]

    def banner(self) -> int:
        p = self.prefix
        font = self._append("fonts", b"<" + p + b"font><" + p + b"b/><" + p + b'sz val="9"/><' + p
                            + b'color rgb="FFFFFFFF"/><' + p + b'name val="Arial"/></' + p + b"font>")
        fill = self._append("fills", b"<" + p + b"fill><" + p + b'patternFill patternType="solid"><' + p
                            + b'fgColor rgb="FFC00000"/><' + p + b'bgColor indexed="64"/></' + p + b"patternFill></"
                            + p + b"fill>")
        return self._append("cellXfs", b"<" + p + f'xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" '
                                                  f'xfId="0" applyFont="1" applyFill="1"/>'.encode())

    def bytes(self) -> bytes:
        """The styles part with the new formats appended and the counts updated."""
        edits = []  # (start, end, replacement), applied from the end
        for local, element in self.containers.items():
            if not self.added[local]:
                continue
            count = str(self._count(local))
            tag = with_attributes(self.data[element.start:element.tag_end], {"count": count})
            new = b"".join(self.added[local])
            if element.self_closing:
                edits.append((element.start, element.end, tag[:-2].rstrip() + b">" + new + b"</" + self.prefix
                              + local.encode() + b">"))
            else:
                close = self.data.rindex(b"</", element.tag_end, element.end)
                edits.append((close, close, new))
                edits.append((element.start, element.tag_end, tag))
        data = self.data
        for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
            data = data[:start] + replacement + data[end:]
        return data
