"""kc freeze on a real built workbook: KC_* cells become values, formulas kept in notes."""


import pytest

from workbook.commands.freeze import freeze

from tests.conftest import formula_cells, values


def test_freeze_replaces_kc_formulas_and_keeps_them_in_notes(book_copy, tmp_path):
    import openpyxl

    frozen = tmp_path / "Shared.xlsx"
    live_formulas = {(s, r): f for s, r, f in formula_cells(book_copy)}
    result = freeze(book_copy, frozen)
    assert result["frozen_cells"] > 100 and result["notes_skipped"] == []
    remaining = [(s, r) for s, r, f in formula_cells(frozen) if "KC_" in f.upper()]
    assert remaining == []
    book = openpyxl.load_workbook(frozen)
    kc_cells = [(s, r, f) for (s, r), f in live_formulas.items() if "KC_DCF(" in f.upper()]
    sheet, ref, formula = kc_cells[0]
    assert book[sheet][ref].comment.text.startswith(f"Frozen value. Original formula: {formula}"[:60])
    assert values(frozen)[sheet][ref].value == values(book_copy)[sheet][ref].value
    first = book.worksheets[0]
    assert any(isinstance(c.value, str) and c.value.startswith("FROZEN COPY") for c in first[1])
    # Native formulas stay live, and the values equal the live model's.
    native = [(s, r) for (s, r), f in live_formulas.items() if "KC_" not in f.upper()]
    assert native and all(book[s][r].value == live_formulas[(s, r)] for s, r in native[:50])
    with pytest.raises(Exception, match="must be a new file"):
        freeze(book_copy, book_copy)


def test_the_frozen_copys_inputs_are_locked_and_look_like_values(book_copy, tmp_path):
    import openpyxl

    from workbook.calc import formula_cells as formulas_of
    from workbook.xlsx.book import Workbook
    from workbook.xlsx.references import range_cells

    frozen = tmp_path / "Shared.xlsx"
    freeze(book_copy, frozen)
    live, copy = openpyxl.load_workbook(book_copy), openpyxl.load_workbook(frozen)
    assert all(ws.protection.sheet and not ws.protection.password for ws in copy.worksheets)
    assert not any(ws.protection.sheet for ws in live.worksheets)
    opened = Workbook.open(book_copy)
    formula_refs = {(c.sheet, c.ref) for c in formulas_of(opened)}
    inputs = [(s, c) for s, ref in opened.names.values() for c in range_cells(ref) if (s, c) not in formula_refs]
    assert len(inputs) > 200
    blue_on_yellow = 0
    for sheet, ref in inputs:
        before, after = live[sheet][ref], copy[sheet][ref]
        assert after.protection.locked
        assert after.number_format == before.number_format and after.value == before.value
        if before.fill.fgColor.rgb == "FFFFF2CC" and before.font.color.rgb == "FF0000FF":
            blue_on_yellow += 1
            assert after.fill.patternType is None and after.border.left.style is None
            assert after.font.color is None or after.font.color.rgb != "FF0000FF"
        else:  # a value that is only highlighted (e.g. an inferred line) keeps its look
            assert look(after) == look(before), (sheet, ref)
    assert blue_on_yellow > 100                        # the inputs of the live model
    # Other cells keep their look.
    assert look(copy["DCF"]["C21"]) == look(live["DCF"]["C21"]) and look(copy["Summary"]["A1"]) == look(live["Summary"]["A1"])


def look(cell):
    colour = cell.font.color.rgb if cell.font.color is not None else None
    return (cell.fill.patternType, cell.fill.fgColor.rgb, colour, cell.font.b, cell.font.i, cell.font.sz,
            cell.number_format, cell.border.left.style)


def test_the_banner_says_how_to_get_a_live_copy(book_copy, tmp_path):
    result = freeze(book_copy, tmp_path / "Shared.xlsx")
    assert "inputs are locked" in result["banner"] and "For a live copy, open the model Model.xlsx" in result["banner"]


