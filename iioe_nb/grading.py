"""``iioe grade``: nbgrader's autograding, parallel, confined and resumable, on nbgrader's gradebook.

A run grades every submission of one nbgrader assignment found in ``submitted/<student>/<assignment>/``
of an nbgrader course directory (the IIOE workspace is one). Each notebook goes through nbgrader's
own preprocessors, in nbgrader's order — sanitising (``ClearOutput``, ``DeduplicateIds``,
``OverwriteKernelspec``, ``OverwriteCells``, ``CheckCellMetadata``), execution, ``IgnorePattern``,
``LimitOutput``, then the scores of ``SaveAutoGrades`` and the penalty of ``AssignLatePenalties`` —
except that execution happens in a fresh child of a pre-imported zygote (``iioe_nb.kernels``)
instead of a newly started Jupyter kernel, and that workers only read the gradebook: one writer
(this process) stores grades, comments, penalties and our status of each submission in batches.

Resumable and idempotent: a submission is graded when its digest (files and timestamp) is not yet
recorded with a result, and all a submission's rows are written in one transaction with that record,
after its ``autograded/`` folder is in place. A killed run therefore loses at most the batch in
flight, which the next run grades again; nothing is counted twice. Every distinct submission graded
is copied to ``archive/<student>/<assignment>/<timestamp>/`` first: nbgrader's ``collect``
overwrites earlier ones.
"""
from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from iioe_nb.errors import UsageError
from iioe_nb.kernels import Limits
from iioe_nb.messages import _

BATCH = 25                 # submissions per gradebook transaction
BATCH_SECONDS = 2.0        # or sooner, when results come slowly
#: statuses of a graded submission; ``graded`` and ``needs-manual`` are normal outcomes
STATUSES = ("graded", "needs-manual", "timeout", "memory", "died", "output-limit", "invalid", "missing", "error")


# ------------------------------------------------------------------------------------- course


