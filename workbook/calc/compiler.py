"""Expression trees (``workbook.calc.grammar``) into Python closures over the cell being computed.

A closure takes ``ctx`` = (sheet, row, column) of the formula's cell, so cells that share an R1C1 shape
share one closure. How a reference is read depends on where it sits (Excel's rules, see
``workbook.calc.functions`` for parameter kinds): in a parameter that takes a reference it stays a
``Ref``; elsewhere a range meets implicit intersection with the formula's row or column ("scalar"
mode), is a whole array (in an array formula, or inside SUMPRODUCT: "array" mode), or is refused
where Excel's handling is not documented ("strict" mode). Anything outside the vocabulary raises
``Unsupported`` while compiling (or, for what depends on values, while computing).
"""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np
from formulas.tokens.operand import XlError

from addin.arguments import as_handed_over
from addin.registry import FUNCTIONS as EXCEL_FUNCTIONS
from workbook.calc import functions
from workbook.calc.grammar import MAX_COLUMN, MAX_ROW, place_area, references
from workbook.calc.kc_results import remembered
from workbook.calc.values import (MISSING, NAME, REF, VALUE, Areas, External, Ref, Unsupported, lift, negate,
                                  operation, percent, top_left, truth)

DEEPEST = 200                 # nesting of a compiled formula (Excel itself allows 64 nested functions)


def _inside(r1, c1, r2, c2) -> bool:
    return 1 <= r1 and r2 <= MAX_ROW and 1 <= c1 and c2 <= MAX_COLUMN


def _error_text(value):
    return str(value) if isinstance(value, XlError) else None


def _omitted(value) -> bool:
    return value is MISSING


_DECLARED: dict[str, int] = {}


def handed_over(name: str, value):
    """An argument of the KC_* function ``name`` as xlwings hands it over in Excel (NOTES §1)."""
    if isinstance(value, Ref):
        if value.r1 == value.r2 and value.c1 == value.c2:
            value = value.value(value.r1, value.c1)
            if type(value) is float:
                return value
        else:
            grid = value.grid()
            if all(type(v) is float for v in grid.flat):   # what a range of numbers is: as is
                return grid.tolist()
            value = grid
    elif isinstance(value, Areas):
        raise Unsupported(f"{name} given several areas")
    elif type(value) is float:
        return value
    return as_handed_over(value, _omitted, _error_text)


def _declared_count(name: str, function) -> int:
    if name not in _DECLARED:
        _DECLARED[name] = len(inspect.signature(function).parameters)
    return _DECLARED[name]


