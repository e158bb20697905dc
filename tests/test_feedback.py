"""``iioe feedback``: the trainee's language, scores and comments, and never the hidden tests."""
from __future__ import annotations

import json

import pytest

from iioe_nb import feedback, grading, samples

from test_grading import _module_workspace, _notebooks, _submit

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("lang", ["fr", "zh"])
def test_feedback_in_the_trainees_language_without_hidden_tests(minimal, lang, run_cli):
    ws, item = _module_workspace(minimal, lang=lang)
    rel, src = _notebooks(minimal, item)
    _submit(minimal, item, "amina", samples.answered(rel, src, "untouched"))
    _submit(minimal, item, "kofi", samples.answered(rel, src, "solved"))
    grading.run(ws, item.assignment, show_progress=False)
    from nbgrader.api import Gradebook

    with Gradebook(ws.db_url, ws.course_id) as gb:
        comment = gb.find_comment("price-per-gb", item.module, item.assignment, "kofi")
        comment.manual_comment = "Bien joué" if lang == "fr" else "做得好"
        gb.db.commit()
    result = run_cli("--lang", lang, "feedback", item.module, "--lang", lang, "--json", root=minimal.root)
    assert result.exit_code == 0, result.stderr
    pages = {w["student"]: w for w in json.loads(result.stdout)}
    assert set(pages) == {"amina", "kofi"}
    untouched = open(pages["amina"]["path"], encoding="utf-8").read()
    solved = open(pages["kofi"]["path"], encoding="utf-8").read()
    hidden = [line.strip() for c in src["cells"] for part in ["".join(c["source"]) if isinstance(c["source"], list)
              else c["source"]] if "### BEGIN HIDDEN TESTS" in part
              for line in part.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].splitlines()
              if line.strip()]
    assert hidden
    for page in (untouched, solved):
        assert "HIDDEN TESTS" not in page and "MARK SCHEME" not in page
        for line in hidden:
            assert line not in page and line.replace("'", "&#39;") not in page
    assert f'<html lang="{lang}">' in untouched
    assert {"fr": "Note : 0 / 2", "zh": "得分：0 / 2"}[lang] in untouched and ("Bien joué" if lang == "fr" else "做得好") in solved
    assert "Traceback" not in untouched
    assert pages["kofi"]["score"] > pages["amina"]["score"] == 0


def test_feedback_needs_a_graded_assignment(minimal):
    from iioe_nb import workspace
    from iioe_nb.errors import UsageError

    with pytest.raises(UsageError):
        feedback.write(workspace.course(minimal), "sample-unit-rates-en", "en")
