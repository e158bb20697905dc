"""``iioe bundle``: offline zip with notebooks, data, HTML pages and printable PDF worksheets."""
from __future__ import annotations

import shutil
import zipfile

import pytest

from iioe_nb import build, bundle
from iioe_nb.errors import BuildError, UsageError

pytestmark = pytest.mark.slow


@pytest.fixture
def built(minimal):
    build.build(minimal, show_progress=False)
    return minimal


def test_bundle_without_pdf_is_complete_and_reproducible(built, tmp_path):
    first = bundle.make_bundle(built, "sample", "fr", tmp_path / "a", pdf=False, show_progress=False)
    second = bundle.make_bundle(built, "sample", "fr", tmp_path / "b", pdf=False, show_progress=False)
    assert first.path.name == "sample-fr.zip" and first.size == first.path.stat().st_size and not first.pdf
    with zipfile.ZipFile(first.path) as zf, zipfile.ZipFile(second.path) as again:
        for name in zf.namelist():
            if not name.endswith(".html"):  # pages embed widget ids, which are new on every run
                assert zf.read(name) == again.read(name), name
        names = sorted(zf.namelist())
        assert names == ["sample-fr/index.html", "sample-fr/sample-unit-rates/data/plans.csv",
                         "sample-fr/sample-unit-rates/iioe_check.py", "sample-fr/sample-unit-rates/lesson.html",
                         "sample-fr/sample-unit-rates/sample-unit-rates.html",
                         "sample-fr/sample-unit-rates/sample-unit-rates.ipynb"]
    with zipfile.ZipFile(first.path) as zf:
        index = zf.read("sample-fr/index.html").decode("utf-8")
        page = zf.read("sample-fr/sample-unit-rates/sample-unit-rates.html").decode("utf-8")
    assert '<html lang="fr">' in index and "Cours d&#x27;exemple" in index and "Lire" in index and ".pdf" not in index
    assert '<html lang="fr">' in page and "Comparer des forfaits de données" in page
    assert "BEGIN SOLUTION" not in page and "return price / gigabytes" not in page
    # run once for readers: worked examples show their output, exercises show none and no error
    assert "3 forfaits chargés" in page
    with zipfile.ZipFile(first.path) as zf:
        lesson = zf.read("sample-fr/sample-unit-rates/lesson.html").decode("utf-8")
    assert '<html lang="fr">' in lesson and "3 forfaits chargés" in lesson and "Leçon" in index
    assert "price_per_gb(2, 4)" not in lesson and "return price / gigabytes" not in lesson
    assert "Cet exercice se fait dans la version notebook du module." in lesson


def test_reading_copy_keeps_examples_and_drops_exercise_output(built):
    nb = bundle.reading_copy(built.release_notebook("sample-unit-rates", "zh"))
    outputs = {c.id: c.outputs for c in nb.cells if c.cell_type == "code"}
    assert all(o["output_type"] != "error" for outs in outputs.values() for o in outs)
    assert "已读取 3 个套餐" in outputs["e4788424"][0]["text"]
    assert outputs["0caf5736"] == [] and all(c.execution_count is None for c in nb.cells if c.cell_type == "code")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (make system-deps)")
def test_chinese_worksheet_is_printed_with_cjk_fonts(built, tmp_path):
    made = bundle.make_bundle(built, "sample", "zh", tmp_path, show_progress=False)
    assert made.pdf
    with zipfile.ZipFile(made.path) as zf:
        pdf = zf.read("sample-zh/sample-unit-rates/sample-unit-rates.pdf")
        page = zf.read("sample-zh/sample-unit-rates/sample-unit-rates.html").decode("utf-8")
    assert pdf.startswith(b"%PDF") and b"NotoSansCJKsc" in pdf
    assert '<html lang="zh-CN">' in page and "比较流量套餐" in page


def test_bad_requests(built, tmp_path, monkeypatch):
    with pytest.raises(UsageError, match="Unknown course 'ghost'"):
        bundle.make_bundle(built, "ghost", "fr", tmp_path, pdf=False)
    built.release_notebook("sample-unit-rates", "fr").unlink()
    with pytest.raises(BuildError, match="stale"):
        bundle.make_bundle(built, "sample", "fr", tmp_path, pdf=False)
    assert not (tmp_path / "sample-fr.zip").exists()
    monkeypatch.setattr(bundle, "CHROMIUM_CANDIDATES", ("no-such-browser",))
    from iioe_nb.errors import DependencyError
    with pytest.raises(DependencyError, match="apt-get install chromium fonts-noto-cjk"):
        bundle.find_chromium()


def test_cli_prints_size(built, run_cli, tmp_path):
    result = run_cli("--lang", "zh", "bundle", "sample", "--lang", "en", "--no-pdf", "--out", str(tmp_path), root=built.root)
    assert result.exit_code == 0, result.stderr
    assert "已写入" in result.stdout and "KB" in result.stdout
