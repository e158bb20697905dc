"""The IIOE workspace as an nbgrader course directory.

``IIOE_HOME`` gets an ``nbgrader_config.py`` (its gradebook URL and course id), so nbgrader's own
commands — formgrader, ``nbgrader generate_feedback``, ``nbgrader export`` — work when run there.
Before grading a module, each language's source notebook (solutions, hidden tests) is written to
``source/<module>-<lang>/`` and registered in the gradebook with nbgrader's ``GenerateAssignment``
(in-process), again only when its source changed.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from iioe_nb.build import Item, write_language_source
from iioe_nb.catalog import load_catalog
from iioe_nb.errors import UsageError
from iioe_nb.grading import Course
from iioe_nb.messages import _
from iioe_nb.paths import Project

COURSE_ID = "iioe"
_DIGEST = ".iioe-source-digest"
_CONFIG = '''# Written by iioe: the IIOE workspace is an nbgrader course directory.
c = get_config()  # noqa: F821
c.CourseDirectory.db_url = {db!r}
c.CourseDirectory.course_id = {course!r}
'''


def course(project: Project) -> Course:
    """The workspace as a ``Course``, with its config file written when missing or outdated."""
    project.home.mkdir(parents=True, exist_ok=True)
    project.home.chmod(0o700)  # submissions, gradebook and hidden tests: the grader's alone
    cfg = project.home / "nbgrader_config.py"
    text = _CONFIG.format(db=project.database_url, course=COURSE_ID)
    if not cfg.exists() or cfg.read_text(encoding="utf-8") != text:
        cfg.write_text(text, encoding="utf-8")
    secret = tuple(str(p) for p in (project.source_dir, project.root / ".git", project.courses_dir))
    return Course(root=project.home, db_url=project.database_url, course_id=COURSE_ID, config_file=cfg, secret=secret)


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != _DIGEST:
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def assignments(project: Project, module: str, langs: list[str] | None) -> list[Item]:
    """The module's assignments (one per language), those with submissions when no language is named."""
    cat = load_catalog(project)
    c, m = cat.module(module)
    items = [Item(c.id, m.id, lang) for lang in c.languages if not langs or lang in langs]
    if langs:
        unknown = sorted(set(langs) - set(c.languages))
        if unknown:
            raise UsageError(_("{module} is not offered in {langs}.", module=module, langs=", ".join(unknown)))
        return items
    submitted = project.step_dir("submitted")
    with_work = [i for i in items if any(submitted.glob(f"*/{i.assignment}"))]
    return with_work or items


def register(project: Project, ws: Course, item: Item) -> None:
    """Write ``source/<assignment>/`` and register it in the gradebook when its source changed."""
    target = ws.root / "source" / item.assignment
    with tempfile.TemporaryDirectory(prefix="iioe-src-") as tmp:
        fresh = Path(tmp) / item.assignment
        write_language_source(project, item, fresh)
        digest = _digest(fresh)
        marker = target / _DIGEST
        if marker.exists() and marker.read_text() == digest and _in_gradebook(ws, item.assignment):
            return
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(fresh, target)
    from iioe_nb.build import _stub_config

    generate(ws, item.assignment, _stub_config(item.lang))
    marker.write_text(digest)


def _in_gradebook(ws: Course, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(ws.db_url, ws.course_id) as gb:
        try:
            return bool(gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            return False


def generate(ws: Course, assignment: str, extra=None) -> None:
    """nbgrader's ``generate_assignment`` of ``source/<assignment>/``, gradebook step included, in-process."""
    import logging

    from nbgrader.converters import GenerateAssignment
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    from iioe_nb.errors import BuildError
    from iioe_nb.grading import _alembic_on_path

    _alembic_on_path()
    cfg = ws.config()
    if extra is not None:
        cfg.merge(extra)
    cfg.CourseDirectory.assignment_id = assignment
    cfg.GenerateAssignment.force = True
    cfg.GenerateAssignment.create_assignment = True
    converter = GenerateAssignment(coursedir=CourseDirectory(config=cfg), config=cfg)
    converter.log = logging.getLogger(f"iioe.grade.{assignment}")
    converter.log.propagate = False
    converter.log.handlers = [logging.NullHandler()]
    try:
        converter.start()
    except NbGraderException as exc:
        raise BuildError(_("{assignment}: nbgrader could not register the assignment ({problem}).",
                           assignment=assignment, problem=exc)) from None