@dataclass(frozen=True)
class Course:
    """An nbgrader course directory: where things are and how nbgrader is configured there."""

    root: Path
    db_url: str
    course_id: str
    config_file: Path | None = None
    #: more paths trainee code must not see (an IIOE repository's own sources and history)
    secret: tuple[str, ...] = ()

    def config(self):
        """The nbgrader configuration of the course (its ``nbgrader_config.py``), root and gradebook set."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        cfg = Config()
        if self.config_file and self.config_file.exists():
            cfg = PyFileConfigLoader(self.config_file.name, path=str(self.config_file.parent)).load_config()
        cfg.CourseDirectory.root = str(self.root)
        cfg.CourseDirectory.db_url = self.db_url
        cfg.CourseDirectory.course_id = self.course_id
        return cfg

    @classmethod
    def from_directory(cls, root: Path) -> "Course":
        """An existing nbgrader course directory, configured by its ``nbgrader_config.py``."""
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        root = root.resolve()
        if not root.is_dir():
            raise UsageError(_("{dir}: no such course directory.", dir=root))
        cfg_file = root / "nbgrader_config.py"
        cfg = PyFileConfigLoader(cfg_file.name, path=str(root)).load_config() if cfg_file.exists() else None
        cd = CourseDirectory(config=cfg) if cfg is not None else CourseDirectory()
        cd.root = str(root)
        db_url = cd.db_url if (cfg is not None and "db_url" in cfg.CourseDirectory) else f"sqlite:///{root / 'gradebook.db'}"
        return cls(root=root, db_url=db_url, course_id=cd.course_id, config_file=cfg_file if cfg is not None else None)

    @functools.lru_cache(maxsize=8)  # noqa: B019 (a frozen dataclass: one per course directory)
    def coursedir(self):
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config())

    def step(self, step: str, student: str, assignment: str) -> Path:
        cd = self.coursedir()
        name = {"source": cd.source_directory, "submitted": cd.submitted_directory,
                "autograded": cd.autograded_directory, "feedback": cd.feedback_directory}.get(step, step)
        return Path(cd.format_path(name, student, assignment))

    def hidden_paths(self) -> tuple[str, ...]:
        """What trainee code must not see: every nbgrader step folder, the gradebook, the config."""
        cd = self.coursedir()
        paths = [self.root / d for d in (cd.source_directory, cd.submitted_directory, cd.autograded_directory,
                                         cd.feedback_directory, "archive", "release")]
        paths.append(self.root / "nbgrader_config.py")
        if self.db_url.startswith("sqlite:///"):
            paths.append(Path(self.db_url[len("sqlite:///"):]))
        return tuple(str(p) for p in paths) + self.secret


# -------------------------------------------------------------------------------- submissions


@dataclass
class Task:
    """One submission to grade, sent to a worker."""

    student: str
    assignment: str
    folder: str               # submitted/<student>/<assignment>
    digest: str
    timestamp: str | None
    notebooks: list[str]      # notebook names of the assignment (gradebook), without .ipynb
    source: str               # source/<assignment>
    output: str               # staging folder for autograded/<student>/<assignment>
    hide: tuple[str, ...]
    limits: dict
    ignore: tuple[str, ...]
    config: dict
    preload: tuple[str, ...] = ()


@dataclass
class NotebookResult:
    name: str
    status: str               # graded | missing | invalid | timeout | memory | died | output-limit
    detail: str = ""
    scores: dict = field(default_factory=dict)     # grade_id -> auto score (None: manual)
    comments: dict = field(default_factory=dict)   # grade_id -> auto comment
    flagged: list = field(default_factory=list)    # cells restored from the source
    tasks: list = field(default_factory=list)      # manually graded tasks (no score field)
    seconds: float = 0.0


@dataclass
class Result:
    student: str
    assignment: str
    digest: str
    timestamp: str | None
    notebooks: list[NotebookResult]
    output: str
    seconds: float = 0.0

    @property
    def status(self) -> str:
        order = ("error", "invalid", "died", "memory", "timeout", "output-limit", "missing")
        found = {n.status for n in self.notebooks}
        for s in order:
            if s in found:
                return s
        manual = any(v is None for n in self.notebooks for v in n.scores.values()) or any(n.tasks for n in self.notebooks)
        return "needs-manual" if manual else "graded"

    @property
    def detail(self) -> str:
        return "; ".join(f"{n.name}: {n.detail}" for n in self.notebooks if n.detail)


def submission_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            h.update(str(p.relative_to(folder)).encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _timestamp(folder: Path) -> str | None:
    ts = folder / "timestamp.txt"
    if ts.is_file():
        return ts.read_text(encoding="utf-8", errors="replace").strip() or None
    return None


# ------------------------------------------------------------------------------------- worker

_LOCAL = threading.local()


def _forker(preload: tuple[str, ...] = ()):
    """This worker thread's zygote (a Dask worker may run several threads), with ``preload`` imported."""
    from iioe_nb.kernels import BASE_PRELOAD, Forker, claim_slot

    wanted = tuple(dict.fromkeys(BASE_PRELOAD + tuple(preload)))
    forker = getattr(_LOCAL, "forker", None)
    if forker is not None and forker.preload != wanted:
        forker.close()
        forker = None
    if forker is None:
        slot = getattr(_LOCAL, "slot", None)
        if slot is None:
            slot = _LOCAL.slot = claim_slot()
        forker = _LOCAL.forker = Forker(slot, wanted)
    return forker


