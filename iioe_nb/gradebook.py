"""The gradebook: nbgrader's database, written by one writer in batches, and our record of each grading.

nbgrader's tables stay nbgrader's (formgrader, ``generate_feedback`` and ``export`` read them as
usual); one table of ours, ``iioe_grading``, records per assignment and student the digest of the
submission last graded, its status (see ``grading.STATUSES``), a detail line and the seconds spent.
A result's grades, comments, late penalties and record are committed together, so a record exists
only for a submission whose grades are all stored.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import warnings
from pathlib import Path

from iioe_nb.grading import Course, Result

TABLE = "iioe_grading"


def _table(metadata):
    from sqlalchemy import Column, Float, String, Table, Text

    return Table(TABLE, metadata,
                 Column("assignment", String(128), primary_key=True),
                 Column("student", String(128), primary_key=True),
                 Column("digest", String(64), nullable=False),
                 Column("timestamp", String(64)),
                 Column("status", String(32), nullable=False),
                 Column("detail", Text),
                 Column("score", Float),
                 Column("max_score", Float),
                 Column("seconds", Float),
                 Column("graded_at", String(32)),
                 extend_existing=True)


class Writer:
    """The one process that writes the gradebook during a run."""

    def __init__(self, course: Course) -> None:
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import AssignLatePenalties
        from sqlalchemy import MetaData

        self.course = course
        self.gb = Gradebook(course.db_url, course.course_id)
        self.table = _table(MetaData())
        self.table.create(bind=self.gb.engine, checkfirst=True)
        self._late = AssignLatePenalties(config=course.config())
        self._late.init_plugin()

    def close(self) -> None:
        self.gb.close()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------------------------------- reading
    def notebooks(self, assignment: str) -> list[str]:
        from nbgrader.api import MissingEntry

        try:
            return [nb.name for nb in self.gb.find_assignment(assignment).notebooks]
        except MissingEntry:
            return []

    def recorded(self, assignment: str) -> dict[str, str]:
        """student → digest of the submission last graded."""
        from sqlalchemy import select

        rows = self.gb.db.execute(select(self.table.c.student, self.table.c.digest)
                                  .where(self.table.c.assignment == assignment))
        return {r.student: r.digest for r in rows}

    def records(self, assignment: str) -> list[dict]:
        from sqlalchemy import select

        rows = self.gb.db.execute(select(self.table).where(self.table.c.assignment == assignment)
                                  .order_by(self.table.c.student))
        return [dict(r._mapping) for r in rows]

    # ----------------------------------------------------------------------------------- writing
    def write(self, results: list[Result], autograded) -> None:
        """Store ``results`` in one transaction; ``autograded(student, assignment)`` is the folder to fill."""
        for res in results:
            _swap_in(Path(res.output), autograded(res.student, res.assignment))
        try:
            with warnings.catch_warnings():
                # nbgrader's update_or_create_submission makes SQLAlchemy warn about its own autoflush
                warnings.simplefilter("ignore", category=Warning)
                for res in results:
                    self._store(res)
            self.gb.db.commit()
        except Exception:
            self.gb.db.rollback()
            raise

    def _store(self, res: Result) -> None:
        from nbgrader.utils import parse_utc
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        gb = self.gb
        gb.update_or_create_student(res.student)
        timestamp = parse_utc(res.timestamp) if res.timestamp else None
        if timestamp is not None:
            submission = gb.update_or_create_submission(res.assignment, res.student, timestamp=timestamp)
        else:
            submission = gb.update_or_create_submission(res.assignment, res.student)
        notebooks = {n.notebook.name: n for n in submission.notebooks}
        for nbres in res.notebooks:
            notebook = notebooks.get(nbres.name)
            if notebook is None:
                continue
            grades, comments = self._cells(notebook)
            if nbres.status in ("missing", "invalid"):
                # nbgrader gives a missing notebook zero; one it cannot read it leaves ungraded, for a person
                for grade in grades.values():
                    grade.auto_score = 0 if nbres.status == "missing" else None
                    grade.needs_manual_grade = nbres.status == "invalid"
                continue
            for grade_id, score in nbres.scores.items():
                grade = grades.get(grade_id)
                if grade is not None:
                    grade.auto_score = score
                    grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            for grade_id, text in nbres.comments.items():
                if grade_id in comments:
                    comments[grade_id].auto_comment = text
        gb.db.flush()
        self._late_penalties(submission)
        score, max_score = _totals(gb, res)
        values = dict(assignment=res.assignment, student=res.student, digest=res.digest, timestamp=res.timestamp,
                      status=res.status, detail=res.detail[:2000], score=score, max_score=max_score,
                      seconds=round(res.seconds, 3), graded_at=dt.datetime.now(dt.timezone.utc).isoformat())
        if gb.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            insert = sqlite_insert
        stmt = insert(self.table).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=["assignment", "student"],
                                          set_={k: v for k, v in values.items() if k not in ("assignment", "student")})
        gb.db.execute(stmt)

    def _cells(self, notebook) -> tuple[dict, dict]:
        """A submitted notebook's grades and comments by cell name, in two queries (not one per cell)."""
        from nbgrader.api import Comment, Grade
        from sqlalchemy.orm import joinedload

        grades = self.gb.db.query(Grade).options(joinedload(Grade.cell)).filter(Grade.notebook_id == notebook.id)
        comments = self.gb.db.query(Comment).options(joinedload(Comment.cell)).filter(Comment.notebook_id == notebook.id)
        return {g.cell.name: g for g in grades}, {c.cell.name: c for c in comments}

    def _late_penalties(self, submission) -> None:
        """nbgrader's ``AssignLatePenalties``, on the open session."""
        for notebook in submission.notebooks:
            self.gb.db.refresh(notebook)
            notebook.late_submission_penalty = None
            if submission.total_seconds_late > 0:
                penalty = self._late.plugin_inst.late_submission_penalty(
                    submission.student.id, notebook.score, submission.total_seconds_late)
                if penalty is not None:
                    notebook.late_submission_penalty = self._late._check_late_penalty(notebook, penalty)


def _totals(gb, res: Result) -> tuple[float, float]:
    sub = gb.find_submission(res.assignment, res.student)
    gb.db.refresh(sub)
    return float(sub.score or 0), float(sub.max_score or 0)


def _swap_in(staged: Path, target: Path) -> None:
    """Replace ``target`` by ``staged`` (a rename on the same file system; the old copy goes last)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        shutil.move(str(staged), str(target))
    except Exception:
        if old.exists() and not target.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
