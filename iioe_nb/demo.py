"""``iioe demo``: the whole pipeline on the embedded defaults, for a newcomer to watch.

Validates the catalog, shows it and its translations, brings ``release/`` up to date, verifies one
module in every language with real kernels, writes the offline bundle of one course, then grades
sample submissions of that module (made by ``iioe_nb.samples`` for demo trainees, never over real
ones) and writes their feedback pages in the demo's language.
"""
from __future__ import annotations

import json

from iioe_nb import build, bundle, console, feedback, grading, i18n, samples, verify, workspace
from iioe_nb.catalog import load_catalog
from iioe_nb.errors import DependencyError
from iioe_nb.messages import _
from iioe_nb.paths import Project


def run(project: Project, lang: str, module: str | None = None) -> None:
    out = console.out
    catalog = load_catalog(project)
    out.rule(_("1. Catalog"))
    out.print(_("Catalog OK: {courses} courses, {modules} modules, {programmes} programmes.",
                courses=len(catalog.courses), modules=len(catalog.modules), programmes=len(catalog.programmes)))
    console.print_course_list(catalog.courses, lang)

    out.rule(_("2. Translations"))
    rows = [r for m in catalog.select_modules(None) for r in i18n.status(project, m)]
    console.print_i18n_summary(rows)

    out.rule(_("3. Build"))
    console.print_build_report(build.build(project), check=False)

    course, chosen = catalog.module(module) if module else catalog.modules[0]
    out.rule(_("4. Verify {module}", module=chosen.id))
    console.print_verify(verify.verify(project, [chosen.id]))

    out.rule(_("5. Offline bundle"))
    try:
        made = bundle.make_bundle(project, course.id, lang, project.bundles_dir)
    except DependencyError as exc:
        console.err.print(str(exc))
        made = bundle.make_bundle(project, course.id, lang, project.bundles_dir, pdf=False)
    out.print(_("Wrote {path}: {modules} module(s), {size} KB.", path=made.path, modules=made.modules,
                size=f"{made.size / 1024:,.0f}"))
    out.rule(_("6. Grading {module}", module=chosen.id))
    ws, assignment = _sample_submissions(project, course.id, chosen.id, lang)
    console.print_grading([grading.run(ws, assignment)])
    pages = feedback.write(ws, assignment, lang)
    out.print(_("Wrote {n} feedback page(s) in {folder}.", n=len(pages), folder=ws.root / "feedback"))
    out.rule()
    out.print(_("Next: open the release notebooks with '.venv/bin/jupyter lab release/', or unzip the bundle and open its index.html."))


DEMO_TRAINEES = 6


def _sample_submissions(project: Project, course: str, module: str, lang: str):
    """Demo trainees' submissions of ``module`` in ``lang`` (solved, partly solved, untouched in turn)."""
    ws = workspace.course(project)
    item = build.Item(course, module, lang)
    workspace.register(project, ws, item)
    release = project.release_module_dir(module, lang)
    rel = json.loads(project.release_notebook(module, lang).read_text(encoding="utf-8"))
    src = json.loads((ws.root / "source" / item.assignment / f"{module}.ipynb").read_text(encoding="utf-8"))
    for i in range(DEMO_TRAINEES):
        folder = project.step_dir("submitted") / f"demo-trainee-{i + 1:02d}" / item.assignment
        if not folder.exists():
            nb = samples.answered(rel, src, samples.VARIANTS[i % len(samples.VARIANTS)])
            samples.write_submission(folder, release, module, nb, "2026-12-01 09:00:00.000000 UTC")
    return ws, item.assignment
