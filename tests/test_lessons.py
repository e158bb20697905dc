"""Lessons: derived by the build, free of exercises' secrets, served by Voilà, answered by their widgets.

The browser tests start ``iioe serve`` (one server per language, the gallery with pre-heated kernels)
and drive Debian's chromium with Playwright; every request that leaves 127.0.0.1 is aborted.
Screenshots go to the workspace (``.iioe/screenshots/``).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from iioe_nb import lessons, serve
from iioe_nb.build import build
from iioe_nb.catalog import load_catalog
from iioe_nb.errors import BuildError, UsageError
from iioe_nb.paths import Project

from conftest import REPO, cell, nbg, notebook

CHROMIUM = shutil.which("chromium")


def _lesson_of(*cells):
    return lessons.lesson(notebook(*cells), "fr")


def test_exercises_become_notes_and_their_secrets_stay_out():
    les = _lesson_of(
        cell("markdown", "# Unit rates\n\nIntro.", "a", nbg("intro", locked=True)),
        cell("code", "import ipywidgets as widgets\nfrom iioe_check import check", "b", nbg("setup", locked=True)),
        cell("markdown", "## Exercise 1 (2 points): price per GB\n\nWrite it.", "c"),
        cell("code", "def ppg(p, g):\n    ### BEGIN SOLUTION\n    return p / g\n    ### END SOLUTION", "d",
             nbg("ppg", solution=True)),
        cell("code", "check(ppg(2, 4) == 0.5, 'no')\n### BEGIN HIDDEN TESTS\nassert ppg(1, 1) == 1\n### END HIDDEN TESTS",
             "e", nbg("ppg-test", grade=True, locked=True, points=2)),
        cell("code", "print(ppg(10, 5))", "f", nbg("uses", locked=True)),
        cell("code", "s = widgets.IntSlider()\ns.observe(print)\ns", "g", nbg("widget", locked=True)),
        cell("markdown", "## Reflection (2 points)\n\n=== BEGIN MARK SCHEME ===\nsecret\n=== END MARK SCHEME ===",
             "h", nbg("refl", task=True, locked=True, points=2)),
        cell("markdown", "*Write your answer here.*", "i"),
        cell("markdown", "The cell below is free for your trials.", "j"),
        cell("code", "# your trials", "k"),
    )
    text = json.dumps(les, ensure_ascii=False)
    for secret in ("return p / g", "HIDDEN", "assert ppg", "MARK SCHEME", "secret", "check(ppg", "your trials",
                   "Write your answer", "free for your trials"):
        assert secret not in text, secret
    sources = [c["source"] for c in les["cells"]]
    assert any("Exercise 1 (2 points): price per GB" in s for s in sources)
    assert any("Reflection (2 points)" in s for s in sources)
    assert not any("print(ppg" in s for s in sources), "a cell that needs the answer is replaced by a note"
    assert any("IntSlider" in s for s in sources) and any("noyau Python actif" in s for s in sources)
    assert all("nbgrader" not in c["metadata"] for c in les["cells"])
    assert lessons.lesson(notebook(*[cell("markdown", "x", "a")]), "fr") == lessons.lesson(
        notebook(*[cell("markdown", "x", "a")]), "fr"), "deterministic"


def test_build_writes_lessons_beside_the_assignments_and_check_sees_edits(minimal):
    build(minimal, show_progress=False)
    lesson = minimal.lesson_notebook("sample-unit-rates", "zh")
    assert lesson.exists() and (lesson.parent / "iioe_check.py").exists()
    assert not (minimal.release_module_dir("sample-unit-rates", "zh") / "lessons").exists()
    assert minimal.gallery_notebook("zh").exists()
    build(minimal, check=True)
    lesson.write_text(lesson.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(BuildError, match="sample-unit-rates-zh"):
        build(minimal, check=True)
    build(minimal, show_progress=False)
    build(minimal, check=True)


def test_gallery_lists_every_module_with_a_link_per_language():
    project = Project.discover(REPO)
    cat = load_catalog(project)
    for lang in ("en", "fr", "zh"):
        text = json.loads(project.gallery_notebook(lang).read_text(encoding="utf-8"))["cells"][0]["source"]
        for c, m in cat.modules:
            assert m.title.get(lang) in text
            for code in c.languages:
                assert f"({m.id}-{code}/{m.id}.ipynb)" in text
        assert all(f"index.{o}.ipynb" in text for o in ("en", "fr", "zh") if o != lang)


def test_serve_refuses_bad_input_before_starting(minimal):
    build(minimal, show_progress=False)
    with pytest.raises(UsageError, match="no-such"):
        serve.plan(minimal, "no-such", "fr")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        with pytest.raises(UsageError, match=str(port)):
            serve.plan(minimal, "sample-unit-rates", "fr", port)
    p = serve.plan(minimal, None, "zh", _free_port())
    assert p.url.endswith("/voila/render/index.zh.ipynb")
    assert p.config["VoilaConfiguration"]["show_tracebacks"] is False
    assert p.config["MappingKernelManager"]["cull_idle_timeout"] > 0


def test_serve_cli_names_the_unknown_language(run_cli, minimal):
    result = run_cli("serve", "sample-unit-rates", "--lang", "xx", root=minimal.root)
    assert result.exit_code == 2


# ------------------------------------------------------------------------------------ browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def _server(project: Project, module, lang: str, pool: int, log: Path, lessons: int = 1,
            cull_idle: int = serve.CULL_IDLE):
    """Start ``iioe serve``; return once it answers and every lesson's pool is filled."""
    p = serve.plan(project, module, lang, _free_port(), pool, cull_idle)
    fh = open(log, "w")
    proc = serve.start(p, stdout=fh, stderr=subprocess.STDOUT)
    _wait_http(p.url, proc)
    deadline = time.monotonic() + 300
    while pool and time.monotonic() < deadline and log.read_text(errors="replace").count("is filled with") < lessons:
        time.sleep(1)
    return p, proc, fh


