"""The fast evaluator: every formula of a workbook compiled once per shape, computed in dependency order.

Each cell's formula is read in Excel's R1C1 view (``grammar.relative_tokens``), so cells holding the
same formula copied along a row or column share one closure (``compiler``), called with the cell's own
position. The closures follow ``values`` (Excel's coercions) and ``functions`` (Excel's functions and
the kinds of their parameters): a reference stays a reference where a function takes one (SUM(A5)
skips the text in A5, SUM("5") converts it); elsewhere a range meets Excel's implicit intersection
with the formula's row or column, except inside an array formula, where it is a whole array. This
module holds the workbook side: its values, defined names, the order of computation, array ranges.

Cells are computed in an order where every cell follows the cells it reads (``order``), found from
the references each formula names: no recursion, so chains of any length. A circular reference is a
one-line error naming the loop. A formula outside what this evaluator computes exactly raises
``Unsupported`` for that formula alone, at compile time or while computing it; ``workbook.calc.fallback``
then computes that one formula (or refuses it, naming the cell), fed the values computed here, so a
cell's value never depends on which other formulas the book happens to contain.

A formula that reads another workbook ([1]Sheet1!A1) keeps the value Excel stored for it, when it reads
nothing else; mixed with cells of this book it is refused.

The plan (compiled shapes, order, batches) of the last book is kept for the next book with the same
formulas (``plan_key``), and so are that run's inputs and values: the next run computes only the cells
its changed inputs reach (``workbook.calc.dirty``), every other cell keeping its value.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
from itertools import compress, repeat
from operator import itemgetter
from typing import Callable, NamedTuple

import numpy as np

from workbook.calc import batches, dirty, kc_results
from workbook.calc.compiler import Compiler
from workbook.calc.grammar import (LONGEST_ROW, MAX_COLUMN, MAX_ROW, Parser, ShapeReader, place_area, references,
                                   tokenize)
from workbook.calc.names import WorkbookFacts, workbook_facts
from workbook.calc.order import cycle, dependency_order
from workbook.calc.values import (ERRORS, MISSING, NA, VALUE, Areas, External, Ref, Refused, Unsupported, iso_serial,
                                  top_left)
from workbook.errors import BookError
from workbook.xlsx import references as pkg
from workbook.xlsx.book import Workbook

__all__ = ["Engine", "Parser", "Unsupported", "evaluate", "evaluate_literal"]

LARGEST_AREA = 250_000        # cells in one reference; beyond that (whole columns) the formula falls back


class Node:
    """One formula cell: where it is, what it computes, and how far the computation got."""

    __slots__ = ("sheet", "ref", "formula", "row", "col", "array", "dynamic", "spill", "cached", "shape",
                 "compiled", "kept")

    def __init__(self, cell, row, col):
        self.sheet, self.ref, self.formula = cell.sheet, cell.ref, cell.formula
        self.row, self.col = row, col
        self.array = cell.spill is not None
        self.dynamic = getattr(cell, "dynamic", False)
        self.spill = cell.spill
        self.cached = getattr(cell, "cached", None)
        self.shape = None
        self.compiled = None
        self.kept = False

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.ref}"


class LastRun(NamedTuple):
    """What a complete run read and gave: the inputs read one by one ({key: value}), the number cells
    read as columns ([(sheet, rows, columns, numbers)]) and every formula's value ({sheet: {cell: value}})."""

    inputs: dict
    columns: list
    out: dict


class Compiled(NamedTuple):
    function: Callable | None      # the closure over (sheet, row, column), None when it could not be made
    reason: Exception | None       # why not (Unsupported), for the fallback and for messages
    tree: tuple | None             # the expression tree, None when the formula could not be read
    areas: tuple | None            # (sheet or None, ends) of every reference, names resolved


