"""``iioe bundle``: one zip per course and language for low-tech and no-tech settings.

A bundle holds, per module, the release notebook with its data and ``iioe_check.py`` (works offline
in any Jupyter), the lesson as a static page (``lesson.html``: explanations, worked examples and
widgets in their first view, no exercises), a static HTML page of the notebook (reads in any browser, no server; run once so it shows what the
worked examples and widgets print, with the widgets' initial view embedded) and a printable PDF worksheet
(printed by headless Chromium, with Noto CJK fonts for Chinese), plus an ``index.html`` in the
language. Entries are sorted and time-stamped alike; notebooks and data are the release's own bytes.
"""
from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from iioe_nb import build
from iioe_nb.catalog import load_catalog
from iioe_nb.errors import BuildError, DependencyError, UsageError
from iioe_nb.messages import N_, _, gettext_in
from iioe_nb.paths import Project

ZIP_DATE = (2020, 1, 1, 0, 0, 0)
HTML_LANG = {"en": "en", "fr": "fr", "zh": "zh-CN"}
_INDEX_WORDS = (N_("Read"), N_("Print"), N_("Notebook"), N_("Lesson"),
                N_("Open a notebook in Jupyter to do the exercises; the HTML pages and PDF worksheets need no "
                   "software but a browser or a printer."))
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw")


@dataclass(frozen=True)
class Bundle:
    path: Path
    size: int
    modules: int
    pdf: bool


def find_chromium() -> str:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise DependencyError(_("Printing PDF worksheets needs Chromium: install it with "
                            "'apt-get install chromium fonts-noto-cjk' (or run 'make system-deps'), or pass --no-pdf."))


HTML_LANG = {"en": "en", "fr": "fr", "zh": "zh-CN"}


def reading_copy(nb_path: Path) -> dict:
    """The release notebook run once, for readers without a kernel.

    The narrative and widget cells keep what they print (so a printed worksheet shows what each
    widget would show, and the widget state is embedded for the HTML page); exercise and test cells
    keep no output, and nothing keeps an error (a cell that needs the trainee's answer shows nothing).
    """
    import json as _json

    from iioe_nb import translation, verify

    nb = _json.loads(nb_path.read_text(encoding="utf-8"))
    files = [(p, str(p.relative_to(nb_path.parent))) for p in sorted(nb_path.parent.rglob("*"))
             if p.is_file() and p != nb_path]
    staged = verify.stage(files, nb_path.name, nb)
    try:
        done, _seconds, _slowest = verify.run_notebook(nb, staged)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    for cell in done.cells:
        if cell.cell_type != "code":
            continue
        meta = translation.nbgrader_meta(cell)
        if meta.get("solution") or meta.get("grade"):
            cell.outputs = []
        else:
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"]
        cell.execution_count = None
    return done


def notebook_html(nb, title: str, lang: str) -> str:
    """Standalone HTML of a notebook (nbconvert's lab template, nothing fetched to read it).

    The page declares its language, so browsers (and Chromium when printing) pick the right fonts:
    Noto Sans CJK SC glyphs for Chinese rather than the Japanese ones.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _resources = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = body.replace('<html lang="en">', f'<html lang="{HTML_LANG[lang]}">', 1)
    # long code lines wrap on paper instead of running off the page
    return body.replace("</head>", "<style>@media print { pre { white-space: pre-wrap; word-break: break-word; } }</style>\n</head>", 1)


def print_pdf(html_path: Path, pdf_path: Path, chromium: str) -> None:
    with tempfile.TemporaryDirectory(prefix="iioe-chromium-") as profile:
        cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}",
               html_path.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise BuildError(_("Chromium could not print {file}: {problem}", file=html_path.name,
                           problem=(proc.stderr.strip().splitlines() or ["?"])[-1][:200]))


def _index_html(course, modules, lang: str, pdf: bool) -> str:
    t = lambda msg: html.escape(gettext_in(lang, msg))  # noqa: E731
    rows = "\n".join(
        f'<li><strong>{html.escape(m.title.get(lang))}</strong> ({m.minutes} min) — '
        f'<a href="{m.id}/lesson.html">{t("Lesson")}</a> · '
        f'<a href="{m.id}/{m.id}.html">{t("Read")}</a> · '
        + (f'<a href="{m.id}/{m.id}.pdf">{t("Print")}</a> · ' if pdf else "")
        + f'<a href="{m.id}/{m.id}.ipynb">{t("Notebook")}</a></li>'
        for m in modules)
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(course.title.get(lang))}</title></head>\n<body style="font-family: sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em">'
            f'<h1>{html.escape(course.title.get(lang))}</h1>\n<p>{html.escape(course.summary.get(lang))}</p>\n<ol>\n{rows}\n</ol>\n'
            f'<p>{t(_INDEX_WORDS[4])}</p>'
            f'</body></html>\n')


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def make_bundle(project: Project, course_id: str, lang: str, out_dir: Path, pdf: bool = True,
                show_progress: bool = True) -> Bundle:
    """Write ``<out_dir>/<course>-<lang>.zip`` from the (current) release."""
    from iioe_nb.console import progress

    catalog = load_catalog(project)
    course = catalog.course(course_id)
    if lang not in course.languages:
        raise UsageError(_("Course '{course}' is not offered in '{lang}'.", course=course_id, lang=lang))
    build.build(project, [m.id for m in course.modules], [lang], check=True)
    chromium = find_chromium() if pdf else None
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{course.id}-{lang}.zip"
    tmp_zip = target.with_suffix(".zip.tmp")
    top = f"{course.id}-{lang}"
    with tempfile.TemporaryDirectory(prefix="iioe-bundle-") as tmp, \
            zipfile.ZipFile(tmp_zip, "w") as zf, \
            progress(_("Bundling"), len(course.modules), show_progress) as advance:
        _add(zf, f"{top}/index.html", _index_html(course, course.modules, lang, bool(chromium)).encode("utf-8"))
        for module in course.modules:
            folder = project.release_module_dir(module.id, lang)
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                _add(zf, f"{top}/{module.id}/{path.relative_to(folder).as_posix()}", path.read_bytes())
            page = notebook_html(reading_copy(project.release_notebook(module.id, lang)), module.title.get(lang), lang)
            html_path = Path(tmp) / f"{module.id}.html"
            html_path.write_text(page, encoding="utf-8")
            _add(zf, f"{top}/{module.id}/{module.id}.html", page.encode("utf-8"))
            # the lesson as a page: explanations, worked examples, widgets in their first view
            lesson = notebook_html(reading_copy(project.lesson_notebook(module.id, lang)), module.title.get(lang), lang)
            _add(zf, f"{top}/{module.id}/lesson.html", lesson.encode("utf-8"))
            if chromium:
                pdf_path = Path(tmp) / f"{module.id}.pdf"
                print_pdf(html_path, pdf_path, chromium)
                _add(zf, f"{top}/{module.id}/{module.id}.pdf", pdf_path.read_bytes())
            advance()
    tmp_zip.replace(target)
    return Bundle(target, target.stat().st_size, len(course.modules), bool(chromium))
