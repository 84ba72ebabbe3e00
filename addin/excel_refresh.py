"""Refresh from Excel: reload a company data file into the open workbook's named inputs, recalculate.

Called as the ``RefreshKCData`` macro (an ``@xw.sub`` in ``addin.functions``) on the calling workbook.
Which defined name takes which number is the ``kc inputs`` command's answer (the same mapping
``kc refresh --data`` uses headless), asked of a separate process so that the Excel skin never imports
the workbook tools; this module reads the workbook's names from Excel and writes the values through
xlwings, cell by cell.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA_FILE_NAME = "DataFile"  # optional defined name: a cell holding the data file's path
TIMEOUT_SECONDS = 120


class RefreshError(RuntimeError):
    """The data file could not be read; the message is the kc command's one line."""


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


def named_input_values(data_path: str | None) -> dict[str, object]:
    """{defined name: value or list of values} from ``kc inputs --json`` for the data file."""
    command = [sys.executable, "-m", "workbook.commands", "inputs", "--json"]
    if data_path:
        command += ["--data", data_path]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RefreshError(lines[-1] if lines else f"kc inputs failed (exit {done.returncode})")
    return json.loads(done.stdout)


def refresh(book, data_path: str | None = None, named_values=named_input_values) -> int:
    """Write the data file's inputs into ``book`` and recalculate; returns the number of cells written."""
    names = names_of(book)
    written = 0
    for name, values in named_values(data_path or data_path_of(book)).items():
        if name not in names:
            continue
        sheet, ref = names[name]
        target = book.sheets[sheet]
        values = values if isinstance(values, list) else [values]
        cells = list(target.range(ref))
        if len(cells) != len(values):
            raise RefreshError(f"defined name {name} covers {len(cells)} cells but the data file gives "
                               f"{len(values)} value(s)")
        for cell, value in zip(cells, values):
            cell.value = value
            written += 1
    book.app.calculate()
    return written