class Engine:
    """A workbook's input values and formulas; ``run`` computes every formula cell."""

    def __init__(self, book: Workbook, cells, *, fallback: bool = True, facts: WorkbookFacts | None = None):
        self.book = book
        self.facts: WorkbookFacts = workbook_facts(book) if facts is None else facts
        self.allow_fallback = fallback
        self.sheets = {name.upper(): name for name in book.sheet_parts}
        self.values: dict[tuple[str, int, int], object] = {}
        self.blocks: dict[tuple, np.ndarray] = {}
        self.batch_numbers: dict = {}                   # sheet -> batches.SheetNumbers, made when needed
        self.stored_numbers: dict[str, tuple] = {}      # sheet -> (rows, columns, numbers) of its number cells
        self._columns: list[tuple] = []                 # number cells not yet in ``values`` (numbers_in_values)
        self._definitions: dict[str, tuple] = {}
        self._compilers: dict[tuple, Compiler] = {}
        self._compiled: dict[tuple, Compiled] = {}
        self._fallback = None
        self.index = None
        self.shapes = ShapeReader()
        self._load()
        self.nodes: dict[tuple, Node] = {}
        self.members: dict[tuple, tuple] = {}          # a cell of an array range -> its formula's cell
        self.steps: list | None = None                 # the order of computation, once a run found it
        self._external: list[Node] = []                # cells that keep the value stored for them
        self._precedents: dict | None = None           # formula cell -> the formula cells it reads (the plan's)
        self._since: LastRun | None = None             # the last complete run, for computing only what changed
        self._fell_back: set = set()                   # cells the fallback computed (always computed again)
        self._readers: dirty.Readers | bool | None = None   # False: array ranges overlap, compute all
        self._dependents: dict | None = None          # formula cell -> the formula cells that read it
        self._always: set = set()                      # cells computed every run (see ``_stale``)
        self.formula_places: dict = {}                 # sheet -> (rows, columns) of its formula and array cells
        self.step_places: dict = {}                    # id of a step -> (the step, rows, columns of its cells)
        try:
            rows, cols = positions([cell.ref for cell in cells])
        except BookError as error:          # the sheet of the cell it names
            sheet = next(cell.sheet for cell in cells if len(cell.ref) - len(cell.ref.rstrip(_DIGITS)) > LONGEST_ROW)
            raise BookError(f"{sheet}!{error}") from None
        self._keys = []                                # each cell's key, in the cells' order (see ``again``)
        for cell, row, col in zip(cells, rows, cols):
            node = Node(cell, row, col)
            key = (cell.sheet, row, col)
            self._keys.append(key)
            self.nodes[key] = node
            if cell.spill and ":" in cell.spill:
                for ref in pkg.range_cells(cell.spill):
                    r, c = pkg.split_cell(ref)
                    if (r, c) != (row, col):
                        self.members[(cell.sheet, r, c)] = (cell.sheet, row, col)

    def release(self):
        """Let go of everything computed: the compiled closures refer back to the engine, and without this
        the whole engine (every value, every cell) would wait for Python's cycle collector, which a
        refresh pauses (``workbook.commands.refresh``)."""
        self._forget_values()
        for store in (self._definitions, self._compilers, self._compiled, self.nodes, self.members, self._external,
                      self._keys):
            store.clear()
        self.steps = None
        self.formula_places.clear()
        self.step_places.clear()
        self._precedents = self._since = self._readers = self._dependents = None
        self._fell_back.clear()

    def again(self, book: Workbook, cells, facts: WorkbookFacts):
        """Ready to compute ``book``, whose formulas, sheets and names are those of the book this engine
        computed last (``plan_key``): the compiled shapes and the order of computation are kept, as Excel
        keeps its calculation chain, and every value is read afresh. The dictionaries are emptied in
        place, since the compiled closures hold them."""
        self._forget_values()
        self.book, self.facts = book, facts
        if self._external:                        # the stored values those cells keep, this book's
            nodes = self.nodes
            for cell, key in zip(cells, self._keys):   # in the sheet's order: a repeated cell keeps the last
                node = nodes[key]
                if node.kept:
                    node.cached = cell.cached
        self._load()

    def _forget_values(self):
        for store in (self.values, self.blocks, self.batch_numbers, self.stored_numbers, self._columns):
            store.clear()
        self._fallback = self.index = self.book = None
        for node in self._external:
            node.cached = None

    # -- the workbook's values --

    def _load(self):
        for sheet in self.book.sheet_parts:
            found = self.book.sheet_cells(sheet)
            if not (found.number_count and self._load_columns(sheet, found)):
                self._load_cells(sheet, self.book.cells(sheet))

    def _load_columns(self, sheet: str, found) -> bool:
        """The sheet's values, its plain number cells taken as columns; False (nothing stored) when a number
        cell is not a finite number, or the cells are not in sheet order (a cell written twice among them):
        then ``_load_cells`` reads the sheet in order, which keeps a repeated cell's last value. The number
        cells go into ``values`` only when something reads them there (``numbers_in_values``)."""
        try:
            array = found.number_values()
        except ValueError:
            return False
        if not np.isfinite(array).all():
            return False
        try:
            rows, cols = found.number_positions()
        except (ValueError, OverflowError):      # a row too long to convert: read in order, which names it
            return False
        if rows.max() > MAX_ROW or cols.max() > MAX_COLUMN:
            return False
        at = rows * (MAX_COLUMN + 1) + cols
        if not (at[1:] > at[:-1]).all():
            return False
        values = {}
        self._load_cells(sheet, found.records, values)
        if values:                               # another cell at a number cell's place: written twice
            keys = [r * (MAX_COLUMN + 1) + c for _, r, c in values]
            try:
                other = np.array(keys, dtype=np.int64)
            except OverflowError:                # a row past int64 is at no number cell's place
                last = int(at[-1])
                other = np.array([k for k in keys if k <= last], dtype=np.int64)
            found_at = np.minimum(np.searchsorted(at, other), len(at) - 1)
            if (at[found_at] == other).any():
                return False
        records_rows, records_cols, records_numbers = self.stored_numbers[sheet]
        self.values.update(values)
        self._columns.append((sheet, rows, cols, array))
        self.stored_numbers[sheet] = (np.concatenate([records_rows, rows]), np.concatenate([records_cols, cols]),
                                      np.concatenate([records_numbers, array]))
        return True

    def numbers_in_values(self):
        """The number cells held as columns put into ``values``, once. Only a cell computed alone (its
        closures read ``values``) or a batch that reads cells one by one needs them there, so a sheet whose
        formulas are all batches never builds them. A value already there (a formula's, at a number cell's
        place) stays."""
        values = self.values
        for sheet, rows, cols, numbers in self._columns:
            fresh = dict(zip(zip(repeat(sheet), rows.tolist(), cols.tolist()), numbers.tolist()))
            if not fresh.keys().isdisjoint(values.keys()):
                for key in fresh.keys() & values.keys():
                    del fresh[key]
            values.update(fresh)
        self._columns.clear()

    def _load_cells(self, sheet: str, cells, values: dict | None = None):
        """The values of ``cells`` (records, in sheet order) into ``values`` (default the engine's)."""
        strings = None
        date1904 = self.facts.date1904
        values = self.values if values is None else values
        refs, found, plain = [], [], []      # in the sheet's order, so a repeated cell keeps its last value
        add_ref, add_value, add_plain = refs.append, found.append, plain.append
        for c in cells:
            if c.formula is not None or c.value_text is None:
                continue
            kind, raw = c.cell_type, c.value_text
            if kind is None and raw and "_" not in raw:
                try:                       # the common case, a plain number; stored_value says why not
                    number = float(raw)
                except ValueError:
                    pass
                else:
                    if number - number == 0:
                        add_ref(c.ref)
                        add_value(number)
                        add_plain(True)
                        continue
            try:
                if kind == "s":
                    if strings is None:
                        strings = self.book.shared_strings
                    value = _shared(strings, raw)
                else:
                    value = stored_value(kind, raw, date1904)
            except Refused as error:
                raise BookError(f"{sheet}!{c.ref}: {error}") from None
            if value is not None:
                add_ref(c.ref)
                add_value(value)
                add_plain(False)
        try:
            rows, cols = positions(refs)
        except BookError as error:
            raise BookError(f"{sheet}!{error}") from None
        values.update(zip(zip(repeat(sheet), rows, cols), found))
        if not all(plain):                   # the plain number cells only
            rows, cols, found = (list(compress(column, plain)) for column in (rows, cols, found))
        try:
            where = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
        except OverflowError:                # a row past int64: no formula reads it, so no batch needs it
            inside = [r <= MAX_ROW and c <= MAX_COLUMN for r, c in zip(rows, cols)]
            rows, cols, found = (list(compress(column, inside)) for column in (rows, cols, found))
            where = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
        self.stored_numbers[sheet] = (*where, np.array(found, dtype=float))

    def sheet_named(self, name: str) -> str:
        """A sheet named in a formula, found as Excel finds it: ignoring case."""
        found = self.sheets.get(name.upper())
        if found is None:
            raise Refused(f"refers to the sheet {name!r}, which this workbook does not have")
        return found

    def block(self, sheet, r1, c1, r2, c2) -> np.ndarray:
        """The values of an area, read once and shared (never changed once read: every cell in it is a
        precedent of the reader, so computed before)."""
        key = (sheet, r1, c1, r2, c2)
        grid = self.blocks.get(key)
        if grid is None:
            if (r2 - r1 + 1) * (c2 - c1 + 1) > LARGEST_AREA:
                raise Unsupported(f"a range of more than {LARGEST_AREA:,} cells used as a whole array")
            get = self.values.get
            grid = np.empty((r2 - r1 + 1, c2 - c1 + 1), dtype=object)
            grid.flat = [get((sheet, r, c)) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
            self.blocks[key] = grid
        return grid

    def value(self, sheet, row, col):
        return self.values.get((sheet, row, col))

    def filled(self, sheet, r1, c1, r2, c2) -> list:
        """The values of an area row by row; for a large area only its cells that hold something."""
        if (r2 - r1 + 1) * (c2 - c1 + 1) <= 4096:
            return self.block(sheet, r1, c1, r2, c2).ravel().tolist()
        if self.index is None:
            self.index = _CellIndex(self.values.keys() | self.nodes.keys() | self.members.keys())
        get = self.values.get
        return [v for v in (get((sheet, r, c)) for r, c in self.index.cells_in(sheet, r1, c1, r2, c2))
                if v is not None]

    # -- defined names --

    def name_definition(self, sheet: str, qualifier: str | None, name: str):
        """("areas", [(sheet, ends)...]) or ("tree", tree) for a name used on ``sheet``; None if undefined."""
        text = self.facts.definition(sheet, name, qualifier)
        if text is None:
            return None
        if text not in self._definitions:
            self._definitions[text] = self._read_definition(text)
        return self._definitions[text]

    def _read_definition(self, text: str):
        parts = _top_level_parts(text)
        areas = []
        for part in parts:
            tokens = tokenize(part)
            if len(tokens) != 1 or tokens[0][0] != "sref":
                break
            tree = Parser(tokens[0][1]).parse()
            if any(not (end[0] and end[2]) for end in tree[2]):
                raise Unsupported(f"the name {text!r} has a relative reference")
            areas.append((self.sheet_named(tree[1]), tree[2]))
        else:
            return ("areas", tuple(areas))
        if len(parts) > 1:
            raise Unsupported(f"the name defined as {text!r}")
        tree = Parser(text).parse()
        for node in references(tree):
            if node[0] == "ref" and (node[1] is None or any(not (e[0] and e[2]) for e in node[2])):
                raise Unsupported(f"the name defined as {text!r} has a relative reference")
        return ("tree", tree)

    # -- compiling --

    def compiled(self, node: Node) -> Compiled:
        """The compiled form of a node's formula, shared by every cell of the same shape and sheet."""
        try:
            shape = self.shapes.shape(node.formula, node.row, node.col)
        except Unsupported as error:
            return Compiled(None, error, None, None)
        key = (node.sheet, node.array, shape)
        found = self._compiled.get(key)
        if found is None:
            compiler = self._compilers.setdefault((node.sheet, node.array), Compiler(self, node.sheet, node.array))
            try:
                tree = Parser(shape).parse()
            except Unsupported as error:
                found = Compiled(None, error, None, None)
            else:
                try:
                    areas = compiler.areas(tree)
                except Unsupported as error:          # (a name with a relative reference): the fallback's
                    found = Compiled(None, error, tree, None)
                else:
                    try:
                        function = compiler.compile(tree, "array" if node.array else "scalar")
                        found = Compiled(function, None, tree, areas)
                    except Unsupported as error:
                        found = Compiled(None, error, tree, areas)
            self._compiled[key] = found
        return found

    # -- running --

    def run(self, remember: bool = True) -> dict[str, dict]:
        """{sheet: {cell: value}} for every formula cell and array-range cell. With a kept plan, only the
        cells the changed inputs reach are computed (``workbook.calc.dirty``); the others keep the values
        the last run gave them. ``remember``: keep this run's inputs and values for the next (an engine
        that will not be kept has no next run)."""
        if remember:                             # what was loaded, before any formula
            inputs, columns = dict(self.values), list(self._columns)
        if self.steps is None:
            self.steps = self._planned()
            for node in self.nodes.values():     # only a kept cell reads its stored value, when it is planned
                node.cached = None               # or made ready again: the kept engine holds none of them
            stale = None
        else:
            for node in self._external:          # this book's stored values
                self._keep(node)
            stale = self._stale(inputs, columns) if remember else None
        last = None if stale is None else self._since.out
        self._since = None                       # (until this run is complete)
        out: dict[str, dict] = {}
        for step in self.steps:
            if isinstance(step, list):
                target = out.setdefault(self.nodes[step[0]].sheet, {})     # a batch's cells share a sheet
                planned = True                   # the plan's own step (its cells' places found once)
                if stale is not None:
                    for key in step:
                        if key not in stale:
                            self._restore(key, last, out)
                    kept = [key for key in step if key in stale]
                    if not kept:
                        continue
                    if len(kept) < len(step):
                        step, planned = kept, False
                computed = batches.compute(self, step, planned)
                for key in step:
                    node = self.nodes[key]
                    value = computed.get(key)
                    if value is None:
                        self._run_one(node, out)
                    else:                    # a float, which _store keeps as it is
                        self.values[key] = value
                        target[node.ref] = value
                continue
            if stale is None or step in stale:
                self._run_one(self.nodes[step], out)
            else:
                self._restore(step, last, out)
        if remember:                             # (a copy of ``out``: the caller owns it)
            self._since = LastRun(inputs, columns, {sheet: dict(cells) for sheet, cells in out.items()})
        return out

    def _stale(self, inputs: dict, columns: list) -> set | None:
        """The formula cells to compute for this book, or None for all of them: those reading an input
        that differs from the last run's, those downstream of them, and those always computed."""
        since = self._since
        if since is None or self._precedents is None:
            return None
        changed = dirty.changed_inputs(since.inputs, inputs, since.columns, columns)
        if changed is None or self._readers is False:
            return None
        if self._readers is None:
            self._readers = dirty.Readers(self.nodes) if self._members_apart() else False
            dependents: dict = {}
            for key, reads in self._precedents.items():
                for read in reads:
                    if read != key:
                        dependents.setdefault(read, []).append(key)
            self._dependents = dependents
            self._always = {key for key, node in self.nodes.items()
                            if node.kept or node.compiled is None or node.compiled.function is None}
        if self._readers is False:
            return None
        start = self._always | self._fell_back
        for sheet, row, col in changed:
            start.update(self._readers.of(sheet, row, col))
        return dirty.downstream(start, self._dependents)

    def _members_apart(self) -> bool:
        """Whether no two formula cells write one cell (array ranges that overlap each other or a formula
        cell): then a cell's last value in a run is its formula's alone, and can be restored as such."""
        spilled = sum(pkg.range_size(node.spill) - 1 for node in self.nodes.values() if node.spill and ":" in node.spill)
        return spilled == len(self.members) and self.members.keys().isdisjoint(self.nodes.keys())

    def _restore(self, key, last: dict, out: dict):
        """A formula cell no changed input reaches: the values the last run gave it and its array range."""
        node = self.nodes[key]
        before, target = last[node.sheet], out.setdefault(node.sheet, {})
        if not node.array:
            self.values[key] = target[node.ref] = before[node.ref]
            return
        for ref in pkg.range_cells(node.spill or node.ref):
            self.values[(node.sheet, *pkg.split_cell(ref))] = target[ref] = before[ref]

    def _planned(self) -> list:
        """Every cell compiled, and the steps that compute each cell after the cells it reads."""
        precedents = dict.fromkeys(self.nodes)
        index = _FormulaIndex(self.nodes, self.members)
        shaped: dict[int, tuple] = {}     # cells of one compiled shape, their precedents found together
        for key, node in self.nodes.items():
            try:
                compiled = node.compiled = self.compiled(node)
                areas = self._areas_of(node) if compiled.areas is None else None
            except Refused as error:
                raise BookError(f"{node.where}: {error}") from None
            except Unsupported as error:         # what it reads cannot be worked out (a name with a
                if not self.allow_fallback:      # relative reference), by this engine or the fallback
                    raise
                raise BookError(f"{node.where}: the formula cannot be computed headless ({error})") from None
            if isinstance(compiled.reason, External):
                self._keep(node)
                self._external.append(node)
            if areas is None:
                shaped.setdefault(id(compiled), (compiled.areas, []))[1].append(key)
            else:
                precedents[key] = index.formulas_in(areas)
        for areas, keys in shaped.values():
            index.formulas_in_each(areas, keys, precedents)
        self._precedents = precedents
        ordered, left = dependency_order(precedents)
        if left:
            loop = cycle(precedents, left)
            text = " -> ".join(f"{s}!{pkg.column_letters(c)}{r}" for s, r, c in loop)
            more = ("; the workbook enables iterative calculation, which is not supported headless"
                    if self.facts.iterate else "")
            raise BookError(f"circular reference at {text}{more}")
        return batches.schedule(ordered, precedents, self.nodes)

    def _run_one(self, node: Node, out: dict):
        """Compute one formula cell and store its value."""
        key = (node.sheet, node.row, node.col)
        if node.kept:
            out.setdefault(node.sheet, {})[node.ref] = self.values[key]
            return
        if self._columns:                        # its closures read every cell from ``values``
            self.numbers_in_values()
        try:
            value = self._compute(node)
        except (BookError, Unsupported):
            raise
        except Refused as error:
            raise BookError(f"{node.where}: {error}") from None
        except RecursionError:
            raise BookError(f"{node.where}: the formula is nested too deeply to compute") from None
        except Exception as error:  # noqa: BLE001 - a one-line message naming the cell, never a traceback
            raise BookError(f"{node.where}: the formula cannot be computed headless "
                            f"({type(error).__name__}: {error})") from None
        self._store(node, value, out)

    def _areas_of(self, node: Node) -> list:
        compiled = node.compiled
        if compiled.areas is not None:
            return [(sheet, place_area(ends, node.row, node.col)) for sheet, ends in compiled.areas]
        if not self.allow_fallback:
            raise Unsupported(f"{node.where}: {compiled.reason}")
        return self.fallback().areas(node)

    def _keep(self, node: Node):
        """A formula reading another workbook keeps Excel's stored value (that workbook is not here)."""
        tree = node.compiled.tree
        if tree is None or any(ref[0] != "xref" for ref in references(tree)):
            raise BookError(f"{node.where}: the formula mixes a reference to another workbook with cells of this "
                            "one; Excel would use that workbook's current values, which cannot be read headless")
        if node.cached is None or node.cached[1] is None:
            raise BookError(f"{node.where}: the formula reads another workbook and has no stored value to keep")
        kind, raw = node.cached
        try:
            value = _shared(self.book.shared_strings, raw) if kind == "s" else stored_value(kind, raw,
                                                                                             self.facts.date1904)
        except Refused as error:
            raise BookError(f"{node.where}: {error}") from None
        node.kept = True
        self.values[(node.sheet, node.row, node.col)] = value

    def _compute(self, node: Node):
        compiled = node.compiled
        reason = compiled.reason
        if compiled.function is not None:
            try:
                return compiled.function((node.sheet, node.row, node.col))
            except Unsupported as error:
                reason = error
        if not self.allow_fallback:
            raise Unsupported(f"{node.where}: {reason}")
        self._fell_back.add((node.sheet, node.row, node.col))
        return self.fallback().evaluate(node, reason)

    def fallback(self):
        self.numbers_in_values()             # it reads every cell from ``values``
        if self._fallback is None:
            from workbook.calc.fallback import Fallback

            self._fallback = Fallback(self)
        return self._fallback

    def _store(self, node: Node, value, out: dict):
        target = out.setdefault(node.sheet, {})
        if not node.array:
            if isinstance(value, Ref):
                value = value.intersect(node.row, node.col)
            value = top_left(value)
            if value is None or value is MISSING:
                value = 0.0                  # a formula showing an empty cell shows 0
            self.values[(node.sheet, node.row, node.col)] = value
            target[node.ref] = value
            return
        for (r, c), v in array_range(node, value).items():
            self.values[(node.sheet, r, c)] = v
            target[f"{pkg.column_letters(c)}{r}"] = v


def array_range(node: Node, value) -> dict:
    """The cells of an array formula's range from its result, as Excel fills them: a result with one row
    (or column) repeats down (across) a larger range, a single value fills it all, cells beyond a larger
    result are #N/A, and a result larger than the range is cut to it. A dynamic array (spilled) shows its
    result once, not repeated, and may not have outgrown the range recorded in the file."""
    first, _, last = (node.spill or node.ref).partition(":")
    r1, c1 = pkg.split_cell(first)
    r2, c2 = pkg.split_cell(last or first)
    rows, cols = r2 - r1 + 1, c2 - c1 + 1
    if isinstance(value, Ref):
        value = value.grid()
    if isinstance(value, Areas):
        value = VALUE
    grid = value if isinstance(value, np.ndarray) else np.array([[value]], dtype=object)
    if grid.ndim != 2:
        grid = np.atleast_2d(grid)
    height, width = grid.shape
    if node.dynamic and (height > rows or width > cols):
        raise BookError(f"{node.where}: the dynamic array now has {height} x {width} values but the file records "
                        f"a spill range of {rows} x {cols} ({node.spill}); open the workbook in Excel to spill it again")
    out = {}
    for i in range(rows):
        for j in range(cols):
            if not node.dynamic:
                y = 0 if height == 1 else i
                x = 0 if width == 1 else j
            else:
                y, x = i, j
            v = grid[y, x] if y < height and x < width else NA
            out[(r1 + i, c1 + j)] = 0.0 if v is None or v is MISSING else v
    return out


class _CellIndex:
    """Which of a set of cells lie in an area, fast both for a few cells and for whole columns."""

    def __init__(self, keys):
        rows: dict[str, dict[int, list]] = {}
        for sheet, r, c in keys:
            rows.setdefault(sheet, {}).setdefault(r, []).append(c)
        self.rows = {sheet: {r: sorted(cols) for r, cols in by_row.items()} for sheet, by_row in rows.items()}
        self.sorted_rows = {sheet: sorted(by_row) for sheet, by_row in self.rows.items()}

    def cells_in(self, sheet, r1, c1, r2, c2):
        rows = self.sorted_rows.get(sheet, ())
        columns = self.rows.get(sheet, {})
        for r in rows[bisect.bisect_left(rows, r1):bisect.bisect_right(rows, r2)]:
            for c in columns[r]:
                if c1 <= c <= c2:
                    yield r, c


class _FormulaIndex:
    """The formula cell (an array formula's cell for its range) behind each position of an area."""

    def __init__(self, nodes: dict, members: dict):
        self.at = {key: key for key in nodes}
        self.at.update(members)
        self.cells = _CellIndex(self.at)
        self.tables: dict = {}               # sheet -> summed-area table of its formula cells

    def formulas_in_each(self, areas, keys: list, out: dict) -> None:
        """``out[key] = formulas_in(areas placed at key)`` for cells of one formula shape (``areas`` as
        ``Compiled.areas`` holds them). A count of each sheet's formula cells over every placed area, at
        array speed, clears the cells that read none (most cells of a long column read only inputs); the
        others are read one by one."""
        if len(keys) < 16:
            for key in keys:
                out[key] = self.formulas_in([(sheet, place_area(ends, key[1], key[2])) for sheet, ends in areas])
            return
        try:
            reads = self._reads(areas, keys)
        except OverflowError:                # a row past int64 (A99999999999999999999): every cell one by one
            reads = np.ones(len(keys), dtype=bool)
        for i in np.flatnonzero(reads).tolist():
            key = keys[i]
            out[key] = self.formulas_in([(sheet, place_area(ends, key[1], key[2])) for sheet, ends in areas])
        for i in np.flatnonzero(~reads).tolist():
            out[keys[i]] = []

    def _reads(self, areas, keys: list) -> np.ndarray:
        """Whether each cell's placed areas may hold a formula cell (all True when a table cannot tell)."""
        rows = np.fromiter((key[1] for key in keys), dtype=np.int64, count=len(keys))
        cols = np.fromiter((key[2] for key in keys), dtype=np.int64, count=len(keys))
        reads = np.zeros(len(keys), dtype=bool)
        for sheet, ends in areas:
            counts = self._count(sheet, *_placed(ends, rows, cols))
            if counts is None:               # a sheet too sparse for a table: every cell read one by one
                reads[:] = True
                break
            reads |= counts > 0
        return reads

    def _count(self, sheet, r1, c1, r2, c2):
        """How many formula cells lie in each area (arrays of corners, in order), from a summed-area table of
        the sheet's formula cells; None when their bounding box is too large to tabulate."""
        if sheet not in self.tables:
            self.tables[sheet] = self._table(sheet)
        table = self.tables[sheet]
        if table is None:
            return None
        if table is False:
            return np.zeros(len(r1), dtype=np.int64)
        top, left, sums = table
        height, width = sums.shape[0] - 1, sums.shape[1] - 1
        a, b = np.clip(r1 - top, 0, height), np.clip(r2 - top + 1, 0, height)
        c, d = np.clip(c1 - left, 0, width), np.clip(c2 - left + 1, 0, width)
        b, d = np.maximum(a, b), np.maximum(c, d)
        return sums[b, d] - sums[a, d] - sums[b, c] + sums[a, c]

    def _table(self, sheet):
        by_row = self.cells.rows.get(sheet)
        if not by_row:
            return False                     # no formula cell on the sheet
        rows = np.array([r for r, cols in by_row.items() for _ in cols], dtype=np.int64)
        cols = np.array([c for cols in by_row.values() for c in cols], dtype=np.int64)
        top, left = int(rows.min()), int(cols.min())
        height, width = int(rows.max()) - top + 1, int(cols.max()) - left + 1
        if height * width > 4_000_000:
            return None
        sums = np.zeros((height + 1, width + 1), dtype=np.int64)
        np.add.at(sums, (rows - top + 1, cols - left + 1), 1)
        return top, left, sums.cumsum(0).cumsum(1)

    def formulas_in(self, areas) -> list:
        found = []
        at = self.at
        for sheet, (r1, c1, r2, c2) in areas:
            if (r2 - r1 + 1) * (c2 - c1 + 1) <= 64:
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        key = at.get((sheet, r, c))
                        if key is not None:
                            found.append(key)
            else:
                found.extend(at[(sheet, r, c)] for r, c in self.cells.cells_in(sheet, r1, c1, r2, c2))
        return found


_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")
_COLUMNS: dict[str, int] = {}
_DIGITS = "0123456789"


def position(ref: str) -> tuple[int, int]:
    """(row, column) of a cell reference as the sheet XML writes it ('B21'); read for every cell of a
    book, so letters are converted once each."""
    letters = ref.rstrip(_DIGITS)
    if len(ref) - len(letters) > LONGEST_ROW:
        raise BookError(f"{ref[:16]}... is a cell reference with a row of {len(ref) - len(letters):,} digits, "
                        f"past any sheet's last row ({MAX_ROW:,})")
    col = _COLUMNS.get(letters)            # letters met before were checked then
    if col is not None and len(letters) < len(ref):
        return int(ref[len(letters):]), col
    match = _CELL_REF.fullmatch(ref)
    if match is None:
        return pkg.split_cell(ref)          # its one-line error for a malformed reference
    letters, digits = match.groups()
    col = _COLUMNS.get(letters)
    if col is None:
        col = _COLUMNS[letters] = pkg.column_number(letters)
    return int(digits), col


def _placed(ends, rows: np.ndarray, cols: np.ndarray) -> tuple:
    """``place_area`` for many formula cells at once: arrays of (r1, c1, r2, c2), corners in order."""
    absolute_row, r, absolute_col, c = ends[0]
    r1, c1 = (np.full_like(rows, r) if absolute_row else rows + r), (np.full_like(cols, c) if absolute_col else cols + c)
    absolute_row, r, absolute_col, c = ends[-1]
    r2, c2 = (np.full_like(rows, r) if absolute_row else rows + r), (np.full_like(cols, c) if absolute_col else cols + c)
    return np.minimum(r1, r2), np.minimum(c1, c2), np.maximum(r1, r2), np.maximum(c1, c2)


_CELL_REF_LINES = re.compile(r"^([A-Z]{1,3})([0-9]+)$", re.M)


def positions(refs: list[str]) -> tuple[list[int], list[int]]:
    """(rows, columns) of many cell references: ``position`` of each, read in one pass (references the
    sheet XML writes, 'B21'; any other spelling is read one by one, with ``position``'s errors)."""
    text = "\n".join(refs)
    found = _CELL_REF_LINES.findall(text)
    if len(found) != len(refs) or text.count("\n") != len(refs) - 1:   # not plain (or holding a line end)
        pairs = [position(ref) for ref in refs]
        return [r for r, _ in pairs], [c for _, c in pairs]
    if not found:
        return [], []
    letters, digits = zip(*found)
    columns = {}
    for text in set(letters):
        col = _COLUMNS.get(text)
        columns[text] = col if col is not None else _COLUMNS.setdefault(text, pkg.column_number(text))
    try:
        rows = list(map(int, digits))
    except ValueError:                    # a row too long to convert: position names it
        for ref in refs:
            position(ref)
        raise
    return rows, list(map(columns.__getitem__, letters))


def _top_level_parts(text: str) -> list[str]:
    """A name's definition split at commas outside quotes and brackets (several areas)."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _shared(strings: list, raw: str):
    try:
        index = int(raw)
    except ValueError:
        raise Refused(f"the shared-string index {raw!r} is not a number") from None
    if not 0 <= index < len(strings):
        raise Refused(f"shared string {index} does not exist (the table has {len(strings)})")
    return strings[index]


def stored_value(kind: str | None, raw: str, date1904: bool):
    """A stored cell value (its t attribute and <v> text) as the evaluator's value; None for an empty <v/>."""
    if kind is None and raw and "_" not in raw:      # Python's float() would read 1_000; Excel writes no such number
        try:
            number = float(raw)
        except ValueError:
            raise Refused(f"the number {raw!r} cannot be read") from None
        if number - number != 0:                      # inf or nan
            raise Refused(f"the number {raw!r} is not finite")
        return number
    if kind in ("str", "inlineStr"):
        return raw
    if kind == "b":
        if raw not in ("0", "1", "true", "false"):
            raise Refused(f"the logical value {raw!r} is neither 0 nor 1")
        return raw in ("1", "true")
    if kind == "e":
        if raw not in ERRORS:
            raise Refused(f"the error value {raw!r} is not one Excel has")
        return ERRORS[raw]
    if kind == "d":
        try:
            return iso_serial(raw, date1904)
        except Unsupported as error:
            raise Refused(str(error)) from None
    if kind in (None, "n"):
        if raw == "":
            return None
        try:
            number = float(raw)
        except ValueError:
            raise Refused(f"the number {raw!r} cannot be read") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise Refused(f"the number {raw!r} is not finite")
        return number
    raise Refused(f"the cell type {kind!r} is not one Excel writes")


class _Literals:
    """What a formula of literals (``kc eval``) may read: no sheet, no cell, no name."""

    values: dict = {}
    sheets: dict = {}

    def sheet_named(self, name):
        raise Refused(f"the formula refers to the sheet {name!r}; use literal values")

    def name_definition(self, sheet, qualifier, name):
        return None

    def block(self, *area):
        raise Refused("the formula refers to cells; use literal values")


class _LiteralNode:
    """A formula of literals as the fallback sees a cell."""

    sheet, ref, row, col, array = "", "", 1, 1, False
    where = "the formula"

    def __init__(self, formula, compiled):
        self.formula, self.compiled = formula, compiled


def evaluate_literal(formula: str):
    """One formula of literal values (e.g. '=KC_DCF({1,2,3},0.1,0.02)'), computed as a cell would be:
    a scalar, or a list of rows for an array."""
    text = formula.strip()
    text = text[1:] if text.startswith("=") else text
    try:
        tree = Parser(text).parse()
    except Unsupported as error:
        raise BookError(f"cannot parse the formula {formula!r} ({error})") from None
    cells = [node for node in references(tree) if node[0] != "name" or node[2].upper() not in ("TRUE", "FALSE")]
    if cells:
        shown = ", ".join(node[2] if node[0] == "name" else "a reference" for node in cells)
        raise BookError(f"the formula refers to cells or names ({shown}); use literal values")
    literals = _Literals()
    compiler = Compiler(literals, "", False)
    try:
        value = compiler.compile(tree, "scalar")(("", 1, 1))
    except Unsupported as error:
        from workbook.calc.fallback import Fallback

        node = _LiteralNode(text, Compiled(None, error, tree, ()))
        value = Fallback(literals).evaluate(node, error)
    except Refused as error:
        raise BookError(str(error)) from None
    if isinstance(value, np.ndarray):
        return value[0, 0] if value.shape == (1, 1) else value.tolist()
    return 0.0 if value is None or value is MISSING else value


def plan_key(book: Workbook, cells, facts: WorkbookFacts, fallback: bool) -> tuple:
    """Everything the compiled shapes and the order of computation depend on: every formula cell (sheet,
    reference, formula, array range, dynamic or not), the sheets, the defined names, the date system,
    and whether formulas may fall back. Values and stored results are not in it."""
    # A list per field rather than a tuple per cell: the kept key costs a pointer per field and cell.
    return (fallback, tuple(book.sheet_parts), facts) + tuple(list(map(itemgetter(k), cells)) for k in range(5))


# The engine of the last book computed, its values forgotten: the next book with the same plan_key (the
# same model refreshed again, or the next copy of a template) computes with its compiled shapes and
# order instead of working them out again. One at a time, so a thread that finds it taken makes its own.
_last: list[tuple[tuple, Engine]] = []
_last_lock = threading.Lock()
# Cells of a book whose plan is kept: its formula cells and the cells of its array ranges, since the plan
# holds an entry for each (one range may have 2,000,000). Kept, a cell costs about 450 bytes once the
# book is gone (its key's strings included); more where many shapes hold their own closures (1.3 KB a
# cell in the template, 782 shapes), and the last run's inputs and values (``LastRun``): 7.1 MB kept for the
# 10,000-cell bench book, 2.0 MB of it the last run's; 5.5 MB for the template, 0.5 MB of it the last run's.
KEPT_AT_MOST = 50_000


def _after_fork_in_child():
    """A pool worker starts with no kept engine and a lock of its own: another thread of the parent may
    have held the lock at the fork, and would never release it in the child."""
    global _last_lock
    _last_lock = threading.Lock()
    _last.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def forget_plans(kc_results_too: bool = True) -> None:
    """Drop the kept engine and the remembered KC_* results (``kc_results``), so the next book is compiled
    and computed afresh, as the first book of a process is (tests that change the compiler's rules)."""
    if kc_results_too:
        kc_results.forget()
    with _last_lock:
        for _, engine in _last:
            engine.release()
        _last.clear()


def evaluate(book: Workbook, cells, *, fallback: bool = True) -> dict[str, dict]:
    """{sheet: {cell: value}} for every formula cell and array-range cell; with ``fallback`` False a
    formula outside the fast evaluator raises ``Unsupported`` naming its cell."""
    facts = workbook_facts(book)
    key = plan_key(book, cells, facts, fallback) if len(cells) <= KEPT_AT_MOST else None   # (else never kept)
    kept = None
    with _last_lock:
        if key is not None and _last and _last[0][0] == key:
            kept = _last.pop()[1]
    engine = Engine(book, cells, fallback=fallback, facts=facts) if kept is None else kept
    keep = key is not None and len(cells) + len(engine.members) <= KEPT_AT_MOST
    try:
        if kept is not None:     # in the try: a refused value of this book lets the engine go (``release``)
            kept.again(book, cells, facts)
        result = engine.run(remember=keep)
    except BaseException:
        engine.release()
        raise
    if not keep:
        engine.release()
        return result
    engine._forget_values()
    with _last_lock:
        for _, old in _last:
            old.release()
        _last[:] = [(key, engine)]
    return result