def notebook_imports(folder: Path) -> tuple[str, ...]:
    """Top-level modules the notebooks of ``folder`` import: what the zygote imports once for all."""
    import ast

    names: list[str] = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            try:
                tree = ast.parse("\n".join(l for l in src.splitlines() if not l.lstrip().startswith(("%", "!"))))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names += [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.append(node.module)
    return tuple(dict.fromkeys(n for n in names if n.split(".")[0] not in ("iioe_check",)))


def _copy_inputs(task: Task, work: Path) -> None:
    """The notebook's folder: the trainee's files, then nbgrader's restore of the source's files."""
    src_sub = Path(task.folder)
    for p in sorted(src_sub.rglob("*")):
        rel = p.relative_to(src_sub)
        if p.is_symlink() or any(fnmatch.fnmatch(part, pat) for part in rel.parts for pat in task.ignore):
            continue
        dest = work / rel
        if p.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif p.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)
    source = Path(task.source)
    for p in sorted(source.rglob("*")):
        rel = p.relative_to(source)
        if not p.is_file() or p.suffix == ".ipynb" or any(fnmatch.fnmatch(part, pat) for part in rel.parts
                                                           for pat in task.ignore):
            continue
        dest = work / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists() or dest.is_symlink():
            dest.unlink()
        shutil.copyfile(p, dest)


def _keep_created_files(work: Path, out: Path) -> None:
    """Files the notebooks wrote stay beside the autograded notebooks, as when nbgrader runs them there."""
    for p in sorted(work.rglob("*")):
        rel = p.relative_to(work)
        dest = out / rel
        if p.is_symlink() or dest.exists() or rel.suffix == ".ipynb":
            continue
        if p.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif p.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)


