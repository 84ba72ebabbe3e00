"""Refresh from Excel: reload a company data file into the open workbook's named inputs, recalculate.

Called as the ``RefreshKCData`` macro (an ``@xw.sub`` in ``addin.functions``) on the calling workbook.
Which cell takes which number is decided by ``workbook.company.inputs`` from the workbook's defined names, the
same mapping ``kc refresh --data`` uses headless; this module only reads the names from Excel and
writes the values through xlwings.
"""

from __future__ import annotations

from pathlib import Path

DATA_FILE_NAME = "DataFile"  # optional defined name: a cell holding the data file's path


def names_of(book) -> dict[str, tuple[str, str]]:
    """{name: (sheet, 'C5' or 'C5:G5')} from an xlwings Book's workbook-level names."""
    found = {}
    for name in book.names:
        target = str(name.refers_to).lstrip("=")
        sheet, _, ref = target.rpartition("!")
        if sheet and "[" not in sheet:
            found[name.name] = (sheet.strip("'").replace("''", "'"), ref.replace("$", ""))
    return found


def data_path_of(book) -> str | None:
    names = names_of(book)
    if DATA_FILE_NAME in names:
        sheet, ref = names[DATA_FILE_NAME]
        value = book.sheets[sheet].range(ref).value
        if value:
            return str(Path(str(value)).expanduser())
    return None


def refresh(book, data_path: str | None = None) -> int:
    """Write the data file's inputs into ``book`` and recalculate; returns the number of cells written."""
    from workbook.company import load_company
    from workbook.company.inputs import input_updates

    data = load_company(data_path or data_path_of(book))
    updates = input_updates(data, names_of(book))
    written = 0
    for sheet, cells in updates.items():
        target = book.sheets[sheet]
        for ref, value in cells.items():
            target.range(ref).value = value
            written += 1
    book.app.calculate()
    return written
