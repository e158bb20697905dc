"""Cutting notebooks into messages and putting translations back."""
from __future__ import annotations

import pytest

from iioe_nb import translation
from iioe_nb.errors import NotebookError, TranslationError

from conftest import cell, nbg, notebook

MD = "# Title\n\nFirst paragraph with `code` and $x^2$.\n\n- item one\n- item two\n\n| Unit | Bytes |\n|---|---|\n| kilobyte | 1000 |"


def test_markdown_is_cut_by_block_and_located():
    msgs = translation.extract(notebook(cell("markdown", MD, "m1")))
    assert [m.msgid for m in msgs] == ["Title", "First paragraph with `code` and $x^2$.", "item one", "item two",
                                       "Unit", "Bytes", "kilobyte"]  # "1000" has no words to translate
    assert msgs[1].locations == [("m1", 2)] and not msgs[1].code


def test_code_messages_only_from_tr_and_check_outside_secrets():
    src = ("print(tr('Hello {name}', name=n))\nlabel = tr(\"Learners\")\nx.tr('not me')\n"
           "check(total == 3, 'Total should be 3, not {got}', got=total)\n"
           "### BEGIN HIDDEN TESTS\ncheck(a, 'hidden message')\n### END HIDDEN TESTS\n"
           "check(ok, some_variable)\nprint(f'not extracted {x}')")
    msgs = translation.extract(notebook(cell("code", src, "c1")))
    assert [m.msgid for m in msgs] == ["Hello {name}", "Learners", "Total should be 3, not {got}"]
    assert all(m.code for m in msgs)
    assert msgs[0].flags == {"python-brace-format"} and msgs[1].flags == set()


def test_same_text_twice_is_one_message_with_two_locations():
    nb = notebook(cell("markdown", "Same", "a"), cell("markdown", "Same", "b"))
    (msg,) = translation.extract(nb)
    assert msg.locations == [("a", 1), ("b", 1)]


def test_mark_scheme_markers_are_not_messages_and_survive_translation():
    src = "Prompt text.\n\n=== BEGIN MARK SCHEME ===\n\n- one point\n\n=== END MARK SCHEME ==="
    nb = notebook(cell("markdown", src, "t", nbg("task", task=True, points=1, locked=True)))
    assert [m.msgid for m in translation.extract(nb)] == ["Prompt text.", "one point"]
    out, missing = translation.apply(nb, {"Prompt text.": "Consigne.", "one point": "un point"})
    assert out["cells"][0]["source"] == "Consigne.\n\n=== BEGIN MARK SCHEME ===\n\n- un point\n\n=== END MARK SCHEME ==="
    assert missing == []


def test_manual_answer_cells_are_not_extracted():
    nb = notebook(cell("markdown", "Model answer", "a", nbg("ans", solution=True, grade=True, points=1)))
    assert translation.extract(nb) == []


def test_apply_translates_literals_and_keeps_code():
    src = "w = Slider(description=tr('Learners'), max=100)\ncheck(w.value > 0, 'Move the slider, {who}', who=me)"
    nb = notebook(cell("code", src, "c"))
    out, missing = translation.apply(nb, {"Learners": "Apprenants", "Move the slider, {who}": "Bougez le curseur, {who}"})
    assert out["cells"][0]["source"] == ("w = Slider(description=tr('Apprenants'), max=100)\n"
                                         "check(w.value > 0, 'Bougez le curseur, {who}', who=me)")
    assert nb["cells"][0]["source"] == src, "apply must not change its input"
    assert missing == []


def test_apply_reports_what_stays_english():
    nb = notebook(cell("markdown", "One.\n\nTwo.", "m"))
    out, missing = translation.apply(nb, {"One.": "Un."})
    assert out["cells"][0]["source"] == "Un.\n\nTwo."
    assert missing == ["Two."]


@pytest.mark.parametrize("msgid, msgstr, code, ok", [
    ("Total {n}", "Total : {n}", True, True),
    ("Total {n}", "Total : {count}", True, False),
    ("Total {n}", "Total : {n", True, False),
    ("Use `sum()` on $x$", "Utilisez `sum()` sur $x$", False, True),
    ("Use `sum()` on $x$", "Utilisez `somme()` sur $x$", False, False),
    ("See [guide](http://a.org/x)", "Voir [le guide](http://a.org/x)", False, True),
    ("See [guide](http://a.org/x)", "Voir [le guide](http://a.org/y)", False, False),
])
def test_translation_problems(msgid, msgstr, code, ok):
    assert (translation.translation_problem(msgid, msgstr, code) is None) is ok
    table = {msgid: (msgstr, code, "fr.po:12")}
    if ok:
        translation.check_table(table)
    else:
        with pytest.raises(TranslationError, match="fr.po:12"):
            translation.check_table(table)


@pytest.mark.parametrize("nb, pattern", [
    ({"cells": "nope"}, "not a notebook"),
    ({"cells": [], "nbformat": 4, "nbformat_minor": 2}, "format 4.2 has no cell ids"),
    (notebook(cell("markdown", "a", "x"), cell("markdown", "b", "x")), "repeats the cell id 'x'"),
    (notebook({"cell_type": "markdown", "source": "a", "metadata": {}}), "cell 1 has no id"),
    (notebook(cell("markdown", "a", "x", {"nbgrader": "broken"})), "not a mapping"),
])
def test_bad_notebooks_are_named(nb, pattern):
    with pytest.raises(NotebookError, match=pattern):
        translation.extract(nb, "source/m/m.ipynb")
