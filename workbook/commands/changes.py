"""Changes to a model's named inputs: from ``Name=value`` on the command line or from a data file.

Each requested value is checked before anything is written, by the kind its name takes
(``workbook.company.rules``, the KC functions' own rules), against the workbook's own list where the input
cell has one (its data validation: the scenarios of this book, the conventions the template offers), and
then all together (each scenario's WACC above its terminal growth). A bad value is one line naming the
input and the value.

Names are matched as Excel matches them, without regard to case. A name whose cell is computed rather
than typed (``WACC``, the live scenario's column) stands for the live scenario's input ``Case_<live>_WACC``
when its formula reads that cell (so setting it moves the computed value), and says so; otherwise it is
refused, naming the inputs it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kcfuncs.errors import KCInputError
from workbook.company import rules
from workbook.company.inputs import input_sources
from workbook.errors import BookError
from workbook.xlsx import references as pkg
from workbook.xlsx.book import Workbook
from workbook.xlsx.formula_text import precedents, resolved_formulas


@dataclass
class Change:
    name: str
    sheet: str
    ref: str                     # 'C5' or 'C31:C34'
    cells: list[str]
    kind: rules.Kind
    old: list
    new: list
    source: str                  # 'command line' or the data file's key
    note: str = ""

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def describe(self) -> str:
        def show(values):  # a range's values apart by "; ", since numbers are shown as 1,234.5
            return "; ".join(rules.shown(self.kind, v) for v in values)

        note = f" ({self.note})" if self.note else ""
        first, _, last = self.ref.partition(":")
        ref = first if last in ("", first) else self.ref
        return f"{self.name} {self.sheet}!{ref}: {show(self.old)} -> {show(self.new)}{note}"


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    not_in_book: list[str] = field(default_factory=list)     # data-file inputs with no named cell here
    computed: list[str] = field(default_factory=list)        # data-file inputs whose cells hold formulas

    def updates(self) -> dict[str, dict]:
        """{sheet: {cell: value}} of the cells that change."""
        out: dict[str, dict] = {}
        for change in self.changes:
            for ref, old, new in zip(change.cells, change.old, change.new):
                if old != new:
                    out.setdefault(change.sheet, {})[ref] = new
        return out


class Inputs:
    """The named input cells of one opened workbook."""

    def __init__(self, book: Workbook):
        self.book = book
        self.by_lower = {name.lower(): name for name in book.names}
        self._formulas: dict[str, dict] = {}

    def formulas(self, sheet: str) -> dict:
        if sheet not in self._formulas:
            self._formulas[sheet] = resolved_formulas(self.book.cells(sheet))
        return self._formulas[sheet]

    def lookup(self, name: str) -> str | None:
        return self.by_lower.get(name.lower())

    def target(self, name: str) -> tuple[str, str, list[str]]:
        sheet, ref = self.book.names[name]
        if sheet not in self.book.sheet_parts:
            raise BookError(f"{self.book.path}: the name {name} points at sheet {sheet!r}, which does not exist")
        return sheet, ref, pkg.range_cells(ref)

    def is_computed(self, name: str) -> bool:
        sheet, _, cells = self.target(name)
        formulas = self.formulas(sheet)
        return any(c in formulas for c in cells)

    def live_scenario(self) -> str | None:
        name = self.lookup("Scenario")
        if name is None:
            return None
        sheet, _, cells = self.target(name)
        value = self.book.value(sheet, cells[0])
        return value if isinstance(value, str) else None

    def scenarios(self) -> list[str]:
        found = []
        for name in self.book.names:
            match = re.fullmatch(r"Case_(.+)_WACC", name)
            if match:
                found.append(match[1])
        return found

    def options(self, name: str, kind: rules.Kind, sheet: str, ref: str) -> list[str] | None:
        allowed = self.book.allowed_values(sheet, ref)
        if allowed:
            return allowed
        if kind is rules.SCENARIO:
            return self.scenarios() or None
        return None

    def reads(self, name: str) -> set[tuple[str, str]]:
        """The cells the formulas of ``name``'s cells read directly."""
        sheet, _, cells = self.target(name)
        formulas = self.formulas(sheet)
        found = set()
        for cell in cells:
            if cell in formulas:
                found.update(precedents(sheet, formulas[cell], self.book.names))
        return found

    def live_alias(self, name: str) -> str | None:
        """``WACC`` -> ``Case_base_WACC`` when the cell of WACC is computed by reading that input (the live
        scenario's column); None when it reads something else (then setting the case would not move it)."""
        live = self.live_scenario()
        if live is None:
            return None
        field_name = name[5:] if name.lower().startswith("live_") else name
        alias = self.lookup(f"Case_{live}_{field_name}")
        if alias is None or self.is_computed(alias):
            return None
        sheet, _, cells = self.target(alias)
        return alias if {(sheet, c) for c in cells} <= self.reads(name) else None

    def upstream_inputs(self, name: str, limit: int = 4) -> list[str]:
        """Named input cells the formulas of ``name`` read, directly or through other formulas (a hint)."""
        owner = {}
        for other in self.book.names:
            sheet, ref = self.book.names[other]
            if pkg.range_size(ref) <= 1000:
                for cell in pkg.range_cells(ref):
                    owner.setdefault((sheet, cell), other)
        seen, todo, found = set(), list(self.reads(name)), []
        while todo and len(seen) < 5000 and len(found) < limit:
            key = todo.pop(0)
            if key in seen:
                continue
            seen.add(key)
            sheet, cell = key
            formulas = self.formulas(sheet) if sheet in self.book.sheet_parts else {}
            if cell in formulas:
                todo.extend(precedents(sheet, formulas[cell], self.book.names))
            elif key in owner and owner[key] not in found and owner[key] != name:
                found.append(owner[key])
        return found

    def kind(self, name: str, sheet: str, cells: list[str]) -> rules.Kind:
        return rules.kind_of(name) or rules.kind_of_cell(self.book.value(sheet, cells[0]))


