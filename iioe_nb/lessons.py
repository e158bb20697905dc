"""Lessons: a module as a Voilà page — its explanations, worked examples and live widgets, no exercises.

``lesson(nb, lang)`` derives the lesson from a module's language source notebook (pure, deterministic):

- narrative markdown, setup cells, worked examples and widget cells are kept;
- each exercise is replaced by a short note in the language: the exercise's heading (title and
  points) and that it is done in the notebook version; its answer cells, tests and (for a reflection)
  its answer area are left out, so no solution, hidden test or mark scheme reaches a lesson;
- a kept code cell that uses a name only an exercise's answer defines is replaced by a note too (it
  would raise in a page with no answers, and Voilà stops rendering at the first cell that raises);
- a line before each widget says that it needs a live kernel, so the static copy reads well.

``gallery(catalog, lang)`` is the index page: programmes → courses → modules, with a link to each
lesson in each language and a language switch.
"""
from __future__ import annotations

import ast
import re

from iioe_nb.messages import gettext_in
from iioe_nb.translation import cell_source as _src
from iioe_nb.translation import nbgrader_meta as _nbg

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_WIDGET = re.compile(r"\b(interact|interactive|widgets\.|ipywidgets)\b")
LESSON_META = "iioe_lesson"


def _heading(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            m = _HEADING.match(line)
            return m.group(1) if m else None
    return None


def _note(text: str, cid: str) -> dict:
    return {"cell_type": "markdown", "id": cid, "metadata": {LESSON_META: True}, "source": text}


def _exercise_note(heading_text: str, says: str, cid: str) -> dict:
    """What stands for an exercise or reflection: its title (when it has one) and where it is done."""
    title = _heading(heading_text)
    return _note(f"**{title}**\n\n*{says}*" if title else f"*{says}*", cid)


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell binds at top level, free names it reads), by its syntax tree; empty when it
    does not parse. Names bound inside its functions (locals, arguments) are neither."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    top: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            top.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            top |= {(a.asname or a.name).split(".")[0] for a in stmt.names}
        elif isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.With)):
            targets = getattr(stmt, "targets", None) or [getattr(stmt, "target", None)] + \
                [item.optional_vars for item in getattr(stmt, "items", [])]
            top |= {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}
    return top, used - bound


def lesson(nb: dict, lang: str) -> dict:
    """The lesson notebook of a module's language source notebook ``nb``."""
    cells = nb.get("cells", [])
    out: list[dict] = []
    unavailable: set[str] = set()
    available: set[str] = set()
    done_note = gettext_in(lang, "This exercise is done in the notebook version of the module.")
    reflect_note = gettext_in(lang, "This reflection is written in the notebook version of the module.")
    uses_answer = gettext_in(lang, "This example uses your answer to an exercise: run it in the notebook version.")
    live = gettext_in(lang, "The interactive tool below needs a live Python kernel: it answers in the lesson "
                            "page and in Jupyter; a printed or static copy shows its first view only.")
    skip_next_markdown = False
    for i, cell in enumerate(cells):
        meta, kind, text = _nbg(cell), cell.get("cell_type"), _src(cell)
        nxt = cells[i + 1] if i + 1 < len(cells) else {}
        cid = cell.get("id") or f"cell-{i}"
        if meta.get("solution") or (meta.get("grade") and kind == "code"):
            if kind == "code":
                unavailable |= _names(text)[0] - available
            continue
        if meta.get("task"):
            out.append(_exercise_note(text, reflect_note, cid))
            skip_next_markdown = True  # the answer area below a reflection
            continue
        if kind == "markdown" and skip_next_markdown and not meta.get("locked"):
            skip_next_markdown = False
            continue
        skip_next_markdown = False
        if kind == "markdown" and _nbg(nxt).get("solution") and not meta.get("locked"):
            out.append(_exercise_note(text, done_note, cid))
            continue
        if kind == "code":
            if not meta.get("locked"):
                # a free cell for the trainee's own trials, and the sentence that offers it
                if out and out[-1]["cell_type"] == "markdown" and not out[-1]["metadata"].get(LESSON_META) \
                        and not _heading(_src(out[-1])):
                    out.pop()
                continue
            defined, free = _names(text)
            if free & unavailable:
                out.append(_note(f"*{uses_answer}*", cid))
                unavailable |= defined - available
                continue
            available |= defined
            unavailable -= defined
            if _WIDGET.search(text) and ("observe(" in text or "interact" in text):
                out.append(_note(f"*{live}*", f"{cid}-live"))
        out.append(_clean(cell))
    meta = dict(nb.get("metadata") or {})
    iioe = dict(meta.get("iioe") or {})
    iioe["lesson"] = True
    meta["iioe"] = iioe
    return {"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def _clean(cell: dict) -> dict:
    out = {k: v for k, v in cell.items() if k != "attachments"}
    md = dict(out.get("metadata") or {})
    md.pop("nbgrader", None)
    out["metadata"] = md
    if out.get("cell_type") == "code":
        out["outputs"], out["execution_count"] = [], None
    return out


# ------------------------------------------------------------------------------------- gallery

LANG_NAMES = {"en": "English", "fr": "Français", "zh": "中文"}


def gallery(catalog, lang: str, lesson_path) -> dict:
    """The index of the lessons in ``lang``; ``lesson_path(module, lang)`` is a lesson's relative link."""
    title = gettext_in(lang, "IIOE Notebooks: lessons")
    lines = ["# " + title, "",
             " · ".join(f"**{LANG_NAMES[code]}**" if code == lang else f"[{LANG_NAMES[code]}](index.{code}.ipynb)"
                        for code in LANG_NAMES), "",
             gettext_in(lang, "Each lesson shows a module's explanations, worked examples and interactive tools. The exercises "
               "are done in the notebook version of the module."), ""]
    courses = {c.id: c for c in catalog.courses}

    def module_lines(course, module_ids) -> list[str]:
        rows = []
        for m in course.modules:
            if module_ids and m.id not in module_ids:
                continue
            links = " · ".join(f"[{code}]({lesson_path(m.id, code)})" for code in course.languages)
            minutes = gettext_in(lang, "{minutes} min").format(minutes=m.minutes)
            comps = ", ".join(f"`{c}`" for c in m.competencies)
            rows.append(f"- **[{m.title.get(lang)}]({lesson_path(m.id, lang)})** — {minutes} · {comps} · {links}")
        return rows

    in_plans = set()
    for prog in catalog.programmes:
        lines += [f"## {prog.title.get(lang)}", "",
                  f"*{prog.audience.get(lang)}* " + gettext_in(lang, "{weeks} weeks.").format(weeks=prog.duration_weeks), ""]
        for entry in prog.courses:
            course = courses.get(entry.course)
            if course is None:
                continue
            in_plans.add(course.id)
            lines += [f"### {course.title.get(lang)}", ""] + module_lines(course, entry.modules) + [""]
    rest = [c for c in catalog.courses if c.id not in in_plans]
    if rest:
        lines += ["## " + gettext_in(lang, "Other courses"), ""]
        for course in rest:
            lines += [f"### {course.title.get(lang)}", ""] + module_lines(course, None) + [""]
    cell = _note("\n".join(lines).rstrip() + "\n", f"gallery-{lang}")
    return {"cells": [cell], "metadata": {"iioe": {"gallery": True, "lang": lang},
                                          "kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}
