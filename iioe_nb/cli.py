"""The ``iioe`` command line: parses options and forwards to the package's functions.

Heavy libraries (nbgrader, nbformat, pandas, jupyter) are imported inside the commands that use them,
so ``iioe --help`` stays fast. Every ``IioeError`` becomes one line on stderr and its exit code.
"""
from __future__ import annotations

import json
import sys

import click

from iioe_nb import __version__
from iioe_nb.errors import IioeError
from iioe_nb.messages import _, set_language

LANG_CHOICE = click.Choice(["en", "fr", "zh"])


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IioeError as exc:
            click.echo(f"iioe: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _project(ctx: click.Context):
    from iioe_nb.paths import Project

    return Project.discover(ctx.obj.get("root"))


def _langs(value: str | None) -> list[str]:
    from iioe_nb.errors import UsageError
    from iioe_nb.paths import LANGUAGES

    if not value:
        return list(LANGUAGES)
    langs = [v.strip() for v in value.split(",") if v.strip()]
    for lang in langs:
        if lang not in LANGUAGES:
            raise UsageError(_("Unknown language '{lang}': use en, fr or zh.", lang=lang))
    return langs


def _emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iioe")
@click.option("--root", envvar="IIOE_ROOT", type=click.Path(file_okay=False),
              help="Course repository (default: current directory).")
@click.option("--lang", envvar="IIOE_LANG", type=LANG_CHOICE, help="Language of messages: en, fr or zh.")
@click.pass_context
def cli(ctx: click.Context, root: str | None, lang: str | None) -> None:
    """IIOE Notebooks: build, check and publish trilingual training modules."""
    ctx.ensure_object(dict)
    ctx.obj["root"] = root
    ctx.obj["lang"] = set_language(lang)


# ------------------------------------------------------------------------------------- catalog
@cli.group(cls=_Group)
def catalog() -> None:
    """Courses, modules, programmes and competencies."""


@catalog.command("list")
@click.option("--track", type=click.Choice(["discipline", "tvet", "teacher-pd"]))
@click.option("--programme", type=click.Choice(["regular", "advanced", "special"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def catalog_list(ctx, track, programme, as_json) -> None:
    """List the courses."""
    from iioe_nb import console
    from iioe_nb.catalog import load_catalog

    cat = load_catalog(_project(ctx))
    courses = [c for c in cat.courses if (not track or c.track == track) and (not programme or c.programme == programme)]
    if as_json:
        _emit_json([c.model_dump() for c in courses])
    else:
        console.print_course_list(courses, ctx.obj["lang"])


@catalog.command("show")
@click.argument("course")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def catalog_show(ctx, course, as_json) -> None:
    """Show one course with its modules."""
    from iioe_nb import console
    from iioe_nb.catalog import load_catalog

    c = load_catalog(_project(ctx)).course(course)
    if as_json:
        _emit_json(c.model_dump())
    else:
        console.print_course(c, ctx.obj["lang"])


@catalog.command("competencies")
@click.pass_context
def catalog_competencies(ctx) -> None:
    """List the ICT CFT v3 competency codes."""
    from iioe_nb import console

    console.print_competencies(ctx.obj["lang"])


@catalog.command("validate")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def catalog_validate(ctx, as_json) -> None:
    """Check every catalog file and its references; non-zero exit on any error."""
    from iioe_nb.catalog import read_catalog

    project = _project(ctx)
    cat, problems = read_catalog(project)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        _emit_json([{"file": str(p.path), "line": p.line, "severity": p.severity, "message": p.message}
                    for p in problems])
    else:
        for p in problems:
            click.echo(p.format(project.root), err=True)
        if not errors:
            click.echo(_("Catalog OK: {courses} courses, {modules} modules, {programmes} programmes.",
                         courses=len(cat.courses), modules=len(cat.modules), programmes=len(cat.programmes)))
    if errors:
        ctx.exit(3)


# ---------------------------------------------------------------------------------------- i18n
@cli.group(cls=_Group)
def i18n() -> None:
    """Translations of the modules (gettext PO files)."""


@i18n.command("extract")
@click.argument("modules", nargs=-1)
@click.pass_context
def i18n_extract(ctx, modules) -> None:
    """Create or update source/MODULE/locale/{fr,zh}.po from the English notebooks."""
    from iioe_nb import i18n as i18n_mod
    from iioe_nb.catalog import load_catalog

    project = _project(ctx)
    for module in load_catalog(project).select_modules(modules):
        changed = i18n_mod.extract(project, module)
        for lang, did in changed.items():
            path = project.po_file(module, lang).relative_to(project.root)
            click.echo(_("updated {file}", file=path) if did else _("unchanged {file}", file=path))


@i18n.command("status")
@click.argument("modules", nargs=-1)
@click.option("--strict", is_flag=True, help="Exit non-zero unless every message is translated.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def i18n_status(ctx, modules, strict, as_json) -> None:
    """Translated, fuzzy and missing messages per module and language."""
    from iioe_nb import console
    from iioe_nb import i18n as i18n_mod
    from iioe_nb.catalog import load_catalog

    project = _project(ctx)
    rows = [row for m in load_catalog(project).select_modules(modules) for row in i18n_mod.status(project, m)]
    if as_json:
        _emit_json([dict(module=r.module, lang=r.lang, translated=r.translated, fuzzy=r.fuzzy, missing=r.missing,
                         percent=round(r.percent, 1)) for r in rows])
    else:
        console.print_i18n_status(rows)
    incomplete = [r for r in rows if r.translated < r.total]
    if strict and incomplete:
        click.echo(_("{n} module translation(s) are not complete: translate the fuzzy and missing messages.",
                     n=len(incomplete)), err=True)
        ctx.exit(5)


# --------------------------------------------------------------------------------------- build
@cli.command("build")
@click.argument("modules", nargs=-1)
@click.option("--lang", "langs", help="Languages to build, comma-separated (default: en,fr,zh).")
@click.option("--check", is_flag=True, help="Build nothing; exit non-zero and name what is stale.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def build_cmd(ctx, modules, langs, check, as_json) -> None:
    """Build release/MODULE-LANG/ nbgrader assignments from source/ and the translations."""
    from iioe_nb import build as build_mod
    from iioe_nb import console

    report = build_mod.build(_project(ctx), list(modules), _langs(langs) if langs else None, check=check,
                             show_progress=not as_json)
    if as_json:
        _emit_json(report.__dict__)
    else:
        console.print_build_report(report, check)


@cli.command("verify")
@click.argument("modules", nargs=-1)
@click.option("--lang", "langs", help="Languages to verify, comma-separated (default: all).")
@click.option("--workers", type=int, help="Notebooks run at once (default: one per core).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def verify_cmd(ctx, modules, langs, workers, as_json) -> None:
    """Run solutions (tests pass), untouched releases (tests fail) and scan releases for leaks."""
    from iioe_nb import console
    from iioe_nb import verify as verify_mod

    findings = verify_mod.verify(_project(ctx), list(modules), _langs(langs) if langs else None, workers,
                                 show_progress=not as_json)
    if as_json:
        _emit_json([f.__dict__ for f in findings])
    else:
        console.print_verify(findings)


@cli.command("bundle")
@click.argument("course")
@click.option("--lang", "lang", type=LANG_CHOICE, required=True, help="Language of the bundle.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the zip (default: workspace bundles/).")
@click.option("--no-pdf", is_flag=True, help="Leave out the printable PDF worksheets.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def bundle_cmd(ctx, course, lang, out_dir, no_pdf, as_json) -> None:
    """Zip a course in one language for offline use: notebooks, data, HTML pages, PDF worksheets."""
    from pathlib import Path

    from iioe_nb import bundle as bundle_mod

    project = _project(ctx)
    result = bundle_mod.make_bundle(project, course, lang, Path(out_dir) if out_dir else project.bundles_dir,
                                    pdf=not no_pdf, show_progress=not as_json)
    if as_json:
        _emit_json({"path": str(result.path), "size": result.size, "modules": result.modules, "pdf": result.pdf})
    else:
        click.echo(_("Wrote {path}: {modules} module(s), {size} KB.", path=result.path, modules=result.modules,
                     size=f"{result.size / 1024:,.0f}"))


@cli.command("grade")
@click.argument("target", required=False)
@click.option("--course-dir", type=click.Path(file_okay=False, exists=True),
              help="Grade ASSIGNMENT of an existing nbgrader course directory instead of an IIOE module.")
@click.option("--lang", "langs", help="Languages of the module to grade, comma-separated (default: those with submissions).")
@click.option("--student", "students", multiple=True, help="Grade only this trainee (repeatable).")
@click.option("--workers", type=click.IntRange(1, 256), help="Submissions graded at once (default: one per core).")
@click.option("--scheduler", help="Send the work to a Dask distributed scheduler, e.g. tcp://host:8786.")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True,
              help="Seconds a cell may run.")
@click.option("--memory", type=click.IntRange(16, 1 << 20), default=1024, show_default=True,
              help="Memory a notebook may use, in MB.")
@click.option("--force", is_flag=True, help="Grade again submissions already graded.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def grade_cmd(ctx, target, course_dir, langs, students, workers, scheduler, timeout, memory, force, as_json) -> None:
    """Autograde the submissions of MODULE (or, with --course-dir, of nbgrader ASSIGNMENT)."""
    from pathlib import Path

    from iioe_nb import console, grading
    from iioe_nb.errors import UsageError
    from iioe_nb.kernels import Limits

    if not target:
        raise UsageError(_("Name the module to grade (or, with --course-dir, the assignment)."))
    limits = Limits(timeout=timeout, memory_mb=memory)
    opts = dict(students=list(students) or None, workers=workers, scheduler=scheduler, limits=limits, force=force,
                show_progress=not as_json)
    if course_dir:
        summaries = [grading.run(grading.Course.from_directory(Path(course_dir)), target, **opts)]
    else:
        from iioe_nb import workspace

        project = _project(ctx)
        ws = workspace.course(project)
        summaries = []
        for item in workspace.assignments(project, target, _langs(langs) if langs else None):
            workspace.register(project, ws, item)
            summaries.append(grading.run(ws, item.assignment, **opts))
    if as_json:
        _emit_json([{"assignment": s.assignment, "seconds": round(s.seconds, 3), "counts": s.counts(),
                     "skipped": s.skipped, "submissions": s.results} for s in summaries])
    else:
        console.print_grading(summaries)


@cli.command("feedback")
@click.argument("module")
@click.option("--lang", "langs", help="Languages of the module, comma-separated (default: all).")
@click.option("--student", "students", multiple=True, help="Only this trainee (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def feedback_cmd(ctx, module, langs, students, as_json) -> None:
    """Write each trainee's HTML feedback for MODULE, in the language they worked in."""
    from iioe_nb import feedback, workspace

    project = _project(ctx)
    ws = workspace.course(project)
    written = []
    for item in workspace.assignments(project, module, _langs(langs) if langs else None):
        if (ws.root / "autograded").is_dir():
            written += feedback.write(ws, item.assignment, item.lang, list(students) or None)
    if as_json:
        _emit_json([{"student": w.student, "assignment": w.assignment, "path": str(w.path), "score": w.score,
                     "max_score": w.max_score} for w in written])
    else:
        for w in written:
            click.echo(f"{w.student}: {w.path} ({w.score:g}/{w.max_score:g})")
        click.echo(_("Wrote {n} feedback page(s).", n=len(written)))


@cli.command("serve")
@click.argument("module", required=False)
@click.option("--lang", "lang", type=LANG_CHOICE, help="Language of the lesson or gallery (default: the messages').")
@click.option("--port", type=click.IntRange(1, 65535), default=8866, show_default=True, help="Port on 127.0.0.1.")
@click.option("--pool", type=click.IntRange(0, 16), default=1, show_default=True,
              help="Pre-heated kernels kept ready per lesson (0: start one per page load).")
@click.pass_context
def serve_cmd(ctx, module, lang, port, pool) -> None:
    """Serve MODULE's lesson (or, without MODULE, the gallery of lessons) with Voilà."""
    from iioe_nb import serve

    p = serve.plan(_project(ctx), module, lang or ctx.obj["lang"], port, pool)
    click.echo(_("Serving on {url} (Ctrl+C to stop).", url=p.url))
    proc = serve.start(p)
    try:
        ctx.exit(proc.wait())
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(10)


@cli.command("demo")
@click.option("--module", help="Module to verify (default: the first of the catalog).")
@click.pass_context
def demo_cmd(ctx, module) -> None:
    """Run the whole pipeline once: catalog, translations, build, verify, offline bundle."""
    from iioe_nb import demo

    demo.run(_project(ctx), ctx.obj["lang"], module)


def main() -> None:
    """Console entry point."""
    cli(prog_name="iioe", obj={})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
