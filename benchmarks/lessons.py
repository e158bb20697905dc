"""Lesson benchmark: time from request to widgets shown, `iioe serve` (pre-heated) against plain `voila`.

For each lesson (English by default), starts the server once per mode on the lesson's folder, waits
until it is ready (the pre-heated pool filled), then loads the page LOADS times in Debian's
chromium with Playwright, timing from the request until every widget has rendered ("Loading
widget..." gone). Prints the median per lesson for both modes side by side.

Usage: .venv/bin/python benchmarks/lessons.py [--lang en] [--loads 3] [--modules python-basics-values,...]
"""
from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except urllib.error.HTTPError:  # the server answers
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


STUCK = 60.0  # seconds after which a load counts as a page that never showed its widgets


def load_times(browser, url: str, loads: int, pause: float) -> tuple[list[float], int]:
    """Seconds per load that showed its widgets, and how many loads never did within STUCK seconds."""
    out, stuck = [], 0
    for _ in range(loads):
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                   else r.abort())
        started = time.perf_counter()
        limit = STUCK * 1000
        try:
            page.goto(url, wait_until="domcontentloaded", timeout=limit)
            page.wait_for_selector(".jupyter-widgets", state="attached", timeout=limit)
            page.wait_for_function("!document.body.innerText.includes('Loading widget')", timeout=limit)
            out.append(time.perf_counter() - started)
        except Exception:  # playwright's TimeoutError: the page never finished (a missed kernel reply)
            stuck += 1
        page.close()
        time.sleep(pause)  # let the pool refill, as between two readers
    return out, stuck


def main() -> None:
    from playwright.sync_api import sync_playwright

    from iioe_nb import serve
    from iioe_nb.catalog import load_catalog
    from iioe_nb.paths import Project

    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", default="en")
    ap.add_argument("--loads", type=int, default=3)
    ap.add_argument("--modules", default="")
    args = ap.parse_args()
    project = Project.discover(REPO)
    catalog = load_catalog(project)
    modules = args.modules.split(",") if args.modules else [m.id for _c, m in catalog.modules]
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for module in modules:
            lesson = project.lesson_notebook(module, args.lang)
            times = {}
            # plain Voilà: a kernel started per page load
            port = free_port()
            proc = subprocess.Popen([sys.executable, "-m", "voila", str(lesson), "--no-browser", f"--port={port}",
                                     "--Voila.ip=127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_ready(f"http://127.0.0.1:{port}/voila/static/")
                times["plain"] = load_times(browser, f"http://127.0.0.1:{port}/", args.loads, 0.5)
            finally:
                proc.terminate()
                proc.wait(20)
            # iioe serve: pre-heated pool
            plan = serve.plan(project, module, args.lang, free_port(), pool=1)
            proc = serve.start(plan, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_ready(plan.url)
                time.sleep(3)  # the pool is filled after the first render
                times["iioe"] = load_times(browser, plan.url, args.loads, 4.0)
            finally:
                proc.terminate()
                proc.wait(20)
            (plain, plain_stuck), (ours, ours_stuck) = times["plain"], times["iioe"]
            rows.append((module, _median(plain), _median(ours), plain_stuck, ours_stuck))
            print(f"{module:28} plain voila {_fmt(rows[-1][1])} ({plain_stuck} stuck)   "
                  f"iioe serve (pre-heated) {_fmt(rows[-1][2])} ({ours_stuck} stuck)", flush=True)
        browser.close()
    plain = [r[1] for r in rows if r[1] is not None]
    ours = [r[2] for r in rows if r[2] is not None]
    print(f"\n{len(rows)} lessons [{args.lang}], median of {args.loads} loads each; request to widgets shown")
    print(f"{'':28} {'plain voila':>12} {'iioe serve':>12}")
    print(f"{'median':28} {_fmt(_median(plain)):>12} {_fmt(_median(ours)):>12}")
    print(f"{'worst':28} {_fmt(max(plain, default=None)):>12} {_fmt(max(ours, default=None)):>12}")
    print(f"{f'loads stuck (> {STUCK:.0f} s)':28} {sum(r[3] for r in rows):>12} {sum(r[4] for r in rows):>12}")


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(seconds: float | None) -> str:
    return "  none" if seconds is None else f"{seconds:5.2f} s"


if __name__ == "__main__":
    main()
