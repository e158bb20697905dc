"""``iioe grade`` gives nbgrader's scores, survives hostile submissions, resumes and archives.

The comparison runs the real ``nbgrader autograde`` command and ``iioe grade --course-dir`` on copies
of one course directory made from the notebooks nbgrader ships for its own tests.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iioe_nb import grading, samples, workspace
from iioe_nb.errors import UsageError
from iioe_nb.kernels import Limits

from conftest import REPO

NBGRADER_FILES = Path(__import__("nbgrader").__file__).parent / "tests" / "apps" / "files"
VENV_BIN = str(Path(sys.executable).parent)

#: assignment → (source notebook, {student: submitted notebook}); "=source"/"=release" are made here
CASES = {
    "ps1": ("submitted-unchanged.ipynb", {"unchanged": "submitted-unchanged.ipynb", "changed": "submitted-changed.ipynb",
                           "cheat": "submitted-cheat-attempt.ipynb",
                           "cheat-alt": "submitted-cheat-attempt-alternative.ipynb",
                           "grade-cell-changed": "submitted-grade-cell-changed.ipynb",
                           "locked-cell-changed": "submitted-locked-cell-changed.ipynb",
                           "untouched": "=release"}),
    "test": ("test.ipynb", {"solved": "=source", "untouched": "=release"}),
    "hidden": ("test-hidden-tests.ipynb", {"solved": "=source", "untouched": "=release"}),
    "effects": ("side-effects.ipynb", {"solved": "=source"}),
    "loop": ("infinite-loop.ipynb", {"solved": "=source"}),
    "flood": ("infinite-loop-with-output.ipynb", {"solved": "=source"}),
    "zero": ("validation-zero-points.ipynb", {"solved": "=source", "untouched": "=release"}),
}
CONFIG = """c = get_config()
c.CourseDirectory.db_url = "sqlite:///{db}"
c.Execute.timeout = 3
"""


def _course_dir(root: Path) -> grading.Course:
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(CONFIG.format(db=root / "gradebook.db"))
    course = grading.Course.from_directory(root)
    for aid, (source, subs) in CASES.items():
        src = root / "source" / aid
        src.mkdir(parents=True)
        shutil.copyfile(NBGRADER_FILES / source, src / "p1.ipynb")
        shutil.copyfile(NBGRADER_FILES / "data.txt", src / "data.txt")
        workspace.generate(course, aid)
        for student, name in subs.items():
            folder = root / "submitted" / student / aid
            folder.mkdir(parents=True)
            origin = {"=source": src / "p1.ipynb", "=release": root / "release" / aid / "p1.ipynb"}.get(
                name, NBGRADER_FILES / name)
            shutil.copyfile(origin, folder / "p1.ipynb")
            (folder / "timestamp.txt").write_text("2026-12-01 09:00:00.000000 UTC")
    _fixture_module(root, course)
    return course


def _fixture_module(root: Path, course: grading.Course) -> None:
    """Our own fixture module (tests/fixtures/minimal) as an nbgrader assignment, with sample submissions."""
    from iioe_nb.build import Item, write_language_source
    from iioe_nb.paths import Project

    project = Project.discover(REPO / "tests" / "fixtures" / "minimal")
    src = root / "source" / "unit-rates"
    write_language_source(project, Item("sample", "sample-unit-rates", "en"), src)
    workspace.generate(course, "unit-rates")
    release = root / "release" / "unit-rates"
    rel = json.loads((release / "sample-unit-rates.ipynb").read_text())
    source = json.loads((src / "sample-unit-rates.ipynb").read_text())
    for variant in samples.VARIANTS:
        samples.write_submission(root / "submitted" / variant / "unit-rates", release, "sample-unit-rates",
                                 samples.answered(rel, source, variant), "2026-12-01 09:00:00.000000 UTC")


def _grades(db: Path) -> dict:
    con = sqlite3.connect(db)
    rows = con.execute("""
        select a.name, st.id, c.name, g.auto_score, g.needs_manual_grade
        from grade g join submitted_notebook sn on g.notebook_id = sn.id
        join submitted_assignment sa on sn.assignment_id = sa.id
        join assignment a on sa.assignment_id = a.id
        join student st on sa.student_id = st.id join base_cell c on g.cell_id = c.id""")
    out = {(r[0], r[1], r[2]): (r[3], bool(r[4])) for r in rows}
    comments = con.execute("""
        select a.name, st.id, c.name, cm.auto_comment from comment cm
        join submitted_notebook sn on cm.notebook_id = sn.id join submitted_assignment sa on sn.assignment_id = sa.id
        join assignment a on sa.assignment_id = a.id join student st on sa.student_id = st.id
        join base_cell c on cm.cell_id = c.id""")
    out.update({("comment",) + tuple(r[:3]): r[3] for r in comments})
    con.close()
    return out


@pytest.fixture(scope="module")
def graded_both(tmp_path_factory):
    base = tmp_path_factory.mktemp("compare")
    made = _course_dir(base / "made")
    copies = {}
    for name in ("nbgrader", "iioe"):
        shutil.copytree(made.root, base / name)
        cfg = base / name / "nbgrader_config.py"
        cfg.write_text(CONFIG.format(db=base / name / "gradebook.db"))
        copies[name] = base / name
    env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    for aid in (*CASES, "unit-rates"):
        subprocess.run(["nbgrader", "autograde", aid], cwd=copies["nbgrader"], env=env, capture_output=True,
                       timeout=600)
    course = grading.Course.from_directory(copies["iioe"])
    summaries = {aid: grading.run(course, aid, show_progress=False) for aid in (*CASES, "unit-rates")}
    return copies, summaries


@pytest.mark.slow
def test_same_scores_flags_and_comments_as_nbgrader_autograde(graded_both):
    copies, _summaries = graded_both
    theirs, ours = _grades(copies["nbgrader"] / "gradebook.db"), _grades(copies["iioe"] / "gradebook.db")
    assert theirs, "nbgrader graded nothing"
    assert len(theirs) > 40
    different = {k: (theirs.get(k), ours.get(k)) for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k)}
    assert not different


@pytest.mark.slow
def test_same_autograded_notebooks_layout_as_nbgrader(graded_both):
    copies, _summaries = graded_both
    for aid, (_source, subs) in CASES.items():
        for student in subs:
            theirs = copies["nbgrader"] / "autograded" / student / aid
            ours = copies["iioe"] / "autograded" / student / aid
            assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir())


@pytest.mark.slow
def test_statuses_name_what_happened(graded_both):
    _copies, summaries = graded_both
    by = {(aid, r["student"]): r for aid, s in summaries.items() for r in s.results}
    assert by[("loop", "solved")]["status"] == "timeout"
    assert by[("ps1", "locked-cell-changed")]["restored"], "a changed locked cell is restored and flagged"
    assert by[("test", "solved")]["status"] == "needs-manual"   # free-text answers wait for a person


# ------------------------------------------------------------------------------- the workspace


def _module_workspace(minimal, module="sample-unit-rates", lang="en"):
    from iioe_nb.build import build

    build(minimal, [module], [lang], show_progress=False)
    ws = workspace.course(minimal)
    item = workspace.assignments(minimal, module, [lang])[0]
    workspace.register(minimal, ws, item)
    return ws, item


def _submit(minimal, item, student: str, nb: dict, timestamp="2026-12-01 10:00:00.000000 UTC") -> Path:
    release = minimal.release_module_dir(item.module, item.lang)
    folder = minimal.step_dir("submitted") / student / item.assignment
    if folder.exists():
        shutil.rmtree(folder)
    return samples.write_submission(folder, release, item.module, nb, timestamp)


def _notebooks(minimal, item):
    rel = json.loads(minimal.release_notebook(item.module, item.lang).read_text())
    src = json.loads((minimal.home / "source" / item.assignment / f"{item.module}.ipynb").read_text())
    return rel, src


def _with_answer(nb: dict, code: str) -> dict:
    """``nb`` with its first code answer cell replaced by ``code``."""
    out = json.loads(json.dumps(nb))
    cell = next(c for c in out["cells"] if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution"))
    cell["source"] = code
    return out


SOLVED_FN = "def price_per_gb(price, gigabytes):\n    return price / gigabytes\n"
HOSTILE = {
    "loop": "while True:\n    pass\n",
    "stubborn-loop": "import time\nwhile True:\n    try:\n        time.sleep(5)\n    except KeyboardInterrupt:\n        pass\n",
    "memory": "hog = bytearray(8 * 1024 ** 3)\n" + SOLVED_FN,
    "flood": "while True:\n    print('x' * 1000)\n",
    "exit": "import os\nos._exit(0)\n",
    "segfault": "import ctypes\nctypes.string_at(0)\n",
    "fork-storm": "import os\nfor _ in range(10000):\n    try:\n        os.fork()\n    except OSError:\n        break\n" + SOLVED_FN,
    "hide-failures": "get_ipython().showtraceback = lambda *a, **k: None\ndef price_per_gb(price, gigabytes):\n    return 0\n",
    "gradebook": "open({db!r}, 'w').write('gone')\n" + SOLVED_FN,
    "hidden-tests": "print(open({src!r}).read())\n" + SOLVED_FN,
    "repo-sources": "print(open({repo_src!r}).read())\n" + SOLVED_FN,
    "other-trainee": "print(open({other!r}).read())\n" + SOLVED_FN,
    "environment": "import os\nassert os.environ.get('IIOE_SECRET') == 'hunter2'\n" + SOLVED_FN,
    "network": "import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=2)\n" + SOLVED_FN,
}


@pytest.mark.slow
def test_hostile_and_broken_submissions_are_contained(minimal, monkeypatch):
    ws, item = _module_workspace(minimal)
    rel, src = _notebooks(minimal, item)
    solved = samples.answered(rel, src, "solved")
    _submit(minimal, item, "good", solved)
    db = ws.db_url[len("sqlite:///"):]
    values = dict(db=db, src=str(ws.root / "source" / item.assignment / f"{item.module}.ipynb"),
                  repo_src=str(minimal.module_notebook(item.module)),
                  other=str(minimal.step_dir("submitted") / "good" / item.assignment / f"{item.module}.ipynb"))
    for name, code in HOSTILE.items():
        _submit(minimal, item, name, _with_answer(solved, code.format(**values)))
    # broken files
    folder = _submit(minimal, item, "bad-json", solved)
    (folder / f"{item.module}.ipynb").write_text("{not json")
    _submit(minimal, item, "deleted-tests", dict(solved, cells=[c for c in solved["cells"]
                                                               if not c["metadata"].get("nbgrader", {}).get("grade")]))
    changed = json.loads(json.dumps(solved))
    for c in changed["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade") and c["cell_type"] == "code":
            c["source"] = "pass\n"
    _submit(minimal, item, "changed-tests", changed)
    dup = json.loads(json.dumps(solved))
    for c in dup["cells"]:
        c["id"] = "same"
    _submit(minimal, item, "duplicate-ids", dup)
    # a notebook of another module, saved under this one's name: none of its cells is this module's
    from conftest import cell, nbg, notebook

    foreign = notebook(cell("code", "def area(r):\n    return 3.14 * r * r\n", "x1", nbg("area", solution=True)),
                       cell("code", "assert area(1) > 3\n", "x2", nbg("area-test", grade=True, locked=True, points=5)))
    _submit(minimal, item, "other-module", foreign)
    import nbformat

    v3 = nbformat.writes(nbformat.reads(json.dumps(solved), as_version=4), version=3)
    folder = _submit(minimal, item, "old-nbformat", solved)
    (folder / f"{item.module}.ipynb").write_text(v3)
    monkeypatch.setenv("IIOE_SECRET", "hunter2")
    before = Path(db).stat().st_size

    summary = grading.run(ws, item.assignment, limits=Limits(timeout=3, memory_mb=512), show_progress=False)
    by = {r["student"]: r for r in summary.results}
    assert len(by) == len(HOSTILE) + 7, "every submission is accounted for"
    full = by["good"]["auto_score"]
    assert full > 0 and by["good"]["status"] == "needs-manual"
    for name in ("gradebook", "hidden-tests", "repo-sources", "other-trainee", "environment", "network", "old-nbformat",
                 "duplicate-ids", "memory", "fork-storm"):
        assert by[name]["auto_score"] < full or name in ("old-nbformat", "duplicate-ids", "memory", "fork-storm"), name
    # contained: the attempts failed, so their answers (and tests) scored less, or the same for harmless cases
    assert by["old-nbformat"]["auto_score"] == full and by["duplicate-ids"]["auto_score"] == full
    assert by["memory"]["status"] == "memory"
    assert by["loop"]["status"] == "timeout" and by["stubborn-loop"]["status"] == "timeout"
    assert by["flood"]["status"] in ("output-limit", "timeout")
    assert by["exit"]["status"] == "died" and by["segfault"]["status"] == "died"
    assert by["hide-failures"]["auto_score"] < full
    assert by["bad-json"]["status"] == "invalid"
    # changed tests are restored from the source (and flagged): the real tests decide
    assert by["changed-tests"]["restored"] and by["changed-tests"]["auto_score"] == full
    assert by["other-module"]["auto_score"] == 0 and (by["other-module"]["status"] == "invalid" or any(
        r.endswith(".deleted") for r in by["other-module"]["restored"]))
    assert by["deleted-tests"]["auto_score"] < full and any(r.endswith(".deleted") for r in by["deleted-tests"]["restored"])
    assert Path(db).stat().st_size >= before and sqlite3.connect(db).execute("select count(*) from student").fetchone()[0] == len(by)
    if os.geteuid() == 0:
        assert by["gradebook"]["auto_score"] < full and by["hidden-tests"]["auto_score"] < full
        assert by["repo-sources"]["auto_score"] < full
        assert by["other-trainee"]["auto_score"] < full and by["network"]["auto_score"] < full
    assert by["environment"]["auto_score"] < full


@pytest.mark.slow
def test_rerun_grades_only_new_or_changed_and_archives_every_version(minimal):
    ws, item = _module_workspace(minimal)
    rel, src = _notebooks(minimal, item)
    _submit(minimal, item, "amina", samples.answered(rel, src, "untouched"), "2026-12-01 10:00:00.000000 UTC")
    _submit(minimal, item, "kofi", samples.answered(rel, src, "solved"))
    first = grading.run(ws, item.assignment, show_progress=False)
    assert sorted(r["student"] for r in first.results) == ["amina", "kofi"]
    again = grading.run(ws, item.assignment, show_progress=False)
    assert again.results == [] and sorted(again.skipped) == ["amina", "kofi"]
    _submit(minimal, item, "amina", samples.answered(rel, src, "solved"), "2026-12-02 08:00:00.000000 UTC")
    third = grading.run(ws, item.assignment, show_progress=False)
    assert [r["student"] for r in third.results] == ["amina"]
    assert third.results[0]["auto_score"] == first.results[[r["student"] for r in first.results].index("kofi")]["auto_score"]
    versions = sorted(p.name for p in (ws.root / "archive" / "amina" / item.assignment).iterdir())
    assert len(versions) == 2 and versions[0].startswith("2026-12-01") and versions[1].startswith("2026-12-02")
    db = Path(ws.db_url[len("sqlite:///"):])
    before = _grades(db)
    forced = grading.run(ws, item.assignment, force=True, show_progress=False)
    assert len(forced.results) == 2 and before and _grades(db) == before, "regrading gives the same gradebook"


@pytest.mark.slow
def test_killed_run_resumes_with_nothing_lost_or_counted_twice(minimal):
    ws, item = _module_workspace(minimal)
    rel, src = _notebooks(minimal, item)
    students = [f"t{i:03d}" for i in range(60)]
    for i, s in enumerate(students):
        _submit(minimal, item, s, samples.answered(rel, src, samples.VARIANTS[i % 3]))
    env = dict(os.environ, IIOE_HOME=str(minimal.home), PATH=VENV_BIN + os.pathsep + os.environ["PATH"])
    cmd = [sys.executable, "-m", "iioe_nb.cli", "--root", str(minimal.root), "grade", item.module, "--lang", "en",
           "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    db = Path(ws.db_url[len("sqlite:///"):])
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and done == 0:
        time.sleep(0.2)
        try:
            done = sqlite3.connect(db).execute("select count(*) from iioe_grading").fetchone()[0]
        except sqlite3.OperationalError:
            continue
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < done < len(students), "killed in the middle of the run"
    rest = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rest.returncode == 0, rest.stderr
    report = json.loads(rest.stdout)[0]
    assert len(report["submissions"]) + len(report["skipped"]) == len(students)
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from iioe_grading").fetchone()[0] == len(students)
    assert con.execute("select count(*) from submitted_assignment").fetchone()[0] == len(students)
    scores = dict(con.execute("select student, score from iioe_grading"))
    assert {scores[s] for s in students[0::3]} == {max(scores.values())}
    assert {scores[s] for s in students[2::3]} == {0.0}


# ----------------------------------------------------------------------------------- bad input


def test_unknown_assignment_is_one_clear_error(minimal):
    ws = workspace.course(minimal)
    with pytest.raises(UsageError, match="not in the gradebook"):
        grading.run(ws, "no-such-assignment", show_progress=False)


def test_cli_names_the_missing_module(run_cli, minimal):
    result = run_cli("grade", "no-such-module", root=minimal.root)
    assert result.exit_code == 2 and "no-such-module" in result.stderr


def test_cli_needs_a_target(run_cli, minimal):
    result = run_cli("grade", root=minimal.root)
    assert result.exit_code == 2


def test_samples_fill_answers_from_the_source():
    source = {"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade_id": "a"}},
                         "source": "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"}]}
    release = {"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade_id": "a"}},
                          "source": "def f():\n    raise NotImplementedError()\n"}]}
    assert samples.answered(release, source, "solved")["cells"][0]["source"] == "def f():\n    return 1\n"
    assert samples.answered(release, source, "untouched") == release
    with pytest.raises(ValueError):
        samples.answered(release, source, "clever")


@pytest.mark.slow
def test_dask_cluster_grades_like_the_local_pool(minimal):
    from distributed import LocalCluster

    ws, item = _module_workspace(minimal)
    rel, src = _notebooks(minimal, item)
    for i in range(6):
        _submit(minimal, item, f"d{i}", samples.answered(rel, src, samples.VARIANTS[i % 3]))
    local = grading.run(ws, item.assignment, show_progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = grading.run(ws, item.assignment, force=True, scheduler=cluster.scheduler_address,
                             show_progress=False)
    scores = lambda s: sorted((r["student"], r["auto_score"], r["status"]) for r in s.results)  # noqa: E731
    assert scores(remote) == scores(local) and len(local.results) == 6


@pytest.mark.slow
def test_five_hundred_mixed_submissions_all_accounted_for(minimal):
    ws, item = _module_workspace(minimal)
    rel, src = _notebooks(minimal, item)
    solved = samples.answered(rel, src, "solved")
    hostile = [HOSTILE[k] for k in ("loop", "memory", "flood", "exit", "segfault", "hide-failures", "environment")]
    expected = {}
    for i in range(510):
        student = f"p{i:03d}"
        if i % 50 == 7:
            nb = _with_answer(solved, hostile[(i // 50) % len(hostile)])
        elif i % 3 == 0:
            nb = solved
        elif i % 3 == 1:
            nb = _with_answer(solved, "def price_per_gb(price, gigabytes):\n    return gigabytes / price\n")
        else:
            nb = samples.answered(rel, src, "untouched")
        expected[student] = nb
        _submit(minimal, item, student, nb)
    summary = grading.run(ws, item.assignment, limits=Limits(timeout=2, memory_mb=512), show_progress=False)
    assert sorted(r["student"] for r in summary.results) == sorted(expected)
    counts = summary.counts()
    assert sum(counts.values()) == 510 and counts.get("error", 0) == 0
    db = sqlite3.connect(ws.db_url[len("sqlite:///"):])
    assert db.execute("select count(*) from submitted_assignment").fetchone()[0] == 510
    assert db.execute("select count(*) from iioe_grading").fetchone()[0] == 510
    by = {r["student"]: r for r in summary.results}
    assert {by[s]["auto_score"] for s in expected if int(s[1:]) % 3 == 0 and int(s[1:]) % 50 != 7} == {2.0}
    assert {by[s]["auto_score"] for s in expected if int(s[1:]) % 3 != 0 and int(s[1:]) % 50 != 7} == {0.0}
