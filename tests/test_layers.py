"""Imports run one way: kcfuncs <- addin <- workbook, and inside workbook commands <- template <- calc /
company <- xlsx <- errors. Every import of every module is read from its source (function-level ones
included), so a lazy import cannot hide a cycle."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kcfuncs", "addin", "workbook")
TOP_RANK = {"kcfuncs": 0, "addin": 1, "workbook": 2}
# Inside workbook: a layer may import its own and lower layers only; calc and company stay apart.
WORKBOOK_RANK = {"errors": 0, "xlsx": 1, "calc": 2, "company": 2, "template": 3, "commands": 4}


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(p for p in parts if p != "__init__"), path


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def workbook_layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "workbook" and len(parts) > 1 else None


def violations() -> list[str]:
    known = {name for name, _ in modules()}
    problems = []
    for module, path in modules():
        for target in imports_of(path):
            if target not in known and target.rsplit(".", 1)[0] not in known:
                continue
            source_top, target_top = module.split(".")[0], target.split(".")[0]
            if TOP_RANK[target_top] > TOP_RANK[source_top]:
                problems.append(f"{module} imports {target} (a higher package)")
                continue
            source_layer, target_layer = workbook_layer(module), workbook_layer(target)
            if source_top == target_top == "workbook" and source_layer and target_layer \
                    and target_layer != source_layer:
                if WORKBOOK_RANK[target_layer] >= WORKBOOK_RANK[source_layer]:
                    problems.append(f"{module} imports {target} (workbook.{target_layer} is not below "
                                    f"workbook.{source_layer})")
    return problems


def test_every_package_and_layer_is_known():
    for module, _ in modules():
        layer = workbook_layer(module)
        assert layer is None or layer in WORKBOOK_RANK, module


def test_imports_run_one_way():
    assert violations() == []


def test_the_walk_sees_lazy_imports(tmp_path):
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from workbook.commands import main\n    import addin.registry\n")
    assert imports_of(source) == {"workbook.commands", "workbook.commands.main", "addin.registry"}


@pytest.mark.parametrize("module", ["addin.registry", "addin.catalog", "workbook.calc.fast_engine",
                                    "workbook.calc.formulas_engine", "workbook.commands.refresh"])
def test_engines_and_the_registry_do_not_import_xlwings(module):
    code = f"import sys, {module}; print('xlwings' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "False"


def test_the_core_imports_nothing_of_excel_or_files():
    banned = {"xlwings", "openpyxl", "xlsxwriter", "formulas", "zipfile", "pathlib", "subprocess"}
    for module, path in modules():
        if module.startswith("kcfuncs"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            assert not names & banned, (module, names & banned)
