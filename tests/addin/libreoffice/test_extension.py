"""The extension's parts, built from the project's files, and the setup command's refusals (no LibreOffice
needed)."""

import ast
import zipfile
from pathlib import Path

import pytest

from addin.libreoffice import IDENTIFIER, SERVICE, SetupError, extension, programs, setup
from workbook import commands as cli


def test_the_component_gets_the_project_folders_and_stays_importable_source():
    paths, compiled = extension.search_paths()
    root = Path(__file__).resolve().parents[3]
    assert paths[0] == str(root) or str(root) in paths
    assert compiled  # numpy's compiled modules: LibreOffice's Python must be the same version
    assert any((Path(p) / "numpy").is_dir() for p in paths)
    source = extension.component_source(paths)
    tree = ast.parse(source)
    assigned = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in ("SEARCH_PATHS", "IMPLEMENTATION")}
    assert assigned == {"SEARCH_PATHS": paths, "IMPLEMENTATION": SERVICE}
    # The IDL type is imported when an instance is made, not when unopkg imports the file.
    top_imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all("org" not in ast.dump(n) for n in top_imports)


def test_the_idl_declares_the_one_method_the_wrappers_call():
    assert "interface XKcAddin : com::sun::star::uno::XInterface" in extension.IDL
    assert "any KCCALL([in] string name, [in] sequence< any > args);" in extension.IDL


def test_the_oxt_holds_manifest_description_types_and_component_and_is_reproducible(tmp_path):
    first = extension.write_oxt(tmp_path / "a.oxt", b"types", "component = 1\n", "1.2.3")
    second = extension.write_oxt(tmp_path / "b.oxt", b"types", "component = 1\n", "1.2.3")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as oxt:
        assert oxt.namelist() == ["META-INF/manifest.xml", "description.xml", extension.TYPES_FILE,
                                  extension.COMPONENT_FILE]
        manifest = oxt.read("META-INF/manifest.xml").decode()
        assert f'full-path="{extension.COMPONENT_FILE}" manifest:media-type="application/vnd.sun.star.uno-component;' \
               f'type=Python"' in manifest
        assert f'full-path="{extension.TYPES_FILE}"' in manifest and "CalcAddIns" not in manifest
        description = oxt.read("description.xml").decode()
        assert f'<identifier value="{IDENTIFIER}"/>' in description and '<version value="1.2.3"/>' in description


def one_line(text):
    return text.strip() and len(text.strip().splitlines()) == 1


def test_setup_without_libreoffice_exits_2_naming_the_debian_package(monkeypatch, capsys):
    monkeypatch.setattr(programs, "soffice_path", lambda: None)
    assert cli.main(["libreoffice-setup"]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and err.startswith("kc libreoffice-setup: LibreOffice is not installed")
    assert "libreoffice-calc-nogui" in err and "Traceback" not in err


def test_setup_without_the_idl_compiler_exits_2_naming_libreoffice_dev(monkeypatch, capsys, tmp_path):
    program = tmp_path / "program"
    program.mkdir()
    for name in ("soffice", "unopkg"):
        (program / name).write_text("#!/bin/sh\n")
        (program / name).chmod(0o755)
    (program / "pythonloader.py").write_text("")
    monkeypatch.setattr(programs, "soffice_path", lambda: program / "soffice")
    monkeypatch.setattr(programs.shutil, "which", lambda name: None)
    assert cli.main(["libreoffice-setup"]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "unoidl-write" in err and "libreoffice-dev" in err


def test_setup_without_the_python_bridge_names_python3_uno(monkeypatch, tmp_path):
    program = tmp_path / "program"
    program.mkdir()
    (program / "soffice").write_text("")
    (program / "unopkg").write_text("")
    (program / "unopkg").chmod(0o755)
    monkeypatch.setattr(programs, "soffice_path", lambda: program / "soffice")
    monkeypatch.setattr(programs.shutil, "which", lambda name: None)
    with pytest.raises(SetupError, match="python3-uno"):
        programs.find_programs()


def test_a_python_version_that_cannot_load_numpy_there_is_refused(tmp_path):
    program = tmp_path / "program"
    program.mkdir()
    (program / "pythonloader.unorc").write_text("[Bootstrap]\nPYTHONHOME=file:///usr/lib/python3.9\n")
    found = programs.Programs(program / "soffice", program / "unopkg", program, None)
    assert found.python_version() == (3, 9)
    with pytest.raises(SetupError, match=r"LibreOffice runs Python 3\.9"):
        setup.check_python(found, ["/src", "/venv/site-packages"], compiled=True)
    setup.check_python(found, ["/src"], compiled=False)  # pure Python code loads in any 3.x


def test_a_running_libreoffice_on_the_profile_is_refused(tmp_path, capsys, monkeypatch):
    (tmp_path / ".lock").write_text("host,pid")
    from addin.libreoffice import profile

    with pytest.raises(SetupError, match="LibreOffice is running with the profile"):
        profile.check_not_running(tmp_path)


def test_a_profile_that_is_not_a_folder_is_refused_before_anything_is_installed(tmp_path, capsys, monkeypatch):
    called = []
    monkeypatch.setattr(setup, "find_programs", lambda **_: called.append(1))
    not_a_folder = tmp_path / "profile.txt"
    not_a_folder.write_text("")
    assert cli.main(["libreoffice-setup", "--profile", str(not_a_folder)]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and f"--profile {not_a_folder}: not a folder" in err and called == []
