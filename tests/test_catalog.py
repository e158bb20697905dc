"""Catalog schema and cross-reference checks: each broken file gives one located, actionable problem."""
from __future__ import annotations

import re

import pytest

from iioe_nb.catalog import load_catalog, read_catalog
from iioe_nb.errors import CatalogError, UsageError

from conftest import REPO


def _problems(project):
    _cat, problems = read_catalog(project)
    return [p for p in problems if p.severity == "error"]


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _add_course(project, course_id, prerequisites="[]", module_id=None, competencies="[DIG-KA]"):
    module_id = module_id or f"{course_id}-intro"
    (project.courses_dir / f"{course_id}.yml").write_text(f"""\
id: {course_id}
title: {{en: "T", fr: "T", zh: "T"}}
summary: {{en: "S", fr: "S", zh: "S"}}
track: discipline
programme: regular
hours: 1
languages: [en, fr, zh]
prerequisites: {prerequisites}
competencies: {competencies}
modules:
  - id: {module_id}
    title: {{en: "M", fr: "M", zh: "M"}}
    competencies: {competencies}
    minutes: 10
    assignment: {module_id}
    points: 4
    packages: []
""", encoding="utf-8")
    # reuse the sample notebook so only the property under test is wrong
    import shutil
    if module_id != "sample-unit-rates":
        src = project.module_notebook("sample-unit-rates")
        project.module_dir(module_id).mkdir(parents=True, exist_ok=True)
        shutil.copy(src, project.module_notebook(module_id))


def test_repository_catalog_is_clean():
    from iioe_nb.paths import Project

    project = Project.discover(REPO)
    cat, problems = read_catalog(project)
    assert [p.format() for p in problems if p.severity == "error"] == []
    assert {c.id for c in cat.courses} >= {"digital-skills", "online-teaching", "data-literacy", "python-basics",
                                            "pandemic-data", "cyber-safety"}
    assert [p.id for p in cat.programmes] == ["regular", "advanced", "special"]


def test_minimal_fixture_loads(minimal):
    cat = load_catalog(minimal)
    course, module = cat.module("sample-unit-rates")
    assert course.id == "sample" and module.points == 4 and module.lite
    assert cat.select_modules(None) == ["sample-unit-rates"]


@pytest.mark.parametrize("old, new, line, pattern", [
    ("hours: 1\n", "", None, r"'hours' is required"),
    ("track: tvet", "track: vocational", 4, r"'track' must be one of"),
    ("languages: [en, fr, zh]", "languages: [en, fr, zh]\ncolour: blue", 8, r"'colour' is not a known field"),
    ('title: {en: "Sample course", fr: "Cours d\'exemple", zh: "示例课程"}',
     'title: {en: "Sample course", zh: "示例课程"}', 2, r"'title' is missing its 'fr' text"),
    ("competencies: [DIG-KA]\nmodules", "competencies: [DIG-KX]\nmodules", 9, r"unknown competency 'DIG-KX'"),
    ("prerequisites: []", "prerequisites: [no-such-course]", 8, r"unknown prerequisite 'no-such-course'"),
    ("    points: 4", "    points: 5", 16, r"declares 5 points but its notebook has 4"),
    ("id: sample-unit-rates", "id: sample-unit-ratios", 11, r"no source notebook"),
    ("title: {en:", "title: {en: [", 2, r"YAML syntax error"),
])
def test_broken_course_file(minimal, old, new, line, pattern):
    path = minimal.courses_dir / "sample.yml"
    _edit(path, old, new)
    problems = _problems(minimal)
    assert problems, "the broken file was accepted"
    assert any(re.search(pattern, p.message) for p in problems), [p.message for p in problems]
    first = next(p for p in problems if re.search(pattern, p.message))
    assert first.path == path
    if line is not None:
        assert first.line == line, first.format()
    with pytest.raises(CatalogError) as err:
        load_catalog(minimal)
    assert err.value.problems


def test_duplicate_course_and_module_ids(minimal):
    _add_course(minimal, "other", module_id="sample-unit-rates")
    (minimal.courses_dir / "copy.yml").write_text((minimal.courses_dir / "sample.yml").read_text(), encoding="utf-8")
    messages = [p.message for p in _problems(minimal)]
    assert any("duplicate course id 'sample'" in m for m in messages)
    assert any("duplicate module id 'sample-unit-rates'" in m for m in messages)


def test_prerequisite_cycle(minimal):
    _add_course(minimal, "alpha", prerequisites="[beta]")
    _add_course(minimal, "beta", prerequisites="[alpha]")
    cycles = [p for p in _problems(minimal) if "prerequisite cycle" in p.message]
    assert len(cycles) == 1 and "alpha" in cycles[0].message and "beta" in cycles[0].message


def test_undeclared_package(minimal):
    nb = minimal.module_notebook("sample-unit-rates")
    nb.write_text(nb.read_text().replace('"import csv\\n', '"import csv\\nimport pandas as pd\\n'), encoding="utf-8")
    assert any("imports pandas" in p.message for p in _problems(minimal))


def test_programme_references(minimal):
    minimal.programmes_file.write_text("""\
programmes:
  - id: regular
    title: {en: "R", fr: "R", zh: "R"}
    audience: {en: "A", fr: "A", zh: "A"}
    duration_weeks: 4
    courses:
      - course: sample
        modules: [not-a-module]
      - course: ghost
""", encoding="utf-8")
    problems = _problems(minimal)
    assert any("unknown course 'ghost'" in p.message and p.line == 9 for p in problems)
    assert any("module 'not-a-module'" in p.message for p in problems)


def test_unknown_course_and_module_are_usage_errors(minimal):
    cat = load_catalog(minimal)
    with pytest.raises(UsageError, match="Unknown course 'nope'"):
        cat.course("nope")
    with pytest.raises(UsageError, match="Unknown module 'nope'"):
        cat.select_modules(["nope"])


def test_lite_modules_follow_packages():
    from iioe_nb.paths import Project

    cat = load_catalog(Project.discover(REPO))
    for course in ("python-basics", "cyber-safety", "online-teaching"):
        for module in cat.course(course).modules:
            assert module.lite, f"{module.id} must run without numpy, pandas or matplotlib"


def test_glossary_is_checked(minimal):
    minimal.glossary_file.write_text("""\
terms:
  - {en: "learner", fr: "apprenant", zh: "学生"}
  - {en: "teacher", fr: "enseignant"}
""", encoding="utf-8")
    assert any(p.line == 3 and "missing its 'zh' text" in p.message for p in _problems(minimal))
    minimal.glossary_file.write_text("""\
terms:
  - {en: "learner", fr: "apprenant", zh: "学生"}
  - {en: "teacher", fr: "enseignant", zh: "教师"}
  - {en: "learner", fr: "élève", zh: "学生"}
""", encoding="utf-8")
    assert any(p.line == 4 and "term 'learner' is listed twice (also line 2)" in p.message for p in _problems(minimal))
