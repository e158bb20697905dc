"""``iioe build``: language notebooks through nbgrader, deterministic, incremental, all-or-nothing."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest

from iioe_nb import build
from iioe_nb.errors import BuildError, CatalogError, NotebookError, TranslationError, UsageError


def _tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _cells(project, lang):
    nb = json.loads(project.release_notebook("sample-unit-rates", lang).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"]], nb


@pytest.fixture
def built(minimal):
    report = build.build(minimal, show_progress=False)
    assert sorted(report.built) == ["sample-unit-rates-en", "sample-unit-rates-fr", "sample-unit-rates-zh"]
    return minimal


def test_release_per_language_with_translated_text_and_no_secrets(built):
    for lang in ("en", "fr", "zh"):
        folder = built.release_module_dir("sample-unit-rates", lang)
        assert sorted(_tree(folder)) == ["data/plans.csv", "iioe_check.py", "sample-unit-rates.ipynb"]
        text = (folder / "sample-unit-rates.ipynb").read_text(encoding="utf-8")
        for secret in ("BEGIN SOLUTION", "return price / gigabytes", "HIDDEN TESTS", "abs(price_per_gb(6, 20)",
                       "MARK SCHEME", "relates the choice"):
            assert secret not in text
    fr, nb = _cells(built, "fr")
    assert fr[0].startswith("# Comparer des forfaits de données")
    assert "print(tr('{n} forfaits chargés', n=len(plans)))" in fr[3]
    assert "'price_per_gb(2, 4) devrait valoir 0,5 et non {got}'" in fr[6]
    assert "raise NotImplementedError()" in fr[5] and "VOTRE CODE ICI" in fr[5]
    assert nb["metadata"]["iioe"] == {"course": "sample", "module": "sample-unit-rates", "lang": "fr"}
    zh, _nb = _cells(built, "zh")
    assert zh[7].startswith("## 反思（2 分）")
    assert all(not c.get("outputs") for c in _nb["cells"] if c["cell_type"] == "code")
    # nbgrader's own metadata is there: locked cells and checksums, so autograde can restore them
    test_cell = _nb["cells"][6]["metadata"]["nbgrader"]
    assert test_cell["grade"] and test_cell["points"] == 2 and test_cell["checksum"]


def test_same_inputs_give_the_same_bytes(built, tmp_path):
    from iioe_nb.paths import Project

    other = tmp_path / "again"
    shutil.copytree(built.root, other, ignore=shutil.ignore_patterns("release"))
    build.build(Project(other, tmp_path / "h2"), show_progress=False)
    assert _tree(other / "release") == _tree(built.release_dir)


def test_noop_build_skips_everything_without_importing_nbgrader(built):
    code = ("import sys; from iioe_nb import build; from iioe_nb.paths import Project; "
            f"r = build.build(Project.discover({str(built.root)!r}), show_progress=False); "
            "print(len(r.built), len(r.skipped), 'nbgrader' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "3", "False"]


def test_check_names_stale_and_hand_edited(built):
    build.build(built, check=True)
    po = built.po_file("sample-unit-rates", "fr")
    po.write_text(po.read_text(encoding="utf-8").replace("Réflexion (2 points)", "Réflexion (2 pts)"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"sample-unit-rates-fr: source, translation or builder changed"):
        build.build(built, check=True)
    report = build.build(built, show_progress=False)
    assert report.built == ["sample-unit-rates-fr"]
    nb = built.release_notebook("sample-unit-rates", "zh")
    nb.write_text(nb.read_text(encoding="utf-8").replace("反思", "思考"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"sample-unit-rates-zh: release files differ"):
        build.build(built, check=True)


def test_untranslated_text_falls_back_to_english_and_is_reported(minimal):
    po = minimal.po_file("sample-unit-rates", "fr")
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Exercice 1 (2 points)"', 'msgstr ""'), encoding="utf-8")
    report = build.build(minimal, show_progress=False)
    assert report.untranslated == {"sample-unit-rates-fr": ["Exercise 1 (2 points)"]}
    fr, _nb = _cells(minimal, "fr")
    assert fr[4].startswith("## Exercise 1 (2 points)")


def test_language_selection_and_unknown_module(minimal):
    report = build.build(minimal, ["sample-unit-rates"], ["fr"], show_progress=False)
    assert report.built == ["sample-unit-rates-fr"]
    with pytest.raises(UsageError, match="Unknown module 'nope'"):
        build.build(minimal, ["nope"], show_progress=False)


def test_orphan_release_is_removed(built):
    ghost = built.release_dir / "retired-module-en"
    ghost.mkdir()
    (ghost / "retired-module.ipynb").write_text("{}")
    with pytest.raises(BuildError, match="retired-module-en: not in the catalog"):
        build.build(built, check=True)
    assert build.build(built, show_progress=False).removed == ["retired-module-en"]
    assert not ghost.exists()


def _break(project, how):
    nb_path = project.module_notebook("sample-unit-rates")
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    if how == "json":
        nb_path.write_text('{"cells": [', encoding="utf-8")
        return
    if how == "metadata":
        nb["cells"][1]["metadata"]["nbgrader"]["grade_id"] = ""
    elif how == "duplicate-grade-id":
        nb["cells"][6]["metadata"]["nbgrader"]["grade_id"] = "price-per-gb"
    elif how == "no-cell-id":
        nb["nbformat_minor"] = 4
        for c in nb["cells"]:
            c.pop("id", None)
    nb_path.write_text(json.dumps(nb), encoding="utf-8")


@pytest.mark.parametrize("how, error, pattern", [
    ("json", CatalogError, r"^source/sample-unit-rates/sample-unit-rates\.ipynb: error: not a readable notebook"),
    ("metadata", NotebookError, r"sample-unit-rates\.ipynb: cell [0-9a-f]+: broken nbgrader metadata: grade_id is empty"),
    ("duplicate-grade-id", NotebookError, r"grade id 'price-per-gb' is used twice"),
    ("no-cell-id", NotebookError, r"format 4\.4 has no cell ids"),
])
def test_bad_notebook_changes_nothing(built, how, error, pattern):
    before = _tree(built.release_dir)
    _break(built, how)
    with pytest.raises(error, match=pattern):
        build.build(built, show_progress=False)
    assert _tree(built.release_dir) == before


def test_bad_translation_changes_nothing(built):
    # a good change to fr and a broken zh: neither is written
    fr = built.po_file("sample-unit-rates", "fr")
    fr.write_text(fr.read_text(encoding="utf-8").replace("Réflexion (2 points)", "Réflexion (2 pts)"), encoding="utf-8")
    zh = built.po_file("sample-unit-rates", "zh")
    zh.write_text(zh.read_text(encoding="utf-8").replace("而不是 {got}", "而不是 {value}"), encoding="utf-8")
    before = _tree(built.release_dir)
    with pytest.raises(TranslationError, match=r"zh\.po:\d+: placeholders"):
        build.build(built, show_progress=False)
    assert _tree(built.release_dir) == before


def test_module_missing_from_catalog(built):
    (built.source_dir / "stray-module").mkdir()
    with pytest.raises(BuildError, match=r"source/stray-module: module 'stray-module' is not in the catalog"):
        build.build(built, show_progress=False)


def test_oversized_notebook_warns(minimal):
    nb_path = minimal.module_notebook("sample-unit-rates")
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"][2]["source"] += "\n\n" + "Large table row. " * 10000
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    report = build.build(minimal, ["sample-unit-rates"], ["en"], show_progress=False)
    assert any("over the 150 KB limit" in w for w in report.warnings)


def test_cli_build_and_check(minimal, run_cli):
    first = run_cli("build", root=minimal.root)
    assert first.exit_code == 0, first.stderr
    assert "Built 3" in first.stdout
    ok = run_cli("build", "--check", root=minimal.root)
    assert ok.exit_code == 0 and "up to date" in ok.stdout
    minimal.release_notebook("sample-unit-rates", "en").unlink()
    stale = run_cli("build", "--check", root=minimal.root)
    assert stale.exit_code == 6 and "sample-unit-rates-en" in stale.stderr
    assert "Traceback" not in stale.stderr
