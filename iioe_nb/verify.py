"""``iioe verify``: the modules teach what they claim and leak nothing.

Four checks, each failure naming module, language and cell:

(a) the English source notebook, run with its solutions in a real kernel: no cell raises and every
    autograded test passes, in under ``SOLUTION_SECONDS``;
(b) every release notebook, run as a trainee who did nothing: every autograded test fails;
(c) every lesson (``release/lessons/``), run as Voilà runs it: no cell raises;
(d) a leak scan of the release notebooks and lessons: no solution code, hidden tests, nbgrader markers
    or mark schemes.

Notebooks run in parallel, one kernel per notebook, in worker processes.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from iioe_nb import build, translation
from iioe_nb.catalog import load_catalog
from iioe_nb.errors import VerifyError
from iioe_nb.messages import N_, _
from iioe_nb.paths import CHECK_MODULE, Project

SOLUTION_SECONDS = 10.0
CELL_TIMEOUT = 60
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME")
_MIN_LEAK_LINE = 16
# words shown in reports, translated where they are printed
_WORDS = (N_("solution"), N_("release"), N_("lesson"), N_("leak"), N_("model answer"), N_("hidden test"), N_("mark scheme"))


@dataclass
class Finding:
    module: str
    lang: str
    check: str          # solution | release | lesson | leak
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


# ------------------------------------------------------------------------------------ execution


def run_notebook(nb: dict, folder: str) -> tuple[dict, float, tuple[float, str]]:
    """Execute ``nb`` with ``folder`` as working directory; returns it with outputs, the seconds
    spent executing cells (kernel start and shutdown excluded) and the slowest cell (seconds, label)."""
    import nbformat
    from nbclient import NotebookClient
    from traitlets.config import Config

    node = nbformat.reads(json.dumps(nb), as_version=4)
    # IPC sockets in the notebook's own folder: no TCP port, and no warning about one. The client owns
    # its (async) kernel manager, so a kernel that dies is noticed within a second and shut down.
    # Its shell channel polls in slices: a reply is never missed while widgets send (kernel_client).
    from .kernel_client import CONFIG as steady

    cfg = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, ".kernel"), **steady}})
    client = NotebookClient(node, config=cfg, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            shutdown_kernel="immediate", resources={"metadata": {"path": folder}})
    slowest = (0.0, "")
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(node.cells):
            began = time.perf_counter()
            client.execute_cell(cell, index)
            slowest = max(slowest, (time.perf_counter() - began, _label(cell)))
        seconds = time.perf_counter() - start
    return node, seconds, slowest


def _errors(cell) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}"[:200] for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _label(cell) -> str:
    meta = translation.nbgrader_meta(cell)
    return f"{meta['grade_id']} ({cell.get('id')})" if meta.get("grade_id") else str(cell.get("id"))


def _task(kind: str, module: str, lang: str, nb: dict, folder: str) -> Finding:
    finding = Finding(module, lang, kind)
    try:
        done, finding.seconds, slowest = run_notebook(nb, folder)
        if kind == "solution" and finding.seconds > SOLUTION_SECONDS:
            # on a loaded machine one run can stall; only a notebook slow twice is slow
            done, finding.seconds, slowest = run_notebook(nb, folder)
    except Exception as exc:  # a kernel that dies or times out is a finding, not a crash
        finding.problems.append(_("the notebook could not be run: {problem}", problem=str(exc).strip().splitlines()[-1][:200]))
        return finding
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for cell in done.cells:
        if cell.cell_type != "code":
            continue
        graded = translation.nbgrader_meta(cell).get("grade")
        errors = _errors(cell)
        if kind == "solution" and errors:
            what = _("test fails with the solution") if graded else _("cell raises with the solution")
            finding.problems.append(f"{_label(cell)}: {what}: {errors[0]}")
        elif kind == "lesson" and errors:
            finding.problems.append(_("{cell}: cell raises in the lesson (Voilà would stop there): {error}",
                                      cell=_label(cell), error=errors[0]))
        elif kind == "release" and graded and not errors:
            finding.problems.append(_("{cell}: test passes on the untouched notebook: it tests nothing the trainee writes",
                                      cell=_label(cell)))
    if kind == "solution" and finding.seconds > SOLUTION_SECONDS:
        finding.problems.append(_("the solution takes {s:.1f} s to run (cell {cell}: {cell_s:.1f} s); keep it under {limit:.0f} s.",
                                  s=finding.seconds, cell=slowest[1], cell_s=slowest[0], limit=SOLUTION_SECONDS))
    return finding


def stage(files: list[tuple[Path, str]], nb_name: str, nb: dict) -> str:
    folder = tempfile.mkdtemp(prefix="iioe-verify-")
    for src, rel in files:
        dest = Path(folder) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    (Path(folder) / nb_name).write_text(json.dumps(nb), encoding="utf-8")
    return folder


def _in_its_folder(kind: str, module: str, lang: str, nb_path: Path, text: str) -> tuple:
    """A job running the notebook ``text`` (read from ``nb_path``) beside the other files of its folder."""
    folder, nb = nb_path.parent, json.loads(text)
    files = [(p, str(p.relative_to(folder))) for p in sorted(folder.rglob("*")) if p.is_file() and p != nb_path]
    return (kind, module, lang, nb, stage(files, nb_path.name, nb))


# ----------------------------------------------------------------------------------------- leaks


def _split_secret(nb: dict) -> tuple[list[tuple[str, str]], list[str]]:
    """Lines a trainee must never see, as (what, line), and every other line of a language source."""
    secret, public = [], []
    for cell in nb["cells"]:
        meta, src = translation.nbgrader_meta(cell), translation.cell_source(cell)
        if cell["cell_type"] == "markdown" and meta.get("solution"):
            secret += [("model answer", line) for line in src.split("\n")]
            continue
        inside = None
        for line in src.split("\n"):
            s = line.strip()
            if "BEGIN SOLUTION" in s:
                inside = "solution"
            elif "BEGIN HIDDEN TESTS" in s:
                inside = "hidden test"
            elif "BEGIN MARK SCHEME" in s:
                inside = "mark scheme"
            elif any(m in s for m in ("END SOLUTION", "END HIDDEN TESTS", "END MARK SCHEME")):
                inside = None
            elif inside:
                secret.append((inside, line))
            else:
                public.append(s)
    return secret, public


def leak_scan(release_text: str, language_source: dict) -> list[str]:
    """Problems found in a release notebook's text, given the language source it came from."""
    problems = [_("marker '{marker}' left in the release", marker=m) for m in MARKERS if m in release_text]
    secret, public = _split_secret(language_source)
    public_text = "\n".join(public)
    seen = set()
    for what, line in secret:
        s = line.strip()
        # a line that also stands outside the secret regions (a worked example) is no leak
        if len(s) >= _MIN_LEAK_LINE and s not in public_text and s not in seen and json.dumps(s)[1:-1] in release_text:
            seen.add(s)
            problems.append(_("{what} line leaked into the release: {line!r}", what=_(what), line=s[:80]))
    return problems


