"""Build benchmark: iioe build (in-process nbgrader) against the `nbgrader generate_assignment` CLI.

Generates a synthetic catalog of COURSES courses x MODULES modules x 3 languages from the minimal
fixture module (tests/fixtures/minimal) in a temporary folder, then prints:
  - cold build: total seconds and seconds per module-language
  - no-op rebuild of the whole catalog (the `iioe build` command, process start included)
  - `nbgrader generate_assignment` run once per assignment on a sample, extrapolated to the catalog

Usage: .venv/bin/python benchmarks/build.py [--courses 120] [--modules 5] [--sample 6]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "tests" / "fixtures" / "minimal"
BIN = Path(sys.executable).parent


def make_catalog(root: Path, courses: int, modules: int) -> int:
    (root / "courses").mkdir(parents=True)
    src_module = TEMPLATE / "source" / "sample-unit-rates"
    for c in range(courses):
        cid = f"course-{c:03d}"
        lines = [f"id: {cid}", f'title: {{en: "Course {c}", fr: "Cours {c}", zh: "课程 {c}"}}',
                 'summary: {en: "S", fr: "S", zh: "S"}', "track: tvet", "programme: regular", f"hours: {modules}",
                 "languages: [en, fr, zh]", "prerequisites: []", "competencies: [DIG-KA]", "modules:"]
        for m in range(modules):
            mid = f"{cid}-m{m}"
            lines += [f"  - id: {mid}", f'    title: {{en: "Module {m}", fr: "Module {m}", zh: "模块 {m}"}}',
                      "    competencies: [DIG-KA]", "    minutes: 20", f"    assignment: {mid}", "    points: 4",
                      "    packages: []"]
            dest = root / "source" / mid
            shutil.copytree(src_module, dest)
            (dest / "sample-unit-rates.ipynb").rename(dest / f"{mid}.ipynb")
        (root / "courses" / f"{cid}.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return courses * modules


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=120)
    parser.add_argument("--modules", type=int, default=5)
    parser.add_argument("--sample", type=int, default=6, help="assignments run through the nbgrader CLI")
    args = parser.parse_args()
    iioe = str(BIN / "iioe")
    keep = os.environ.get("IIOE_BENCH_DIR")
    with tempfile.TemporaryDirectory(prefix="iioe-bench-") as tmp:
        tmp = keep or tmp
        root = Path(tmp) / "repo"
        n_modules = make_catalog(root, args.courses, args.modules)
        items = n_modules * 3
        print(f"synthetic catalog: {args.courses} courses x {args.modules} modules x 3 languages = {items} assignments")

        cold = timed([iioe, "build"], root)
        noop = min(timed([iioe, "build"], root) for _ in range(3))
        check = min(timed([iioe, "build", "--check"], root) for _ in range(3))

        # the reference: nbgrader's CLI, once per assignment, on language notebooks made by our build
        course = Path(tmp) / "nbgrader-course"
        (course / "source").mkdir(parents=True)
        (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.root = %r\n" % str(course))
        release = sorted(p for p in (root / "release").iterdir() if p.is_dir())[: args.sample]
        for folder in release:
            # a source notebook per assignment: the English source of the module (solutions and tests)
            mid = folder.name.rsplit("-", 1)[0]
            shutil.copytree(root / "source" / mid, course / "source" / folder.name, ignore=shutil.ignore_patterns("locale"))
        env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
        per_cli = []
        for folder in release:
            per_cli.append(timed([str(BIN / "nbgrader"), "generate_assignment", folder.name, "--force"], course, env))
        cli_each = sum(per_cli) / len(per_cli)

    print()
    print(f"{'':42} {'iioe build':>14} {'nbgrader CLI':>14}")
    print(f"{'cold build, all assignments (s)':42} {cold:14.1f} {cli_each * items:14.1f}  (CLI extrapolated from {len(per_cli)})")
    print(f"{'per module-language (s)':42} {cold / items:14.3f} {cli_each:14.3f}")
    print(f"{'no-op rebuild of the whole catalog (s)':42} {noop:14.2f} {'-':>14}")
    print(f"{'build --check of the whole catalog (s)':42} {check:14.2f} {'-':>14}")
    print(f"{'speed-up, cold build':42} {cli_each * items / cold:13.1f}x")


if __name__ == "__main__":
    main()
