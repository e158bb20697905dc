"""Sample submissions of a module, made from its release and source notebooks.

A *solved* submission is the release notebook with every answer cell filled from the source's
solution (markers dropped); *untouched* is the release as a trainee received it; *partial* solves the
first half of the answer cells only. The demo, the tests and the benchmarks grade them.
"""
from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

from iioe_nb.translation import cell_source

VARIANTS = ("solved", "partial", "untouched")
_MARKER = re.compile(r"^[ \t]*(###|<!--)?[ \t]*(BEGIN|END) SOLUTION[ \t]*(-->)?[ \t]*\n?", re.MULTILINE)


def solution_text(cell: dict) -> str:
    """A source cell's answer with nbgrader's solution markers removed."""
    return _MARKER.sub("", cell_source(cell)).rstrip() + "\n"


def answered(release: dict, source: dict, variant: str) -> dict:
    """The release notebook ``release`` answered as ``variant`` from the ``source`` notebook's solutions."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    nb = copy.deepcopy(release)
    solutions = {c["metadata"]["nbgrader"]["grade_id"]: c for c in source["cells"]
                 if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    answer_cells = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    keep = {"solved": len(answer_cells), "partial": len(answer_cells) // 2, "untouched": 0}[variant]
    for cell in answer_cells[:keep]:
        src = solutions.get(cell["metadata"]["nbgrader"]["grade_id"])
        if src is not None:
            cell["source"] = solution_text(src)
    return nb


def write_submission(folder: Path, release_dir: Path, nb_name: str, nb: dict, timestamp: str | None) -> Path:
    """An nbgrader ``submitted/<student>/<assignment>/`` folder: the release's files, the notebook, a timestamp."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in release_dir.rglob("*"):
        rel = p.relative_to(release_dir)
        if p.is_file() and p.suffix != ".ipynb":
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, folder / rel)
    (folder / f"{nb_name}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    return folder
