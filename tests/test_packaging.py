"""The install contract: pyproject and environment.yml agree; README's two commands are Makefile targets."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml
from packaging.requirements import Requirement

from conftest import REPO


def _pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_environment_yml_lists_the_same_dependencies():
    project = _pyproject()["project"]
    wanted = {_norm(Requirement(r).name): Requirement(r).specifier for r in
              project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    have = {}
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            entry = entry.split("#")[0].strip()
            if entry in ("pip", "-e .") or entry.startswith("python"):
                continue
            req = Requirement(entry)
            have[_norm(req.name)] = req.specifier
    assert have == wanted


def test_readme_quick_start_is_the_two_make_targets():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```(?:sh|bash)?\n(.*?)```", readme, re.S)
    assert block, "README needs a '## Quick start' section with a code block"
    commands = [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["make demo", "make test"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("setup", "demo", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no '{target}' target"
    assert ".venv" in makefile
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_check_module_is_installed_and_shipped_alike():
    import iioe_check

    from iioe_nb.build import SHIPPED_CHECK

    assert iioe_check.__file__ == str(SHIPPED_CHECK)
    assert iioe_check.tr("{n} files", n=3) == "3 files"
    assert iioe_check.check(True, "never shown")
    try:
        iioe_check.check(False, "Total should be {want}, not {got}.", want=3, got=4)
    except AssertionError as exc:
        assert str(exc) == "Total should be 3, not 4."
    else:
        raise AssertionError("check(False, ...) must raise")


def test_shipped_check_module_needs_only_the_standard_library():
    from iioe_nb.build import SHIPPED_CHECK

    import ast

    tree = ast.parse(SHIPPED_CHECK.read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported and imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from iioe_nb.cli import cli\n"
            "try:\n    cli(['--help'], prog_name='iioe', obj={})\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('nbgrader', 'nbformat', 'pandas', 'jupyter_client', 'pydantic', 'babel', 'mdpo') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout
