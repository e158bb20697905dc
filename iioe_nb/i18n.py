"""Translations of modules: one gettext PO catalog per module and language, read and written with Babel.

``extract`` creates or updates the PO files from the English source notebook the way msgmerge does
(a changed English text keeps its old translation, marked fuzzy, with the previous English); ``status``
counts translated, fuzzy and missing messages; ``table`` gives the build the usable translations,
checked so that a translation never breaks placeholders, code, maths or links.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from iioe_nb import translation
from iioe_nb.errors import NotebookError, TranslationError
from iioe_nb.messages import _
from iioe_nb.paths import LANGUAGES, SOURCE_LANGUAGE, Project

TARGET_LANGUAGES = tuple(lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE)
HEADER = ("# {module}: translation of an IIOE Notebooks module.\n"
          "# Made by 'iioe i18n extract'; edit the msgstr lines with any PO editor.\n#")


def read_notebook_json(path: Path) -> dict:
    """A notebook as a plain dict (``NotebookError`` naming the file when it is not readable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotebookError(_("{file}: no such notebook.", file=path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(_("{file}: not valid notebook JSON ({problem}).", file=path, problem=exc)) from None


def source_messages(project: Project, module: str) -> list[translation.Message]:
    path = project.module_notebook(module)
    return translation.extract(read_notebook_json(path), str(path))


_PO_LINE = re.compile(r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"\s*$')


def lint_po(text: str) -> tuple[int, str] | None:
    """First syntax problem of a PO file as (line, problem); Babel silently drops what it cannot read."""
    seen: dict[tuple[str, str], int] = {}
    ctxt, msgid, key, start = "", None, None, 0
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            if line.startswith("#~"):
                continue
            if msgid is not None and not line:
                msgid = None
            continue
        if not _PO_LINE.match(line):
            return n, _("not a quoted string or a PO keyword line (an unclosed quote?)")
        word = line.split(None, 1)[0]
        if word == "msgctxt":
            ctxt, key, start = "", "ctxt", n
        elif word == "msgid":
            msgid, key, start = "", "id", n
        elif word.startswith("msgstr") and msgid is not None:
            pair = (ctxt, msgid)
            if pair in seen and msgid:
                return start, _("the same msgid appears twice (also on line {line})", line=seen[pair])
            seen[pair] = start
            ctxt, key = "", "str"
        if key == "id" and msgid is not None:
            msgid += line[line.index('"'):]
        elif key == "ctxt":
            ctxt += line[line.index('"'):]
    return None


def read_catalog(path: Path, lang: str) -> Catalog:
    """A PO file (``TranslationError`` naming the file and line when it is broken)."""
    try:
        problem = lint_po(path.read_text(encoding="utf-8"))
        if problem:
            raise TranslationError(_("{file}:{line}: broken PO file: {problem}", file=path, line=problem[0],
                                     problem=problem[1]))
        with path.open("rb") as f:
            return read_po(f, locale=lang, abort_invalid=True)
    except PoFileError as exc:
        raise TranslationError(_("{file}: broken PO file: {problem}", file=path, problem=exc)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise TranslationError(_("{file}: broken PO file: {problem}", file=path, problem=exc)) from None


def _template(module: str, messages: list[translation.Message], created: dt.datetime) -> Catalog:
    cat = Catalog(domain=module, project="IIOE Notebooks", header_comment=HEADER.format(module=module),
                  creation_date=created, fuzzy=False)
    for m in messages:
        cat.add(m.msgid, locations=m.locations, flags=m.flags)
    return cat


def _serialise(cat: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, cat, width=0, include_previous=True)
    return buf.getvalue()


def extract(project: Project, module: str, langs: tuple[str, ...] = TARGET_LANGUAGES) -> dict[str, bool]:
    """Create or update ``source/<module>/locale/<lang>.po``; returns which files changed."""
    messages = source_messages(project, module)
    changed = {}
    for lang in langs:
        path = project.po_file(module, lang)
        if path.exists():
            cat = read_catalog(path, lang)
            template = _template(module, messages, cat.creation_date)
            cat.update(template, update_creation_date=False)
        else:
            now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            cat = Catalog(locale=lang, domain=module, project="IIOE Notebooks",
                          header_comment=HEADER.format(module=module), creation_date=now, revision_date=now,
                          fuzzy=False)
            cat.update(_template(module, messages, now), update_creation_date=False)
        data = _serialise(cat)
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".po.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
            changed[lang] = True
        else:
            changed[lang] = False
    return changed


@dataclass(frozen=True)
class Status:
    module: str
    lang: str
    translated: int
    fuzzy: int
    missing: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.missing

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def status(project: Project, module: str, langs: tuple[str, ...] = TARGET_LANGUAGES) -> list[Status]:
    messages = source_messages(project, module)
    rows = []
    for lang in langs:
        path = project.po_file(module, lang)
        cat = read_catalog(path, lang) if path.exists() else None
        counts = {"translated": 0, "fuzzy": 0, "missing": 0}
        for m in messages:
            entry = cat.get(m.msgid) if cat is not None else None
            if entry is None or not entry.string:
                counts["missing"] += 1
            elif entry.fuzzy:
                counts["fuzzy"] += 1
            else:
                counts["translated"] += 1
        rows.append(Status(module, lang, **counts))
    return rows


def table(project: Project, module: str, lang: str, messages: list[translation.Message]) -> dict[str, str]:
    """Usable translations (msgid → msgstr) of a module; fuzzy and empty ones are left out.

    Raises ``TranslationError`` naming the PO file and line of a translation that would break the
    notebook (other placeholders, changed code, maths or links).
    """
    path = project.po_file(module, lang)
    if lang == SOURCE_LANGUAGE or not path.exists():
        return {}
    cat = read_catalog(path, lang)
    is_code = {m.msgid: m.code for m in messages}
    checked: dict[str, tuple[str, bool, str]] = {}
    for entry in cat:
        if not entry.id or not entry.string or entry.fuzzy or entry.id not in is_code:
            continue
        where = f"{path}:{entry.lineno}" if entry.lineno else str(path)
        checked[entry.id] = (entry.string, is_code[entry.id], where)
    translation.check_table(checked)
    return {msgid: value[0] for msgid, value in checked.items()}
