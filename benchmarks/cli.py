"""Start-up benchmark: `iioe --help`, `iioe --version` and a no-op `iioe build --check` on this repository,
beside `nbgrader --help` (the reference tool's own start-up). Prints the best of N runs, in seconds.

Usage: .venv/bin/python benchmarks/cli.py [--runs 5]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def best(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = [
        ("iioe --help", [str(BIN / "iioe"), "--help"]),
        ("iioe --version", [str(BIN / "iioe"), "--version"]),
        ("iioe catalog validate", [str(BIN / "iioe"), "catalog", "validate"]),
        ("iioe build --check (whole catalog)", [str(BIN / "iioe"), "build", "--check"]),
        ("nbgrader --help (reference)", [str(BIN / "nbgrader"), "--help"]),
    ]
    print(f"{'command':40} {'best of ' + str(args.runs) + ' (s)':>16}")
    for label, cmd in rows:
        print(f"{label:40} {best(cmd, args.runs):16.3f}")


if __name__ == "__main__":
    main()
