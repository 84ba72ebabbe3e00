"""``kc excel-setup``: one command that wires Windows Excel to the KC functions.

It installs xlwings' Excel add-in (``xlwings addin install``), writes the user's xlwings configuration
(``~/.xlwings/xlwings.conf``: ``UDF Modules`` = our module, ``Interpreter_Win`` = this Python, and the
project folder on ``PYTHONPATH`` when the package is not installed), and prints the one step left to
the analyst. ``plan`` decides all of it from plain inputs, so it is tested on any machine; ``run``
acts on it and refuses anywhere but Windows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

UDF_MODULE = "addin.functions"
MANUAL_STEP = ("In Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings, tick 'Trust "
               "access to the VBA project object model'; then open KC_Model.xlsx (save it as .xlsm), click "
               "xlwings > Import Functions, and press Ctrl+Alt+F9: the Self-check sheet must show OK.")


@dataclass(frozen=True)
class SetupPlan:
    commands: list[list[str]]
    config_path: Path
    config_text: str
    manual_step: str


def merge_config(existing: str, settings: dict[str, str]) -> str:
    """xlwings.conf is one '"KEY","VALUE"' per line; ours replace same-named keys, others stay."""
    keep = []
    for line in existing.splitlines():
        key = line.split(",", 1)[0].strip().strip('"').lower()
        if key and key not in {k.lower() for k in settings}:
            keep.append(line)
    return "\n".join(keep + [f'"{k}","{v}"' for k, v in settings.items()]) + "\n"


def plan(executable: str, home: Path, project_root: Path | None, existing_config: str = "") -> SetupPlan:
    settings = {"UDF Modules": UDF_MODULE, "Interpreter_Win": executable}
    if project_root is not None:
        settings["PYTHONPATH"] = str(project_root)
    config_path = home / ".xlwings" / "xlwings.conf"
    return SetupPlan([[executable, "-m", "xlwings", "addin", "install"]], config_path,
                     merge_config(existing_config, settings), MANUAL_STEP)


def project_root_if_not_installed() -> Path | None:
    """The checkout folder when the package runs from source (so Excel's Python can import it)."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").exists() and "site-packages" not in str(here) else None


def run(platform: str = sys.platform) -> int:
    if not platform.startswith("win"):
        print("kc excel-setup: Excel's xlwings add-in needs Windows; on this machine use kc refresh / kc freeze "
              "to work with the workbook headless.", file=sys.stderr)
        return 2
    home = Path(os.path.expanduser("~"))
    config = home / ".xlwings" / "xlwings.conf"
    setup = plan(sys.executable, home, project_root_if_not_installed(),
                 config.read_text(encoding="utf-8") if config.exists() else "")
    for command in setup.commands:
        subprocess.run(command, check=True)
    setup.config_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = setup.config_path.with_name(setup.config_path.name + ".tmp")
    temporary.write_text(setup.config_text, encoding="utf-8")
    os.replace(temporary, setup.config_path)
    print(f"xlwings add-in installed; settings written to {setup.config_path}")
    print("One step left: " + setup.manual_step)
    return 0
