"""``iioe feedback``: one HTML page per trainee and notebook, in the trainee's language.

Made from the autograded notebook and the gradebook (auto and manual scores, the grader's comments),
laid out as nbgrader's ``feedback/<student>/<assignment>/<notebook>.html`` so nbgrader's
``release_feedback`` can hand it out. A trainee sees which test failed and its message, never the
test's code: hidden tests are cut from test cells (nbgrader shows them, its issue #917), tracebacks of
test cells are replaced by the failing test's message, and mark schemes are removed.
"""
from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from iioe_nb.grading import Course
from iioe_nb.messages import gettext_in


@dataclass
class Written:
    student: str
    assignment: str
    path: Path
    score: float
    max_score: float


def _note(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {"iioe_feedback": True}, "source": text, "id": None}


def _failure(lang: str, output: dict) -> str:
    message = (output.get("evalue") or "").strip()
    if output.get("ename") == "AssertionError" and message:
        return gettext_in(lang, "Test failed: {message}").format(message=message)
    if output.get("ename") == "AssertionError":
        return gettext_in(lang, "A hidden test failed: check your answer against the task once more.")
    if output.get("ename") in ("CellTimeoutError", "KeyboardInterrupt"):
        return gettext_in(lang, "The test ran out of time: look for a loop that never ends.")
    if output.get("ename") == "CellNotRun":
        return gettext_in(lang, "The test did not run: the notebook stopped before it (see above).")
    return gettext_in(lang, "The test stopped with {error}: {message}").format(
        error=output.get("ename", "Error"), message=message)


def feedback_notebook(nb, lang: str, scores: dict, comments: dict, header: str):
    """``nb`` (autograded) made fit for the trainee: hidden tests, test tracebacks and mark schemes out,
    a score line above each graded cell and the grader's comment below it."""
    import nbformat
    from nbgrader import utils
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme

    nb = nbformat.from_dict(nb)
    nb, _res = ClearHiddenTests(enforce_metadata=False).preprocess(nb, {})
    nb, _res = ClearMarkScheme(enforce_metadata=False).preprocess(nb, {})
    cells = [nbformat.from_dict(_note(header))]
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        is_test = utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code"
        if is_test:
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error" and
                            not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            for err in errors:
                cell.outputs.append(nbformat.from_dict({"output_type": "stream", "name": "stdout",
                                                        "text": _failure(lang, err) + "\n"}))
        if gid in scores and (utils.is_grade(cell) or utils.is_task(cell)):
            score, max_score = scores[gid]
            shown = gettext_in(lang, "not graded yet") if score is None else f"{score:g}"
            cells.append(nbformat.from_dict(_note(
                "**" + gettext_in(lang, "Score: {score} / {max}").format(score=shown, max=f"{max_score:g}") + "**")))
        cells.append(cell)
        if comments.get(gid):
            cells.append(nbformat.from_dict(_note(
                "> **" + gettext_in(lang, "Comment from your trainer") + ":** " + html.escape(comments[gid]))))
    nb.cells = cells
    for c in nb.cells:
        c.pop("id", None)
    nb.nbformat_minor = 4
    return nb


def write(course: Course, assignment: str, lang: str, students: list[str] | None = None) -> list[Written]:
    """Feedback pages of every graded submission of ``assignment`` (or of ``students``)."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbgrader.api import Gradebook, MissingEntry

    exporter = HTMLExporter(template_name="lab", language_code=lang)
    out: list[Written] = []
    with Gradebook(course.db_url, course.course_id) as gb:
        try:
            assignment_row = gb.find_assignment(assignment)
        except MissingEntry:
            from iioe_nb.errors import UsageError

            raise UsageError(gettext_in(lang, "{assignment} is not in the gradebook: grade it first.")
                             .format(assignment=assignment)) from None
        for sub in sorted(assignment_row.submissions, key=lambda s: s.student.id):
            student = sub.student.id
            if students and student not in students:
                continue
            auto_dir = course.step("autograded", student, assignment)
            dest = course.step("feedback", student, assignment)
            for snb in sub.notebooks:
                path = auto_dir / f"{snb.name}.ipynb"
                if not path.exists():
                    continue
                scores = {g.name: (g.score, g.max_score) for g in snb.grades}
                comments = {c.name: c.comment for c in snb.comments if c.comment}
                header = "# " + gettext_in(lang, "Feedback for {student}").format(student=student) + "\n\n" + \
                    gettext_in(lang, "{assignment}: {score} of {max} points.").format(
                        assignment=assignment, score=f"{sub.score:g}", max=f"{sub.max_score:g}")
                nb = feedback_notebook(nbformat.read(path, as_version=4), lang, scores, comments, header)
                body, _res = exporter.from_notebook_node(nb, resources={"metadata": {"name": snb.name}})
                dest.mkdir(parents=True, exist_ok=True)
                target = dest / f"{snb.name}.html"
                fd, tmp = tempfile.mkstemp(dir=dest, suffix=".part")
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(body)
                os.replace(tmp, target)
                out.append(Written(student, assignment, target, float(sub.score), float(sub.max_score)))
    return out