def _stop(proc, fh) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    fh.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("chromium is not installed (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                              "--disable-background-networking",
                                                              "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _page(browser):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    local = ("http://127.0.0.1", "data:", "blob:", "about:")
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(local) else r.abort())
    return page


def _open_lesson(page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector(".jupyter-widgets", timeout=90_000)
    page.wait_for_function("!document.body.innerText.includes('Loading widget')", timeout=60_000)
    return time.perf_counter() - started


def _outputs(page) -> str:
    return page.evaluate("Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(e => e.innerText).join('\\n')")


def _interact(page) -> str:
    """Move a slider, type or choose in the lesson's first widget; returns what was done."""
    if page.locator(".noUi-handle").count():
        handle = page.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        start = handle.get_attribute("aria-valuenow")
        for key in ("ArrowRight", "ArrowLeft"):  # a slider already at its maximum moves left
            for _ in range(3):
                handle.press(key)
            if handle.get_attribute("aria-valuenow") != start:
                break
        return "slider"
    if page.locator(".widget-text input").count():
        box = page.locator(".widget-text input").first
        box.scroll_into_view_if_needed()
        box.fill("paypa1-secure-login.example.com")
        box.press("Enter")
        return "text"
    if page.locator(".widget-dropdown select").count():
        select = page.locator(".widget-dropdown select").first
        select.scroll_into_view_if_needed()
        options = select.locator("option").all_inner_texts()
        select.select_option(label=options[-1] if select.input_value() != options[-1] else options[0])
        return "dropdown"
    box = page.locator(".widget-checkbox input").first
    box.scroll_into_view_if_needed()
    box.click()
    return "checkbox"


CATALOG = load_catalog(Project.discover(REPO))
MODULES = [m.id for _c, m in CATALOG.modules]


@pytest.fixture(scope="module", params=["en", "fr", "zh"])
def gallery_server(request, tmp_path_factory):
    project = Project.discover(REPO)
    log = tmp_path_factory.mktemp("voila") / f"voila-{request.param}.log"
    p, proc, fh = _server(project, None, request.param, 1, log, lessons=len(MODULES))
    yield request.param, p, project
    _stop(proc, fh)


@pytest.mark.browser
@pytest.mark.slow
def test_every_lesson_renders_in_its_language_and_its_widget_answers(browser, gallery_server):
    lang, p, project = gallery_server
    base = p.url.rsplit("/voila/", 1)[0]
    shots = project.home / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page = _page(browser)
    gallery = page.goto(p.url)
    assert gallery.ok
    listed = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    problems = []
    for course, module in CATALOG.modules:
        url = f"{base}/voila/render/{module.id}-{lang}/{module.id}.ipynb"
        assert any(h and h.endswith(f"{module.id}-{lang}/{module.id}.ipynb") for h in listed), module.id
        try:
            seconds = _open_lesson(page, url)
        except Exception:  # one retry on a fresh page before calling it a failure
            page.close()
            page = _page(browser)
            seconds = _open_lesson(page, url)
        body = page.inner_text("body")
        if "There was an error" in body or page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count():
            problems.append(f"{module.id}: error output")
        if module.title.get(lang) not in body:
            problems.append(f"{module.id}: title not in {lang}")
        cut = page.evaluate("Array.from(document.querySelectorAll('.widget-label')).filter(e => e.offsetParent"
                            " && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
        if cut:  # a translated label longer than the English one must not end in "…"
            problems.append(f"{module.id}: widget labels cut off in {lang}: {cut}")
        before = _outputs(page)
        how = _interact(page)
        try:
            page.wait_for_function("before => Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
                                   ".map(e => e.innerText).join('\\n') !== before", arg=before, timeout=30_000)
        except Exception:
            problems.append(f"{module.id}: output did not change after the {how}")
        page.screenshot(path=str(shots / f"{module.id}-{lang}.png"))
        print(f"{module.id} [{lang}] widgets shown in {seconds:.1f} s; {how} answered")
    page.close()
    assert not problems


@pytest.mark.browser
@pytest.mark.slow
def test_live_kernels_stay_bounded_when_a_lesson_is_loaded_twenty_times(browser, tmp_path):
    project = Project.discover(REPO)
    cull = 20  # the classroom setting is serve.CULL_IDLE; the mechanism is the same
    log = tmp_path / "voila.log"
    p, proc, fh = _server(project, "python-basics-values", "en", 1, log, cull_idle=cull)
    try:
        import psutil

        def kernels() -> int:
            """Live kernel processes under the server; a culled kernel not yet reaped (a zombie) is dead."""
            alive = 0
            for child in psutil.Process(proc.pid).children(recursive=True):
                try:
                    alive += child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline())
                except (psutil.NoSuchProcess, psutil.ZombieProcess):
                    pass  # it ended while we looked
            return alive

        page = _page(browser)
        for load in range(1, 21):
            try:
                _open_lesson(page, p.url)
            except Exception as e:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
                raise AssertionError(f"load {load} of 20 did not show its widgets: {e}\nVoilà's log ends:\n{tail}") from e
        page.close()
        most = kernels()
        deadline = time.monotonic() + 4 * cull + 60
        while kernels() > 2 and time.monotonic() < deadline:
            time.sleep(5)
        assert kernels() <= 2, f"{kernels()} kernels alive after 20 loads and culling (at most {most})"
    finally:
        _stop(proc, fh)


def test_a_cells_reply_is_not_missed_while_its_widgets_send():
    """nbclient sends an Output widget's state on the shell socket it is polling for the cell's reply.
    Waiting with no time limit, as Voilà does, a plain client misses that reply now and then and waits
    for ever: a lesson page that never finishes. With the client Voilà and verify are given, none of
    150 such cells may still be waiting after 10 s (each takes a tenth of a second)."""
    import asyncio
    import contextlib

    import nbformat
    from nbclient import NotebookClient
    from traitlets.config import Config

    from iioe_nb import kernel_client

    src = ("import ipywidgets as widgets\n\ndef double(x):\n    print(x * 2)\n\n"
           "widgets.interact(double, x=widgets.IntSlider(value=3, min=0, max=9));")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for _ in range(150)])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, config=Config({"KernelManager": dict(kernel_client.CONFIG)}), timeout=None,
                            kernel_name="python3", shutdown_kernel="immediate")

    async def run() -> int | None:
        async with client.async_setup_kernel():
            assert isinstance(client.kc, kernel_client.SteadyKernelClient)
            for index, c in enumerate(nb.cells):
                cell_run = asyncio.ensure_future(client.async_execute_cell(c, index))
                done, _ = await asyncio.wait({cell_run}, timeout=10)
                if not done:
                    cell_run.cancel()  # nbclient reports a cancelled cell as a dead kernel
                    with contextlib.suppress(BaseException):
                        await cell_run
                    return index
                cell_run.result()
        return None

    stuck = asyncio.run(run())
    assert stuck is None, f"cell {stuck} of 150 never saw its reply"
    view = "application/vnd.jupyter.widget-view+json"
    assert all(any(view in o.get("data", {}) for o in c.outputs) for c in nb.cells)


def test_serve_gives_voila_the_steady_kernel_client(minimal):
    build(minimal, show_progress=False)
    p = serve.plan(minimal, "sample-unit-rates", "fr", _free_port())
    assert p.config["KernelManager"]["client_factory"] == "iioe_nb.kernel_client.SteadyKernelClient"