def test_refresh_and_set_refuse_a_frozen_copy(book_copy, tmp_path, capsys):
    from workbook import commands as cli

    frozen = tmp_path / "Shared.xlsx"
    freeze(book_copy, frozen)
    before = frozen.read_bytes()
    for argv, verb in ((["refresh", frozen], "refreshed"), (["set", frozen, "Price=9"], "changed by kc set"),
                       (["freeze", frozen, "-o", tmp_path / "Again.xlsx"], "frozen again")):
        code = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        assert code == 2 and out == "" and err.count("\n") == 1
        assert "Shared.xlsx is a frozen copy (made " in err and f"cannot be {verb}" in err, err
        assert "change the live model instead" in err
    assert frozen.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Model.xlsx", "Shared.xlsx"]


def test_every_printed_page_of_the_frozen_copy_says_it_is_frozen(book_copy, tmp_path):
    import re
    from xml.sax.saxutils import unescape

    from workbook.xlsx.book import Workbook

    freeze(book_copy, tmp_path / "Shared.xlsx")
    book = Workbook.open(tmp_path / "Shared.xlsx")
    for sheet, part in book.sheet_parts.items():
        headers = re.findall(rb"<oddHeader>(.*?)</oddHeader>", book.part(part))
        assert len(headers) == 1, sheet
        text = unescape(headers[0].decode(), {"&quot;": '"'})
        assert '&C&"-,Bold"&8FROZEN COPY: values, not live formulas' in text, (sheet, text)
        assert len(text) <= 255, sheet


def test_a_header_with_a_centre_section_of_its_own_is_kept():
    from workbook.commands.freeze import print_header

    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/>'
             b'<headerFooter><oddHeader>&amp;LLeft&amp;CMine</oddHeader></headerFooter></worksheet>')
    assert print_header(sheet, "S", "FROZEN COPY of the model") == sheet
    literal = sheet.replace(b"&amp;CMine", b"&amp;&amp;CMine")       # a literal "&C", not the centre code
    assert b'&amp;C&amp;"-,Bold"&amp;8FROZEN COPY of the model</oddHeader>' in \
        print_header(literal, "S", "FROZEN COPY of the model")
    bare = sheet.replace(b"<headerFooter><oddHeader>&amp;LLeft&amp;CMine</oddHeader></headerFooter>", b"")
    added = print_header(bare, "S", "FROZEN COPY of the model")
    assert added.endswith(b'<sheetData/><headerFooter><oddHeader>&amp;C&amp;"-,Bold"&amp;8FROZEN COPY of '
                          b'the model</oddHeader></headerFooter></worksheet>')


@pytest.mark.libreoffice
def test_the_printout_of_a_frozen_copy_shows_the_notice(book_copy, tmp_path):
    import shutil
    import subprocess

    from workbook.calc import libreoffice

    if not libreoffice.available() or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or pdftotext (poppler-utils) is not installed")
    freeze(book_copy, tmp_path / "Shared.xlsx")
    pdf = libreoffice.convert(tmp_path / "Shared.xlsx", "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.count("\f")
    assert pages >= 10
    assert text.count("FROZEN COPY: values, not live formulas") == pages, text[:400]


def test_first_and_even_page_headers_get_the_notice_when_the_sheet_prints_them():
    import re

    from workbook.commands.freeze import print_header

    main = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/>'
    sheet = main + (b'<headerFooter differentFirst="1" differentOddEven="1"><oddHeader>&amp;LOdd</oddHeader>'
                    b'<oddFooter>&amp;CPage</oddFooter><firstFooter>F</firstFooter></headerFooter></worksheet>')
    out = print_header(sheet, "S", "FROZEN COPY of the model")
    headers = dict(re.findall(rb"<(oddHeader|evenHeader|firstHeader)>(.*?)</\1>", out))
    assert set(headers) == {b"oddHeader", b"evenHeader", b"firstHeader"}
    assert all(b"FROZEN COPY of the model" in v for v in headers.values())
    order = [m.decode() for m in re.findall(rb"<(\w+Header|\w+Footer)>", out)]
    assert order == ["oddHeader", "oddFooter", "evenHeader", "firstHeader", "firstFooter"]     # schema order


def test_a_centre_section_written_as_a_character_reference_is_still_its_own():
    from workbook.commands.freeze import print_header

    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/>'
             b'<headerFooter><oddHeader>&#38;LLeft&#38;CMine</oddHeader></headerFooter></worksheet>')
    assert print_header(sheet, "S", "FROZEN COPY of the model") == sheet
