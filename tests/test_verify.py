"""``iioe verify`` with real kernels: it passes a good module and names each kind of authoring error."""
from __future__ import annotations

import json

import pytest

from iioe_nb import build, verify
from iioe_nb.errors import VerifyError

from conftest import cell, nbg, notebook

pytestmark = pytest.mark.slow


def _edit_notebook(project, change):
    path = project.module_notebook("sample-unit-rates")
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def test_good_module_passes_in_every_language(minimal):
    build.build(minimal, show_progress=False)
    findings = verify.verify(minimal, show_progress=False)
    kinds = sorted((f.check, f.lang) for f in findings)
    assert kinds == [("leak", "en"), ("leak", "fr"), ("leak", "zh"), ("lesson", "en"), ("lesson", "fr"),
                     ("lesson", "zh"), ("release", "en"), ("release", "fr"), ("release", "zh"), ("solution", "en")]
    assert all(not f.problems for f in findings)


def test_stale_release_is_refused(minimal):
    from iioe_nb.errors import BuildError

    with pytest.raises(BuildError, match="stale"):
        verify.verify(minimal, show_progress=False)


def test_wrong_solution_and_untestable_exercise_are_named(minimal):
    def change(nb):
        nb["cells"][5]["source"] = ("def price_per_gb(price, gigabytes):\n    ### BEGIN SOLUTION\n"
                                    "    return gigabytes / price\n    ### END SOLUTION")
        nb["cells"].insert(7, cell("code", "check(len(plans) == 3, 'There should be 3 plans')", "freebie",
                                   nbg("free-points", grade=True, locked=True, points=1)))
        nb["cells"][8]["metadata"]["nbgrader"]["points"] = 1  # keep the module total at 4

    _edit_notebook(minimal, change)
    build.build(minimal, show_progress=False)
    with pytest.raises(VerifyError) as err:
        verify.verify(minimal, ["sample-unit-rates"], ["fr"], show_progress=False)
    text = str(err.value)
    assert "sample-unit-rates [en] solution: price-per-gb-test" in text and "test fails with the solution" in text
    assert "sample-unit-rates [fr] release: free-points (freebie): test passes on the untouched notebook" in text


def test_leak_scan_finds_solution_hidden_test_and_mark_scheme():
    source = notebook(
        cell("code", "def f(x):\n    ### BEGIN SOLUTION\n    return sorted(x, key=len)[::-1]\n    ### END SOLUTION", "a",
             nbg("f", solution=True)),
        cell("code", "check(f([]) == [], 'empty')\n### BEGIN HIDDEN TESTS\nassert f(['aa', 'b']) == ['aa', 'b']\n### END HIDDEN TESTS",
             "b", nbg("t", grade=True, locked=True, points=1)),
        cell("markdown", "Why?\n\n=== BEGIN MARK SCHEME ===\n\nOne point for naming the learners' devices.\n\n=== END MARK SCHEME ===",
             "c", nbg("r", task=True, locked=True, points=1)),
    )
    clean = "def f(x):\n    raise NotImplementedError()\ncheck(f([]) == [], 'empty')\nWhy?"
    assert verify.leak_scan(clean, source) == []
    leaky = clean + "\nreturn sorted(x, key=len)[::-1]\nassert f(['aa', 'b']) == ['aa', 'b']\nOne point for naming the learners' devices."
    problems = verify.leak_scan(leaky, source)
    assert len(problems) == 3
    assert any("solution line leaked" in p for p in problems)
    assert any("hidden test line leaked" in p for p in problems)
    assert any("mark scheme line leaked" in p for p in problems)
    assert verify.leak_scan(clean + "\n### BEGIN SOLUTION", source) == ["marker 'BEGIN SOLUTION' left in the release"]


def test_a_crashing_kernel_is_a_finding_not_a_crash(minimal):
    def change(nb):
        nb["cells"][3]["source"] += "\nimport os\nos._exit(1)"

    _edit_notebook(minimal, change)
    build.build(minimal, show_progress=False)
    with pytest.raises(VerifyError, match=r"sample-unit-rates \[en\] solution"):
        verify.verify(minimal, ["sample-unit-rates"], ["en"], show_progress=False)


def test_a_lesson_cell_that_raises_is_named(minimal):
    # an example that reaches the trainee's answer in a way the lesson cannot see, and so raises there
    path = minimal.module_notebook("sample-unit-rates")
    nb = json.loads(path.read_text(encoding="utf-8"))
    at = next(i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("solution")) + 1
    nb["cells"].insert(at, cell("code", 'print(globals()["price_per_gb"](2, 4))', "sneaky1",
                                nbg("sneaky", locked=True)))
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    build.build(minimal, show_progress=False)
    with pytest.raises(VerifyError, match=r"sample-unit-rates \[fr\] lesson: sneaky"):
        verify.verify(minimal, langs=["fr"], show_progress=False)