class Compiler:
    """Compiles trees for formulas on one sheet, in array-formula mode or not. ``engine`` supplies what
    closures read: ``values`` ({(sheet, row, column): value}), ``block(sheet, r1, c1, r2, c2)``,
    ``sheet_named(text)`` and ``name_definition(sheet, qualifier, name)`` (``fast_engine.Engine``)."""

    def __init__(self, engine, sheet: str, array: bool):
        self.engine, self.sheet, self.array = engine, sheet, array
        self.names_open: set = set()

    # -- the formula's references, for the dependency order --

    def areas(self, tree) -> tuple:
        found = []
        todo = list(references(tree))
        seen_names: set = set()
        while todo:
            node = todo.pop()
            if node[0] == "ref":
                found.append((self.engine.sheet_named(node[1]) if node[1] else self.sheet, node[2]))
            elif node[0] == "name":
                key = (node[1], node[2].upper())
                if key in seen_names:
                    continue
                seen_names.add(key)
                qualifier = self.engine.sheet_named(node[1]) if node[1] else None
                definition = self.engine.name_definition(self.sheet, qualifier, node[2])
                if definition is None:
                    continue
                kind, content = definition
                if kind == "areas":
                    found.extend(content)
                else:
                    todo.extend(references(content))
        return tuple(found)

    # -- trees into closures over ctx = (sheet, row, column) --

    def compile(self, node, mode: str, keep_ref: bool = False, depth: int = 0) -> Callable:
        """``mode``: "scalar" (ranges meet implicit intersection), "array" (ranges are whole arrays) or
        "strict" (a range here is refused). ``keep_ref``: a reference is returned as a reference."""
        if depth > DEEPEST:
            raise Unsupported(f"a formula nested more than {DEEPEST} levels deep")
        kind = node[0]
        if kind == "const":
            value = node[1]
            return lambda ctx: value
        if kind == "missing":
            return lambda ctx: MISSING
        if kind == "ref":
            sheet = self.engine.sheet_named(node[1]) if node[1] else self.sheet
            return self._reference(sheet, node[2], mode, keep_ref)
        if kind == "name":
            return self._name(node[1], node[2], mode, keep_ref, depth)
        if kind == "xref":
            raise External("a reference to another workbook")
        if kind == "neg":
            inner = self.compile(node[1], mode, depth=depth + 1)
            return lambda ctx: negate(inner(ctx))
        if kind == "pct":
            inner = self.compile(node[1], mode, depth=depth + 1)
            return lambda ctx: percent(inner(ctx))
        if kind == "bin":
            return self._chain(node, mode, depth)
        if kind == "call":
            return self._call(node[1], node[2], mode, keep_ref, depth)
        raise Unsupported(f"node {kind}")

    def _chain(self, node, mode, depth):
        """A run of left-associative operators (A1+A2+...+A1000) as one loop, not a deep tree."""
        steps = []
        while node[0] == "bin":
            steps.append((node[1], self.compile(node[3], mode, depth=depth + 1)))
            node = node[2]
        first = self.compile(node, mode, depth=depth + 1)
        steps.reverse()
        if len(steps) == 1:
            (op, right), = steps
            return lambda ctx: operation(op, first(ctx), right(ctx))

        def run(ctx):
            value = first(ctx)
            for op, right in steps:
                value = operation(op, value, right(ctx))
            return value
        return run

    def _reference(self, sheet, ends, mode, keep_ref):
        engine = self.engine
        if len(ends) == 1 or ends[0] == ends[-1]:
            absolute_row, r, absolute_col, c = ends[0]
            values = engine.values
            if keep_ref:
                def cell_ref(ctx):
                    row, col = (r if absolute_row else ctx[1] + r), (c if absolute_col else ctx[2] + c)
                    if not _inside(row, col, row, col):
                        return REF
                    return Ref(engine, sheet, row, col, row, col)
                return cell_ref

            def read_cell(ctx):
                row, col = (r if absolute_row else ctx[1] + r), (c if absolute_col else ctx[2] + c)
                if not _inside(row, col, row, col):
                    return REF
                return values.get((sheet, row, col))
            return read_cell

        def area(ctx):
            r1, c1, r2, c2 = place_area(ends, ctx[1], ctx[2])
            return (r1, c1, r2, c2) if _inside(r1, c1, r2, c2) else None

        if keep_ref:
            def range_ref(ctx):
                box = area(ctx)
                return REF if box is None else Ref(engine, sheet, *box)
            return range_ref
        if mode == "array":
            def read_block(ctx):
                box = area(ctx)
                return REF if box is None else engine.block(sheet, *box)
            return read_block
        if mode == "strict":
            raise Unsupported("a range inside an expression where Excel's handling of it is not documented")

        def intersect(ctx):
            box = area(ctx)
            return REF if box is None else Ref(engine, sheet, *box).intersect(ctx[1], ctx[2])
        return intersect

    def _name(self, qualifier, name, mode, keep_ref, depth):
        qualifier = self.engine.sheet_named(qualifier) if qualifier else None
        definition = self.engine.name_definition(self.sheet, qualifier, name)
        if definition is None:
            if qualifier is not None:
                raise Unsupported(f"the name {qualifier}!{name}, not defined for that sheet")
            return lambda ctx: NAME                        # Excel: #NAME? for a name nobody defined
        kind, content = definition
        if kind == "areas":
            if len(content) == 1:
                sheet, ends = content[0]
                return self._reference(sheet, ends, mode, keep_ref)
            if not keep_ref:
                raise Unsupported(f"the name {name} (several areas) outside a function that takes references")
            parts = [self._reference(sheet, ends, mode, True) for sheet, ends in content]
            return lambda ctx: Areas(part(ctx) for part in parts)
        key = (qualifier, name.upper())
        if key in self.names_open:
            raise Unsupported(f"the name {name} is defined through itself")
        self.names_open.add(key)
        try:
            return self.compile(content, mode, keep_ref, depth + 1)
        finally:
            self.names_open.discard(key)

    def _argument(self, node, kind, mode, depth):
        """An argument by its parameter's kind (see ``workbook.calc.functions``)."""
        direct = node[0] in ("ref", "name") or (node[0] == "call" and node[1] in ("IF", "INDEX"))
        if kind == "value":
            return self.compile(node, mode, depth=depth + 1)
        if direct:
            return self.compile(node, mode, keep_ref=True, depth=depth + 1)
        if kind == "sumref":
            return self.compile(node, mode, depth=depth + 1)
        if kind == "array" or mode == "array":
            return self.compile(node, "array", depth=depth + 1)
        return self.compile(node, "strict", depth=depth + 1)

    def _call(self, name, args, mode, keep_ref, depth):
        if name == "IF":
            return self._if(args, mode, keep_ref, depth)
        if name == "IFERROR":
            return self._iferror(args, mode, depth)
        if name == "SINGLE":                     # Excel's @ operator, as stored in a file
            return self._single(args, depth)
        if name.startswith("KC_") and name in EXCEL_FUNCTIONS:
            return self._kc(name, args, mode, depth)
        spec = functions.NATIVE.get(name)
        if spec is None:
            raise Unsupported(f"function {name}")
        fewest, most = spec.arity
        if len(args) < fewest or (most is not None and len(args) > most):
            raise Unsupported(f"{name} with {len(args)} arguments")
        kinds = [spec.kind(i) for i in range(len(args))]
        compiled = [self._argument(a, k, mode, depth) for a, k in zip(args, kinds)]
        value_positions = [i for i, k in enumerate(kinds) if k == "value"]
        function, lifts, errors_in = spec.function, spec.lifts, spec.errors_in
        finish = None
        if name == "INDEX" and not keep_ref:
            finish = self._dereference(mode)

        def call(ctx):
            values = [a(ctx) for a in compiled]
            arrays = False
            for i in value_positions:
                v = values[i]
                if isinstance(v, XlError) and not errors_in:
                    return v
                if isinstance(v, np.ndarray):
                    arrays = True
            if arrays:
                if not lifts:
                    raise Unsupported(f"{name} of an array where it takes one value")
                return lift(function, *values)
            result = function(*values)
            return finish(result, ctx) if finish is not None else result

        return call

    def _dereference(self, mode):
        """What a reference a function returned (INDEX) is where a value is wanted."""
        def finish(result, ctx):
            if not isinstance(result, Ref):
                return result
            if result.shape == (1, 1):
                return result.value(result.r1, result.c1)
            if mode == "array":
                return result.grid()
            if mode == "strict":
                raise Unsupported("a range returned by INDEX where Excel's handling of it is not documented")
            return result.intersect(ctx[1], ctx[2])
        return finish

    def _if(self, args, mode, keep_ref, depth):
        if not 2 <= len(args) <= 3:
            raise Unsupported("IF takes 2 or 3 arguments")
        condition = self.compile(args[0], mode, depth=depth + 1)
        branches = [self.compile(a, mode, keep_ref, depth + 1) for a in args[1:]]
        when_true = branches[0]
        when_false = branches[1] if len(branches) == 2 else None

        def choose(ctx):
            test = condition(ctx)
            if isinstance(test, np.ndarray):
                raise Unsupported("IF of an array of conditions")
            test = truth(test)
            if isinstance(test, XlError):
                return test
            if test:
                value = when_true(ctx)
            else:
                value = when_false(ctx) if when_false is not None else False
            return 0.0 if value is MISSING else value
        return choose

    def _iferror(self, args, mode, depth):
        if len(args) != 2:
            raise Unsupported("IFERROR takes 2 arguments")
        first, instead = (self.compile(a, mode, depth=depth + 1) for a in args)

        def guarded(ctx):
            value = first(ctx)
            if isinstance(value, np.ndarray):
                if not any(isinstance(v, XlError) for v in value.flat):
                    return value
                alternative = instead(ctx)
                if isinstance(alternative, np.ndarray):
                    raise Unsupported("IFERROR of two arrays")
                return lift(lambda v: alternative if isinstance(v, XlError) else v, value)
            if isinstance(value, XlError):
                value = instead(ctx)
            return 0.0 if value is MISSING else value
        return guarded

    def _single(self, args, depth):
        if len(args) != 1:
            raise Unsupported("@ of several arguments")
        inner = self.compile(args[0], "scalar", keep_ref=True, depth=depth + 1)

        def single(ctx):
            value = inner(ctx)
            if isinstance(value, Ref):
                return value.intersect(ctx[1], ctx[2])
            if isinstance(value, Areas):
                return VALUE
            return top_left(value)
        return single

    def _kc(self, name, args, mode, depth):
        """A KC_* function, handed its arguments as xlwings hands them over in Excel (NOTES §1)."""
        function = EXCEL_FUNCTIONS[name]
        declared = _declared_count(name, function)
        compiled = [self._argument(a, "ref", mode, depth) for a in args]
        padding = [None] * max(0, declared - len(args))   # omitted trailing arguments: None, as xlwings

        def call(ctx):
            result = remembered(name, function, [handed_over(name, a(ctx)) for a in compiled] + padding)
            if isinstance(result, (list, np.ndarray)):
                return np.array(result, dtype=object, ndmin=2)
            return result
        return call
