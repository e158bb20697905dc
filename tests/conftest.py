"""Shared fixtures: a copy of the minimal course repository, notebook factories, the CLI runner."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from iioe_nb.messages import set_language
from iioe_nb.paths import Project

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


def fixture_path(*parts: str) -> Path:
    """The one way tests find fixture files."""
    return FIXTURES.joinpath(*parts)


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.delenv("IIOE_LANG", raising=False)
    monkeypatch.delenv("IIOE_ROOT", raising=False)
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def minimal(tmp_path, monkeypatch) -> Project:
    """A writable copy of tests/fixtures/minimal (one course, one module, fr and zh translations)."""
    root = tmp_path / "repo"
    shutil.copytree(fixture_path("minimal"), root, ignore=shutil.ignore_patterns("release", ".iioe"))
    monkeypatch.setenv("IIOE_HOME", str(tmp_path / "home"))
    return Project.discover(root)


@pytest.fixture
def run_cli():
    """Run ``iioe`` in-process; returns click's Result (exit_code, stdout, stderr)."""
    from iioe_nb.cli import cli

    def run(*args: str, root: Path | None = None):
        argv = (["--root", str(root)] if root else []) + list(args)
        return CliRunner().invoke(cli, argv, obj={}, catch_exceptions=False)

    return run


def nbg(grade_id: str, **flags) -> dict:
    meta = {"grade": False, "solution": False, "locked": False, "schema_version": 3, "grade_id": grade_id}
    meta.update(flags)
    return {"nbgrader": meta}


def cell(kind: str, source: str, cid: str, metadata: dict | None = None) -> dict:
    out = {"cell_type": kind, "id": cid, "metadata": metadata or {}, "source": source}
    if kind == "code":
        out.update(outputs=[], execution_count=None)
    return out


def notebook(*cells: dict) -> dict:
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def write_notebook(path: Path, nb: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path