def grade_task(task: Task) -> Result:
    """Grade one submission (in a worker process: local pool or Dask worker)."""
    started = time.monotonic()
    forker = _forker(task.preload)
    out = Path(task.output)
    if out.exists():
        shutil.rmtree(out)
    results = []
    work = Path(tempfile.mkdtemp(prefix="iioe-run-"))
    try:
        _copy_inputs(task, work)
        # the autograded folder is what nbgrader leaves: the files, restored, without the notebooks yet
        shutil.copytree(work, out, dirs_exist_ok=True)
        for name in task.notebooks:
            results.append(_grade_notebook(task, name, work, out, forker))
        _keep_created_files(work, out)
    except Exception as exc:  # a bug or a broken course must not stop the run: it is this submission's status
        results.append(NotebookResult(name="*", status="error", detail=f"{type(exc).__name__}: {exc}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Result(task.student, task.assignment, task.digest, task.timestamp, results, task.output,
                  time.monotonic() - started)


def _resources(task: Task, name: str, gb) -> dict:
    return {"nbgrader": {"notebook": name, "assignment": task.assignment, "student": task.student,
                         "db_url": gb.db_url_for_preprocessors}, "iioe_gradebook": gb}


def _grade_notebook(task: Task, name: str, work: Path, out: Path, forker) -> NotebookResult:
    import nbformat
    from nbgrader import utils
    from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern,
                                        LimitOutput, OverwriteKernelspec)
    from traitlets.config import Config

    from iioe_nb.kernels import Limits as _Limits

    _fast_metadata_checks()
    started = time.monotonic()
    path = Path(task.folder) / f"{name}.ipynb"
    if not path.is_file():
        return NotebookResult(name, "missing", _("no submitted file {file}", file=path.name))
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        return NotebookResult(name, "invalid", _("not a readable notebook ({problem})",
                                                 problem=str(exc).splitlines()[0][:200]))
    cfg = Config(task.config)
    gb = _worker_gradebook(task)
    resources = _resources(task, name, gb)
    restored: list[str] = []
    shared = _shared_overwrite_cells()
    try:
        for pp in (ClearOutput, DeduplicateIds, OverwriteKernelspec, shared, CheckCellMetadata):
            inst = pp(config=cfg)
            if pp is shared:
                inst.restored = restored
            nb, resources = inst.preprocess(nb, resources)
    except Exception as exc:
        return NotebookResult(name, "invalid", _("nbgrader cannot grade it ({problem})",
                                                 problem=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__))
    present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    expected = [c.name for c in gb.find_notebook(name, task.assignment).grade_cells]
    restored += [f"{gid}.deleted" for gid in expected if gid not in present]
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    limits = _Limits(**task.limits, hide=task.hide)
    run = forker.run([c.source for c in code_cells], work, limits)
    for c, r in zip(code_cells, run.cells):
        c.outputs = [nbformat.from_dict(o) for o in r.outputs]
        c.execution_count = r.count
    # nbgrader checks the metadata again here; execution in the sandbox cannot change a cell's
    # metadata (outputs are set here, from the child's replies), so the first check stands
    for pp in (IgnorePattern, LimitOutput):
        nb, resources = pp(config=cfg).preprocess(nb, resources)
    scores, comments, manual = {}, {}, []
    for cell in nb.cells:
        if utils.is_grade(cell):
            scores[cell.metadata.nbgrader["grade_id"]] = utils.determine_grade(cell)[0]
        if utils.is_task(cell):
            manual.append(cell.metadata.nbgrader["grade_id"])
        if utils.is_solution(cell) or utils.is_task(cell):
            unchanged = cell.metadata.nbgrader.get("checksum", None) == utils.compute_checksum(cell)
            comments[cell.metadata.nbgrader["grade_id"]] = "No response." if unchanged and not utils.is_task(cell) else None
    (out / f"{name}.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    status = "graded" if run.status == "ok" else run.status
    return NotebookResult(name, status, run.detail, scores, comments, restored, manual, time.monotonic() - started)


_GRADEBOOKS: dict = {}


def _worker_gradebook(task: Task):
    """A read-only gradebook session of this worker, kept for the run (nbgrader opens one per step)."""
    from nbgrader.api import Gradebook

    key = task.config.get("CourseDirectory", {}).get("db_url")
    gb = _GRADEBOOKS.get(key)
    if gb is None:
        gb = Gradebook(key, task.config.get("CourseDirectory", {}).get("course_id", "default_course"))
        gb.db_url_for_preprocessors = key
        _GRADEBOOKS[key] = gb
    gb.db.rollback()  # see what the writer committed since
    return gb


@functools.lru_cache(maxsize=None)
def _shared_overwrite_cells():
    from nbgrader import utils
    from nbgrader.preprocessors import OverwriteCells
    from nbgrader.preprocessors.base import NbGraderPreprocessor

    class SharedOverwriteCells(OverwriteCells):
        """nbgrader's ``OverwriteCells`` on the worker's open gradebook; notes the cells it restored."""

        restored: list

        def preprocess(self, nb, resources):
            self.notebook_id = resources["nbgrader"]["notebook"]
            self.assignment_id = resources["nbgrader"]["assignment"]
            self.gradebook = resources["iioe_gradebook"]
            nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
            if self.add_missing_cells:
                nb, resources = self.add_missing_grade_cells(nb, resources)
                nb, resources = self.add_missing_task_cells(nb, resources)
            return nb, resources

        def preprocess_cell(self, cell, resources, cell_index):
            # A locked cell's source is always restored (the release lacks its hidden tests, so its
            # checksum differs from the gradebook's); it was *changed* only when it no longer matches
            # the checksum it was released with.
            meta = cell.metadata.get("nbgrader", {})
            self._edited = "checksum" in meta and meta["checksum"] != utils.compute_checksum(cell)
            return super().preprocess_cell(cell, resources, cell_index)

        def report_change(self, name, attr, old, new):
            super().report_change(name, attr, old, new)
            if attr != "checksum" or self._edited:
                self.restored.append(f"{name}.{attr if attr != 'checksum' else 'source'}")

    return SharedOverwriteCells


# ---------------------------------------------------------------------------------------- a run


@dataclass
class Summary:
    assignment: str
    results: list[dict] = field(default_factory=list)   # one per submission graded now
    skipped: list[str] = field(default_factory=list)    # students already graded (same submission)
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r["status"]] = out.get(r["status"], 0) + 1
        return out


