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


def load_times(browser, url: str, loads: int, pause: float) -> list[float]:
    out = []
    for _ in range(loads):
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                   else r.abort())
        started = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=120_000)
        page.wait_for_function("!document.body.innerText.includes('Loading widget')", timeout=120_000)
        out.append(time.perf_counter() - started)
        page.close()
        time.sleep(pause)  # let the pool refill, as between two readers
    return out


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
            rows.append((module, statistics.median(times["plain"]), statistics.median(times["iioe"])))
            print(f"{module:28} plain voila {rows[-1][1]:5.2f} s   iioe serve (pre-heated) {rows[-1][2]:5.2f} s",
                  flush=True)
        browser.close()
    plain = [r[1] for r in rows]
    ours = [r[2] for r in rows]
    print(f"\n{len(rows)} lessons [{args.lang}], median of {args.loads} loads each; request to widgets shown")
    print(f"{'':28} {'plain voila':>12} {'iioe serve':>12}")
    print(f"{'median':28} {statistics.median(plain):11.2f}s {statistics.median(ours):11.2f}s")
    print(f"{'worst':28} {max(plain):11.2f}s {max(ours):11.2f}s")


if __name__ == "__main__":
    main()
