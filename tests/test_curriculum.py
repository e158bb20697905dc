"""The starter curriculum meets CURRICULUM.md: what every module notebook has, checked without kernels.

Running every module (solutions pass, untouched releases fail, no leaks) is `iioe verify`, which
`make test` runs over the whole curriculum together with `i18n status --strict` and `build --check`.
"""
from __future__ import annotations

import json
import re

import pytest

from iioe_nb import translation
from iioe_nb.catalog import load_catalog
from iioe_nb.paths import Project

from conftest import REPO

PROJECT = Project.discover(REPO)
CATALOG = load_catalog(PROJECT)
MODULES = [m.id for _c, m in CATALOG.modules]


def _cells(module):
    nb = json.loads(PROJECT.module_notebook(module).read_text(encoding="utf-8"))
    return nb["cells"]


def test_six_courses_eighteen_modules_three_programmes():
    assert len(CATALOG.courses) == 6 and len(MODULES) == 18
    assert all(len(c.modules) == 3 for c in CATALOG.courses)
    special = CATALOG.course("pandemic-data")
    assert special.programme == "special" and special.series == "covid-19"


@pytest.mark.parametrize("module", MODULES)
def test_module_has_what_every_module_must_have(module):
    cells = _cells(module)
    meta = [translation.nbgrader_meta(c) for c in cells]
    first = translation.cell_source(cells[0])
    _course, entry = CATALOG.module(module)
    for code in entry.competencies:
        assert code in first, f"first cell must name competency {code}"
    assert re.search(r"\d+\s*min", first), "first cell must give the estimated time"
    answers = [c for c, m in zip(cells, meta) if m.get("solution") and c["cell_type"] == "code"]
    tests = [c for c, m in zip(cells, meta) if m.get("grade") and c["cell_type"] == "code"]
    tasks = [c for c, m in zip(cells, meta) if m.get("task")]
    assert len(answers) >= 3, "at least three autograded exercises"
    assert len(tests) >= 3
    visible_checks = sum("check(" in translation.cell_source(c).split("### BEGIN HIDDEN TESTS")[0] for c in tests)
    hidden = sum("### BEGIN HIDDEN TESTS" in translation.cell_source(c) for c in tests)
    assert visible_checks >= 3 and hidden >= 3, "visible (translated) and hidden tests"
    assert tasks and all("BEGIN MARK SCHEME" in translation.cell_source(c) for c in tasks), "reflection with a rubric"
    code = "\n".join(translation.cell_source(c) for c in cells if c["cell_type"] == "code")
    assert "import ipywidgets" in code or "from ipywidgets" in code, "at least one widget"
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), "source notebooks carry no outputs"


@pytest.mark.parametrize("module", MODULES)
def test_data_files_are_small_and_shipped(module):
    for path in PROJECT.module_data_files(module):
        assert path.stat().st_size < 100 * 1024, f"{path.name} is over 100 KB"
    source = "\n".join(translation.cell_source(c) for c in _cells(module))
    assert not re.search(r"(urlopen|requests\.get|read_csv\(['\"]https?:)", source), "nothing downloaded at run time"


@pytest.mark.parametrize("module", MODULES)
def test_release_notebooks_are_small(module):
    for lang in ("en", "fr", "zh"):
        path = PROJECT.release_notebook(module, lang)
        assert path.stat().st_size < 150 * 1024, f"{path} is over 150 KB"