# ------------------------------------------------------------------------------------- the run


def verify(project: Project, modules: list[str] | None = None, langs: list[str] | None = None,
           workers: int | None = None, show_progress: bool = True) -> list[Finding]:
    """Run the three checks; raises ``VerifyError`` listing every problem, else returns the findings."""
    import multiprocessing

    from iioe_nb.console import progress

    catalog = load_catalog(project)
    items = build.plan(project, catalog, modules, langs)
    build.build(project, modules, langs, check=True)  # verifying a stale release would prove nothing
    findings: list[Finding] = []
    jobs = []
    for module in dict.fromkeys(i.module for i in items):
        src = project.module_notebook(module)
        nb = json.loads(src.read_text(encoding="utf-8"))
        files = [(p, str(p.relative_to(project.module_dir(module)))) for p in project.module_data_files(module)]
        files.append((build.SHIPPED_CHECK, CHECK_MODULE))
        jobs.append(("solution", module, "en", nb, stage(files, src.name, nb)))
    for item in items:
        nb_path = project.release_notebook(item.module, item.lang)
        text = nb_path.read_text(encoding="utf-8")
        lang_source, _missing = build.language_notebook(project, item)
        lesson_path = project.lesson_notebook(item.module, item.lang)
        lesson_text = lesson_path.read_text(encoding="utf-8")
        findings.append(Finding(item.module, item.lang, "leak",
                                leak_scan(text, lang_source) + leak_scan(lesson_text, lang_source)))
        jobs.append(_in_its_folder("release", item.module, item.lang, nb_path, text))
        jobs.append(_in_its_folder("lesson", item.module, item.lang, lesson_path, lesson_text))

    workers = workers or max(1, min(len(jobs), os.cpu_count() or 1))
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(_task, *job) for job in jobs]
        with progress(_("Verifying"), len(futures), show_progress) as advance:
            for fut in as_completed(futures):
                findings.append(fut.result())
                advance()
    findings.sort(key=lambda f: (f.module, f.lang, f.check))
    bad = [f for f in findings if f.problems]
    if bad:
        lines = [f"{f.module} [{f.lang}] {_(f.check)}: {p}" for f in bad for p in f.problems]
        raise VerifyError(_("{n} problem(s) found:\n  {lines}", n=len(lines), lines="\n  ".join(lines)))
    return findings
