"""Grading benchmark: `iioe grade` against `nbgrader autograde` on the same submissions.

Makes an nbgrader course directory in a temporary folder with one assignment of two notebooks (two
curriculum modules, English, solutions and hidden tests), registers it with nbgrader's own
generate_assignment, and writes SUBMISSIONS submissions (solved, partly solved, untouched in turn).
Each tool grades a fresh copy of that folder; the table gives submissions per second, the ratio to
nbgrader, and whether every grade in the gradebook is the same as nbgrader's. The Dask rows send
the same work to a LocalCluster with 1 and 2 worker processes.

Usage: .venv/bin/python benchmarks/grade.py [--submissions 60] [--modules python-basics-values,python-basics-decisions]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO))

CONFIG = 'c = get_config()\nc.CourseDirectory.db_url = "sqlite:///{db}"\n'


def make_course(root: Path, modules: list[str], submissions: int) -> None:
    from iioe_nb import grading, samples, workspace
    from iioe_nb.build import Item, write_language_source
    from iioe_nb.catalog import load_catalog
    from iioe_nb.paths import Project

    project = Project.discover(REPO)
    cat = load_catalog(project)
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(CONFIG.format(db=root / "gradebook.db"))
    src = root / "source" / "ps1"
    for module in modules:
        course, _m = cat.module(module)
        with tempfile.TemporaryDirectory() as tmp:
            write_language_source(project, Item(course.id, module, "en"), Path(tmp) / "s")
            shutil.copytree(Path(tmp) / "s", src, dirs_exist_ok=True)
    workspace.generate(grading.Course.from_directory(root), "ps1")
    release = root / "release" / "ps1"
    for i in range(submissions):
        variant = samples.VARIANTS[i % 3]
        folder = root / "submitted" / f"trainee{i:04d}" / "ps1"
        for module in modules:
            nb = samples.answered(json.loads((release / f"{module}.ipynb").read_text()),
                                  json.loads((src / f"{module}.ipynb").read_text()), variant)
            samples.write_submission(folder, release, module, nb, "2026-12-01 10:00:00.000000 UTC")


def copy(base: Path, name: str) -> Path:
    dest = base / name
    shutil.copytree(base / "made", dest)
    (dest / "nbgrader_config.py").write_text(CONFIG.format(db=dest / "gradebook.db"))
    return dest


def grades(db: Path) -> dict:
    con = sqlite3.connect(db)
    rows = con.execute("""select st.id, c.name, g.auto_score, g.needs_manual_grade from grade g
        join submitted_notebook sn on g.notebook_id = sn.id join submitted_assignment sa on sn.assignment_id = sa.id
        join student st on sa.student_id = st.id join base_cell c on g.cell_id = c.id""")
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def timed(cmd: list[str], cwd: Path) -> float:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    started = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submissions", type=int, default=60)
    ap.add_argument("--modules", default="python-basics-values,python-basics-decisions")
    ap.add_argument("--no-nbgrader", action="store_true", help="skip the (slow) reference run")
    args = ap.parse_args()
    modules = args.modules.split(",")
    n = args.submissions
    base = Path(tempfile.mkdtemp(prefix="iioe-bench-grade-"))
    try:
        make_course(base / "made", modules, n)
        rows = []
        reference = None
        if not args.no_nbgrader:
            ours = copy(base, "nbgrader")
            secs = timed([str(BIN / "nbgrader"), "autograde", "ps1"], ours)
            reference = grades(ours / "gradebook.db")
            rows.append(("nbgrader autograde (serial)", secs, "reference"))
        for workers in (1, 2):
            d = copy(base, f"iioe-{workers}")
            secs = timed([str(BIN / "iioe"), "grade", "--course-dir", str(d), "ps1", "--workers", str(workers),
                          "--json"], d)
            same = "-" if reference is None else ("yes" if grades(d / "gradebook.db") == reference else "NO")
            rows.append((f"iioe grade --workers {workers}", secs, same))
        from distributed import LocalCluster

        from iioe_nb import grading

        for workers in (1, 2):
            d = copy(base, f"dask-{workers}")
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                started = time.perf_counter()
                grading.run(grading.Course.from_directory(d), "ps1", scheduler=cluster.scheduler_address,
                            show_progress=False)
                secs = time.perf_counter() - started
            same = "-" if reference is None else ("yes" if grades(d / "gradebook.db") == reference else "NO")
            rows.append((f"iioe grade --scheduler (Dask, {workers} worker(s))", secs, same))
        ref_rate = n / rows[0][1] if reference is not None else None
        print(f"{n} submissions x {len(modules)} notebooks ({', '.join(modules)}), {os.cpu_count()} cores\n")
        print(f"{'tool':46} {'seconds':>8} {'subm/s':>8} {'ratio':>7}  same grades")
        for name, secs, same in rows:
            rate = n / secs
            ratio = f"{rate / ref_rate:6.1f}x" if ref_rate else "     -"
            print(f"{name:46} {secs:8.1f} {rate:8.2f} {ratio:>7}  {same}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
