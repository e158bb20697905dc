"""What the command line shows people: tables and progress in their language (rich)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from iioe_nb import cft
from iioe_nb.messages import N_, _

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

TRACKS = {"discipline": N_("discipline"), "tvet": N_("TVET"), "teacher-pd": N_("teacher PD")}
PROGRAMMES = {"regular": N_("regular"), "advanced": N_("advanced"), "special": N_("special")}


def _track(track: str) -> str:
    return _(TRACKS[track])


def print_course_list(courses, lang: str) -> None:
    table = Table(title=_("Courses"), show_lines=False)
    for header in (_("Course"), _("Title"), _("Track"), _("Programme"), _("Modules"), _("Hours")):
        table.add_column(header)
    for c in courses:
        prog = _(PROGRAMMES[c.programme]) + (f" ({c.series})" if c.series else "")
        table.add_row(c.id, c.title.get(lang), _track(c.track), prog, str(len(c.modules)), f"{c.hours:g}")
    out.print(table)


def print_course(course, lang: str) -> None:
    out.print(f"[bold]{course.title.get(lang)}[/bold] ({course.id})")
    out.print(course.summary.get(lang))
    prog = _(PROGRAMMES[course.programme]) + (f" ({course.series})" if course.series else "")
    out.print(_("Track: {track} · Programme: {programme} · {hours} hours · Languages: {langs}",
                track=_track(course.track), programme=prog, hours=f"{course.hours:g}", langs=", ".join(course.languages)))
    if course.prerequisites:
        out.print(_("Prerequisites: {courses}", courses=", ".join(course.prerequisites)))
    table = Table()
    for header in ("#", _("Module"), _("Title"), _("Minutes"), _("Points"), _("Competencies")):
        table.add_column(header)
    for i, m in enumerate(course.modules, 1):
        comps = ", ".join(f"{code} {cft.name(code, lang)}" for code in m.competencies)
        table.add_row(str(i), m.id, m.title.get(lang), str(m.minutes), f"{m.points:g}", comps)
    out.print(table)


def print_competencies(lang: str) -> None:
    table = Table(title=_("ICT Competency Framework for Teachers (UNESCO, version 3)"))
    for header in (_("Code"), _("Aspect"), _("Level"), _("Competency")):
        table.add_column(header)
    for comp in cft.framework().values():
        table.add_row(comp.code, comp.aspect_names[lang], comp.level_names[lang], comp.name(lang))
    out.print(table)


def print_i18n_status(rows) -> None:
    table = Table(title=_("Translations"))
    for header in (_("Module"), _("Language"), _("Translated"), _("Fuzzy"), _("Missing"), "%"):
        table.add_column(header, justify="left" if header in (_("Module"), _("Language")) else "right")
    for r in rows:
        style = "" if r.translated == r.total else "yellow"
        table.add_row(r.module, r.lang, str(r.translated), str(r.fuzzy), str(r.missing), f"{r.percent:.0f}", style=style)
    out.print(table)


def print_i18n_summary(rows) -> None:
    """One line per language: how much of the whole catalog is translated."""
    for lang in sorted({r.lang for r in rows}):
        mine = [r for r in rows if r.lang == lang]
        done, total = sum(r.translated for r in mine), sum(r.total for r in mine)
        out.print(_("{lang}: {done} of {total} messages translated ({percent:.0f} %), {complete} of {n} modules complete.",
                    lang=lang, done=done, total=total, percent=100 * done / total if total else 100,
                    complete=sum(r.translated == r.total for r in mine), n=len(mine)))


def print_build_report(report, check: bool) -> None:
    if check:
        out.print(_("release/ is up to date ({n} assignments).", n=len(report.skipped)))
        return
    for aid, missing in sorted(report.untranslated.items()):
        err.print(_("{aid}: {n} message(s) left in English (untranslated or fuzzy).", aid=aid, n=len(missing)))
    for line in report.warnings:
        err.print(_("warning: {line}", line=line))
    for aid in report.removed:
        out.print(_("removed release/{aid} (no longer in the catalog)", aid=aid))
    out.print(_("Built {built}, up to date {skipped}.", built=len(report.built), skipped=len(report.skipped)))


def print_verify(findings) -> None:
    solutions = [f for f in findings if f.check == "solution"]
    releases = [f for f in findings if f.check == "release"]
    slowest = max(solutions, key=lambda f: f.seconds, default=None)
    out.print(_("Verified {modules} module(s): solutions pass, {releases} untouched release notebook(s) fail every test, no leaks.",
                modules=len(solutions), releases=len(releases)))
    if slowest is not None:
        out.print(_("Slowest solution: {module} ({s:.1f} s).", module=slowest.module, s=slowest.seconds))


@contextmanager
def progress(description: str, total: int, enabled: bool = True) -> Iterator:
    """A progress bar with ETA on stderr; yields ``advance(n=1)``. Silent for tiny jobs."""
    if not enabled or total <= 2:
        yield lambda n=1: None
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=False)
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


STATUS_WORDS = {"graded": N_("graded"), "needs-manual": N_("needs manual grading"), "timeout": N_("timed out"),
                "memory": N_("over the memory limit"), "died": N_("process died"),
                "output-limit": N_("output cut"), "invalid": N_("invalid notebook"),
                "missing": N_("notebook missing"), "error": N_("grader error")}


def print_grading(summaries) -> None:
    """The end-of-run table: one row per status, then every submission that did not grade cleanly."""
    for s in summaries:
        counts = s.counts()
        table = Table(title=_("Grading {assignment}", assignment=s.assignment))
        table.add_column(_("Status"))
        table.add_column(_("Submissions"), justify="right")
        for status in ("graded", "needs-manual", "timeout", "memory", "died", "output-limit", "invalid",
                       "missing", "error"):
            if counts.get(status):
                table.add_row(_(STATUS_WORDS[status]), str(counts[status]))
        if s.skipped:
            table.add_row(_("already graded, unchanged"), str(len(s.skipped)))
        out.print(table)
        for r in s.results:
            if r["status"] not in ("graded", "needs-manual") or r["restored"]:
                why = r["detail"]
                if r["restored"]:
                    why += (" " if r["detail"] else "") + _("(restored from the source: {cells})",
                                                            cells=", ".join(r["restored"][:5]))
                out.print(f"  {r['student']}: {_(STATUS_WORDS[r['status']])} — {why}")
        n = len(s.results)
        rate = n / s.seconds if s.seconds else 0.0
        out.print(_("{n} submission(s) graded in {seconds} s ({rate} per second).", n=n,
                    seconds=f"{s.seconds:.1f}", rate=f"{rate:.1f}"))
