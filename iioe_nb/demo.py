"""``iioe demo``: the whole pipeline on the embedded defaults, for a newcomer to watch.

Validates the catalog, shows it and its translations, brings ``release/`` up to date, verifies one
module in every language with real kernels, and writes the offline bundle of one course.
"""
from __future__ import annotations

from iioe_nb import build, bundle, console, i18n, verify
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
    out.rule()
    out.print(_("Next: open the release notebooks with '.venv/bin/jupyter lab release/', or unzip the bundle and open its index.html."))
