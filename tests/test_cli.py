"""The command line: one clear line and an exit code for bad input, messages in the chosen language."""
from __future__ import annotations

import json
import subprocess
import sys

from iioe_nb import __version__


def test_version(run_cli):
    result = run_cli("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_catalog_list_in_three_languages(minimal, run_cli):
    en = run_cli("catalog", "list", root=minimal.root)
    assert en.exit_code == 0 and "Sample course" in en.stdout and "Track" in en.stdout
    fr = run_cli("--lang", "fr", "catalog", "list", root=minimal.root)
    assert "Cours d'exemple" in fr.stdout and "Filière" in fr.stdout
    zh = run_cli("--lang", "zh", "catalog", "list", root=minimal.root)
    assert "示例课程" in zh.stdout and "课程" in zh.stdout and "Track" not in zh.stdout


def test_language_from_environment(minimal, run_cli, monkeypatch):
    monkeypatch.setenv("IIOE_LANG", "fr")
    result = run_cli("catalog", "validate", root=minimal.root)
    assert result.exit_code == 0 and "Catalogue valide" in result.stdout


def test_catalog_show_and_json(minimal, run_cli):
    shown = run_cli("--lang", "zh", "catalog", "show", "sample", root=minimal.root)
    assert "比较流量套餐" in shown.stdout and "DIG-KA" in shown.stdout and "应用" in shown.stdout
    data = json.loads(run_cli("catalog", "list", "--json", root=minimal.root).stdout)
    assert [c["id"] for c in data] == ["sample"] and data[0]["modules"][0]["points"] == 4


def test_validate_reports_each_problem_on_one_line(minimal, run_cli):
    path = minimal.courses_dir / "sample.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("track: tvet", "track: vocational")
                    .replace("prerequisites: []", "prerequisites: [ghost]"), encoding="utf-8")
    result = run_cli("catalog", "validate", root=minimal.root)
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("courses/sample.yml:4: error: 'track' must be one of")
    assert "Traceback" not in result.stderr
    path.write_text(path.read_text(encoding="utf-8").replace("track: vocational", "track: tvet"), encoding="utf-8")
    fr = run_cli("--lang", "fr", "catalog", "validate", root=minimal.root)
    assert fr.exit_code == 3 and "courses/sample.yml:8 : erreur : prérequis inconnu 'ghost'" in fr.stderr


def test_user_errors_are_one_line_and_an_exit_code(minimal, run_cli, tmp_path):
    unknown = run_cli("catalog", "show", "ghost", root=minimal.root)
    assert unknown.exit_code == 2 and unknown.stderr.startswith("iioe: Unknown course 'ghost'")
    no_repo = run_cli("catalog", "list", root=tmp_path / "empty")
    assert no_repo.exit_code == 3 and "No courses/ folder" in no_repo.stderr
    bad_lang = run_cli("build", "--lang", "de", root=minimal.root)
    assert bad_lang.exit_code == 2 and "Unknown language 'de'" in bad_lang.stderr
    zh = run_cli("--lang", "zh", "catalog", "show", "ghost", root=minimal.root)
    assert zh.exit_code == 2 and "未知课程" in zh.stderr


def test_console_script_runs(minimal):
    out = subprocess.run([sys.executable, "-m", "iioe_nb.cli", "--root", str(minimal.root), "catalog", "validate"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "Catalog OK" in out.stdout