def _archive(course: Course, student: str, assignment: str, folder: Path, digest: str, timestamp: str | None) -> None:
    """Keep a copy of every distinct submission graded (nbgrader's collect overwrites earlier ones)."""
    stamp = "".join(ch if ch.isalnum() else "-" for ch in (timestamp or "no-timestamp"))[:40].strip("-")
    dest = course.root / "archive" / student / assignment / f"{stamp}_{digest[:12]}"
    if dest.exists():
        return
    tmp = dest.with_name(dest.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(folder, tmp, symlinks=True)
    tmp.rename(dest)


def plan_tasks(course: Course, assignment: str, notebooks: list[str], recorded: dict[str, str],
               students: list[str] | None, limits: Limits, force: bool, staging: Path,
               preload: tuple[str, ...]) -> tuple[list[Task], list[str]]:
    """The submissions to grade now, and the students skipped as already graded."""
    cd = course.coursedir()
    pattern = Path(cd.format_path(cd.submitted_directory, "*", assignment))
    folders = sorted(p for p in pattern.parent.parent.glob(f"*/{assignment}") if p.is_dir())
    cfg = course.config()
    ignore = tuple(cd.ignore)
    source = Path(cd.format_path(cd.source_directory, ".", assignment))
    config = json.loads(json.dumps(cfg, default=str))
    limit_dict = {k: v for k, v in asdict(limits).items() if k not in ("hide",)}
    limit_dict["env"] = tuple(tuple(x) for x in limits.env)
    tasks, skipped = [], []
    for folder in folders:
        student = folder.parent.name
        if students and student not in students:
            continue
        digest = submission_digest(folder)
        if not force and recorded.get(student) == digest:
            skipped.append(student)
            continue
        timestamp = _timestamp(folder)
        _archive(course, student, assignment, folder, digest, timestamp)
        tasks.append(Task(student=student, assignment=assignment, folder=str(folder), digest=digest,
                          timestamp=timestamp, notebooks=notebooks, source=str(source),
                          output=str(staging / f"{student}")
                          , hide=course.hidden_paths() + limits.hide, limits=limit_dict, ignore=ignore, config=config,
                          preload=preload))
    if students:
        unknown = sorted(set(students) - {f.parent.name for f in folders})
        if unknown:
            raise UsageError(_("No submission of {assignment} by {students}.", assignment=assignment,
                               students=", ".join(unknown)))
    return tasks, skipped


@functools.lru_cache(maxsize=None)
def _fast_metadata_checks() -> None:
    """nbgrader validates each cell's metadata with ``jsonschema.validate``, which checks the schema
    itself again on every call (90 % of the time of ``CheckCellMetadata``). Same schema, same
    errors: validate with one validator per schema instead."""
    import jsonschema
    from nbgrader.nbgraderformat import common

    validators: dict[int, object] = {}

    class _Validate:
        ValidationError = jsonschema.ValidationError

        def __getattr__(self, name):
            return getattr(jsonschema, name)

        @staticmethod
        def validate(instance, schema, *args, **kwargs):
            if args or kwargs:
                return jsonschema.validate(instance, schema, *args, **kwargs)
            v = validators.get(id(schema))
            if v is None:
                cls = jsonschema.validators.validator_for(schema)
                cls.check_schema(schema)
                v = validators[id(schema)] = (schema, cls(schema))
            error = jsonschema.exceptions.best_match(v[1].iter_errors(instance))
            if error is not None:
                raise error

    common.jsonschema = _Validate()


def _warm(preload: tuple[str, ...] = ()) -> int:
    """Start a worker's zygote and import what grading needs, before the first submission arrives."""
    import nbformat  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    _forker(preload)
    return os.getpid()


def run(course: Course, assignment: str, *, students: list[str] | None = None, workers: int | None = None,
        scheduler: str | None = None, limits: Limits = Limits(), force: bool = False,
        show_progress: bool = True) -> Summary:
    """Grade the submissions of ``assignment`` in ``course``; see the module docstring."""
    from iioe_nb.console import progress
    from iioe_nb.gradebook import Writer

    started = time.monotonic()
    _alembic_on_path()
    summary = Summary(assignment)
    cd = course.coursedir()
    preload = notebook_imports(Path(cd.format_path(cd.source_directory, ".", assignment)))
    with _Workers(workers, scheduler, preload) as pool, Writer(course) as writer:
        notebooks = writer.notebooks(assignment)
        if not notebooks:
            raise UsageError(_("{assignment} is not in the gradebook {db}: generate the assignment first.",
                               assignment=assignment, db=course.db_url))
        staging = Path(tempfile.mkdtemp(prefix=".iioe-staging-", dir=course.root))
        try:
            tasks, summary.skipped = plan_tasks(course, assignment, notebooks, writer.recorded(assignment), students,
                                                limits, force, staging, preload)
            autograded = lambda student, aid: course.step("autograded", student, aid)  # noqa: E731
            pending: list[Result] = []
            last_flush = time.monotonic()

            def flush() -> None:
                nonlocal last_flush
                if pending:
                    writer.write(pending, autograded)
                    summary.results.extend(_row(r) for r in pending)
                    pending.clear()
                last_flush = time.monotonic()

            with progress(_("Grading {assignment}", assignment=assignment), len(tasks), show_progress) as advance:
                for result in pool.results(tasks):
                    pending.append(result)
                    advance()
                    if len(pending) >= BATCH or time.monotonic() - last_flush > BATCH_SECONDS:
                        flush()
                flush()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.monotonic() - started
    return summary


def _row(r: Result) -> dict:
    scores = [v for n in r.notebooks for v in n.scores.values()]
    return {"student": r.student, "assignment": r.assignment, "status": r.status, "detail": r.detail,
            "auto_score": sum(v for v in scores if v is not None),
            "manual_items": sum(v is None for v in scores) + sum(len(n.tasks) for n in r.notebooks),
            "restored": [f"{n.name}: {c}" for n in r.notebooks for c in n.flagged],
            "seconds": round(r.seconds, 3)}


def _failed(task: Task, exc: BaseException) -> Result:
    return Result(task.student, task.assignment, task.digest, task.timestamp,
                  [NotebookResult("*", "error", f"{type(exc).__name__}: {exc}")], task.output)


class _Workers:
    """Where submissions are graded: a local pool of forked worker processes, or a Dask cluster.

    The local pool is forked at once, after the grading libraries are imported (so workers do not
    import them again) and before the gradebook is opened (so no database connection is shared)."""

    def __init__(self, workers: int | None, scheduler: str | None, preload: tuple[str, ...]) -> None:
        self.scheduler, self.pool = scheduler, None
        if scheduler:
            return
        import multiprocessing

        import nbformat  # noqa: F401
        import nbgrader.preprocessors  # noqa: F401

        n = max(1, workers or os.cpu_count() or 1)
        self.pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("fork"))
        for _ in range(n):
            self.pool.submit(_warm, preload)

    def __enter__(self) -> "_Workers":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def results(self, tasks: list[Task]):
        """Results as they complete."""
        if not tasks:
            return
        if self.scheduler:
            yield from _execute_dask(tasks, self.scheduler)
            return
        futures = {self.pool.submit(grade_task, t): t for t in tasks}
        while futures:
            done, _pending = wait(futures, return_when=FIRST_COMPLETED)
            for fut in done:
                task = futures.pop(fut)
                try:
                    yield fut.result()
                except Exception as exc:  # the worker itself died: this submission's status, not the run's end
                    yield _failed(task, exc)


def _execute_dask(tasks: list[Task], scheduler: str):
    try:
        from distributed import Client, as_completed
    except ImportError:
        from iioe_nb.errors import DependencyError

        raise DependencyError(_("--scheduler needs Dask distributed: pip install distributed")) from None
    with Client(scheduler) as client:
        futures = {client.submit(grade_task, t, pure=False, key=f"iioe-grade-{t.assignment}-{t.student}-{t.digest[:8]}"): t
                   for t in tasks}
        for fut in as_completed(list(futures)):
            try:
                yield fut.result()
            except Exception as exc:
                yield _failed(futures[fut], exc)


def _alembic_on_path() -> None:
    """nbgrader creates a gradebook by running ``alembic`` from PATH: make it this environment's."""
    import sys

    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