def _split(text: str, count: int) -> list[str]:
    if count == 1:
        return [text]
    separator = ";" if ";" in text else ","
    return [item.strip() for item in text.split(separator)]


def _bad(book: Workbook, error: KCInputError) -> BookError:
    return BookError(f"{book.path}: {error}")


def from_assignments(book: Workbook, assignments: list[str], plan: Plan | None = None) -> Plan:
    """``Name=value`` pairs (values as typed: 11%, 0.11, 2025-12-31, base, 1,234.5; a range's values
    separated by commas, or semicolons) on top of ``plan``."""
    plan = plan or Plan()
    inputs = Inputs(book)
    for assignment in assignments:
        written, equals, text = assignment.partition("=")
        written = written.strip()
        if not equals or not written:
            raise BookError(f"{assignment!r}: write Name=value, e.g. Case_base_WACC=11%")
        name = inputs.lookup(written)
        if name is None:
            close = [n for n in book.names if written.lower() in n.lower()][:4]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise BookError(f"{book.path}: no named input {written!r} in this workbook{hint}")
        note = ""
        if inputs.is_computed(name):
            alias = inputs.live_alias(name)
            sheet, ref, _ = inputs.target(name)
            if alias is None:
                upstream = inputs.upstream_inputs(name)
                hint = f"; it reads {', '.join(upstream)}" if upstream else ""
                raise BookError(f"{book.path}: {name} ({sheet}!{ref}) is computed by a formula, not an input{hint}")
            note = f"{name} is the live scenario's, {alias}"
            name = alias
        sheet, ref, cells = inputs.target(name)
        kind = inputs.kind(name, sheet, cells)
        pieces = _split(text, len(cells))
        if len(pieces) != len(cells):
            raise BookError(f"{book.path}: {name} ({sheet}!{ref}) takes {len(cells)} values, separated by commas; "
                            f"{assignment!r} gives {len(pieces)}")
        options = inputs.options(name, kind, sheet, cells[0])
        try:
            new = [rules.from_text(name if len(cells) == 1 else f"{name}[{k}]", kind, piece, options)
                   for k, piece in enumerate(pieces, start=1)]
        except KCInputError as error:
            raise _bad(book, error) from None
        _record(plan, inputs, name, sheet, ref, cells, kind, new, "command line", note)
    return plan


def from_data(book: Workbook, data: dict) -> Plan:
    """Every input the data file gives (a partial file: only those) that has a named cell in ``book``."""
    plan = Plan()
    inputs = Inputs(book)
    for data_name, (value, where) in input_sources(data).items():
        name = inputs.lookup(data_name)
        if name is None:
            plan.not_in_book.append(data_name)
            continue
        if inputs.is_computed(name):
            plan.computed.append(name)
            continue
        sheet, ref, cells = inputs.target(name)
        kind = inputs.kind(name, sheet, cells)
        values = value if isinstance(value, list) else [value]
        if len(values) != len(cells):
            raise BookError(f"{book.path}: defined name {name} covers {len(cells)} cells but the data file gives "
                            f"{len(values)} value(s) ({where})")
        options = inputs.options(name, kind, sheet, cells[0])
        try:
            new = [rules.from_data(where if len(values) == 1 else f"{where}[{k}]", kind, v, options)
                   for k, v in enumerate(values, start=1)]
        except KCInputError as error:
            raise BookError(f"data file {data.get('_path', '')}: {error}") from None
        _record(plan, inputs, name, sheet, ref, cells, kind, new, where)
    return plan


def _record(plan: Plan, inputs: Inputs, name, sheet, ref, cells, kind, new, source, note="") -> None:
    old = [inputs.book.value(sheet, c) for c in cells]
    for earlier in list(plan.changes):  # a later request for the same input wins
        if earlier.name == name:
            plan.changes.remove(earlier)
            old = earlier.old
    plan.changes.append(Change(name, sheet, ref, cells, kind, old, new, source, note))


def check_together(book: Workbook, plan: Plan) -> None:
    """The cross-checks of ``rules.check_scenarios`` over the inputs as they will stand."""
    touched = {c.name for c in plan.changes if c.changed}
    if not touched:
        return
    inputs = Inputs(book)
    standing: dict[str, object] = {}
    for name in book.names:
        if rules.kind_of(name) is rules.RATE or name in ("W52_Low", "W52_High"):
            sheet, _, cells = inputs.target(name)
            if len(cells) == 1:
                standing[name] = inputs.book.value(sheet, cells[0])
    for change in plan.changes:
        if len(change.new) == 1:
            standing[change.name] = change.new[0]
    try:
        rules.check_scenarios(standing, touched)
    except KCInputError as error:
        raise _bad(book, error) from None
