"""Translatable text of a notebook: cut into messages, and put back in another language.

Pure functions over notebooks as plain dicts (JSON as read from disk), so extracting and checking
text does not need nbformat. Markdown is cut into paragraph-sized messages by mdpo (a heading, a
paragraph, a list item, a table cell); in code cells the string literals passed to ``tr(...)`` and as
the message of ``check(...)`` are messages. Each message knows its cell id and position.
"""
from __future__ import annotations

import ast
import io
import re
import string
import tokenize
from dataclasses import dataclass, field

from iioe_nb.errors import NotebookError, TranslationError
from iioe_nb.messages import _

MARK_SCHEME = re.compile(r"^\s*=+\s*(BEGIN|END) MARK SCHEME\s*=+\s*$")
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: function name -> index of the positional argument that is the message
CODE_KEYWORDS = {"tr": 0, "check": 1}
_LETTER = re.compile(r"[^\W\d_]")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_MATH = re.compile(r"\$\$?[^$]+\$\$?")
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)")


@dataclass
class Message:
    """One translatable text and where it stands: ``(cell id, position in the cell)``."""

    msgid: str
    locations: list[tuple[str, int]] = field(default_factory=list)
    code: bool = False

    @property
    def flags(self) -> set[str]:
        return {"python-brace-format"} if self.code and placeholders(self.msgid) else set()


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def nbgrader_meta(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def check_notebook_shape(nb: object, where: str) -> list[dict]:
    """The notebook's cells, or ``NotebookError`` naming what is wrong with its structure."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(_("{file}: not a notebook (no list of cells).", file=where))
    if nb.get("nbformat") != 4 or int(nb.get("nbformat_minor", 0)) < 5:
        raise NotebookError(_("{file}: notebook format {major}.{minor} has no cell ids; save it with a current "
                              "Jupyter (format 4.5 or newer).", file=where, major=nb.get("nbformat"),
                              minor=nb.get("nbformat_minor")))
    seen: set[str] = set()
    for i, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("markdown", "code", "raw"):
            raise NotebookError(_("{file}: cell {n} is not a markdown, code or raw cell.", file=where, n=i))
        cid = cell.get("id")
        if not isinstance(cid, str) or not cid:
            raise NotebookError(_("{file}: cell {n} has no id.", file=where, n=i))
        if cid in seen:
            raise NotebookError(_("{file}: cell {n} repeats the cell id '{id}'; give it a new id.", file=where, n=i, id=cid))
        seen.add(cid)
        meta = (cell.get("metadata") or {}).get("nbgrader")
        if meta is not None and not isinstance(meta, dict):
            raise NotebookError(_("{file}: cell {id} has nbgrader metadata that is not a mapping.", file=where, id=cid))
    return nb["cells"]


# ----------------------------------------------------------------------------------- extraction


def _markdown_parts(source: str) -> list[tuple[bool, str]]:
    """Cut markdown at mark-scheme marker lines: ``(is_marker, text)`` in order."""
    parts: list[tuple[bool, str]] = []
    buf: list[str] = []
    for line in source.split("\n"):
        if MARK_SCHEME.match(line):
            if buf:
                parts.append((False, "\n".join(buf)))
            parts.append((True, line))
            buf = []
        else:
            buf.append(line)
    if buf:
        parts.append((False, "\n".join(buf)))
    return parts


def _markdown_msgids(text: str) -> list[str]:
    from mdpo.md2po import markdown_to_pofile

    if not text.strip():
        return []
    return [e.msgid for e in markdown_to_pofile(text, location=False, wrapwidth=0) if _LETTER.search(e.msgid)]


def _skipped_lines(source: str) -> set[int]:
    """Line numbers (1-based) inside solution or hidden-test regions: trainees never read them."""
    skip, inside = set(), None
    for n, line in enumerate(source.split("\n"), 1):
        stripped = line.strip()
        if stripped in (SOLUTION_BEGIN, HIDDEN_BEGIN):
            inside = stripped
        if inside:
            skip.add(n)
        if stripped in (SOLUTION_END, HIDDEN_END):
            inside = None
    return skip


@dataclass(frozen=True)
class _Literal:
    text: str
    start: tuple[int, int]
    end: tuple[int, int]


def _code_literals(source: str) -> list[_Literal]:
    """Message literals of ``tr(...)``/``check(...)`` calls, in source order."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    found: list[_Literal] = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string not in CODE_KEYWORDS:
            continue
        prev = tokens[i - 1] if i else None
        if prev is not None and (prev.string in (".", "def") or prev.type == tokenize.NAME and prev.string == "import"):
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].string != "(":
            continue
        want, arg, depth, arg_tokens = CODE_KEYWORDS[tok.string], 0, 0, []
        for t in tokens[i + 1:]:
            if t.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                continue
            if t.string in "([{" and t.type == tokenize.OP:
                depth += 1
                if depth == 1:
                    continue
            elif t.string in ")]}" and t.type == tokenize.OP:
                depth -= 1
                if depth == 0:
                    break
            if depth == 1 and t.string == "," and t.type == tokenize.OP:
                arg += 1
                continue
            if arg == want:
                arg_tokens.append(t)
            elif arg > want:
                break
        if len(arg_tokens) != 1 or arg_tokens[0].type != tokenize.STRING:
            continue
        lit = arg_tokens[0]
        if re.match(r"^[a-zA-Z]*[fFbB]", lit.string):
            continue
        value = ast.literal_eval(lit.string)
        if isinstance(value, str) and value.strip():
            found.append(_Literal(value, lit.start, lit.end))
    return found


def extract(nb: dict, where: str = "notebook") -> list[Message]:
    """Every message of a notebook in order; the same text in two places is one message."""
    by_id: dict[str, Message] = {}
    for cell in check_notebook_shape(nb, where):
        meta, cid, source = nbgrader_meta(cell), cell["id"], cell_source(cell)
        if cell["cell_type"] == "markdown":
            if meta.get("solution"):
                continue  # a manually graded answer: replaced by the answer stub in the release
            texts = [t for is_marker, part in _markdown_parts(source) if not is_marker for t in _markdown_msgids(part)]
            code = False
        elif cell["cell_type"] == "code":
            skip = _skipped_lines(source)
            texts = [lit.text for lit in _code_literals(source) if lit.start[0] not in skip]
            code = True
        else:
            continue
        for pos, text in enumerate(texts, 1):
            msg = by_id.setdefault(text, Message(text, code=code))
            msg.locations.append((cid, pos))
            msg.code = msg.code or code
    return list(by_id.values())


# --------------------------------------------------------------------------------- consistency


def placeholders(text: str) -> list[str]:
    """Sorted ``{name}`` fields of a format string (``ValueError`` when it is malformed)."""
    return sorted(name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None)


def protected_spans(text: str) -> list[str]:
    """Code spans, maths and link targets: a translation must keep them as they are."""
    return sorted([m.group(0) for m in _CODE_SPAN.finditer(text)] + _MATH.findall(_CODE_SPAN.sub("", text))
                  + _LINK_TARGET.findall(text))


def translation_problem(msgid: str, msgstr: str, code: bool) -> str | None:
    """Why ``msgstr`` cannot stand for ``msgid``, or None when it can."""
    if code:
        try:
            want, got = placeholders(msgid), placeholders(msgstr)
        except ValueError as exc:
            return _("the translation is not a valid format string ({problem})", problem=exc)
        if want != got:
            return _("placeholders {got} differ from the English {want}", got=got or "[]", want=want or "[]")
    else:
        want_spans, got_spans = protected_spans(msgid), protected_spans(msgstr)
        if want_spans != got_spans:
            missing = sorted(set(want_spans) - set(got_spans)) or sorted(set(got_spans) - set(want_spans))
            return _("code, maths or link targets differ from the English ({spans}): keep them as they are",
                     spans=", ".join(missing))
    return None


# ------------------------------------------------------------------------------------ applying


def _translate_markdown(source: str, table: dict[str, str]) -> str:
    import polib
    from mdpo.po2md import Po2Md

    pofile = polib.POFile()
    for msgid, msgstr in table.items():
        pofile.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    out = []
    for is_marker, part in _markdown_parts(source):
        if is_marker or not part.strip() or not any(m in table for m in _markdown_msgids(part)):
            out.append(part)
            continue
        po2md = Po2Md([], wrapwidth=float("inf"))
        po2md.pofiles = [pofile]
        text = po2md.translate(part)
        # keep the blank lines around a part so mark-scheme markers stay on lines of their own
        lead = part[: len(part) - len(part.lstrip("\n"))]
        trail = part[len(part.rstrip("\n")):]
        out.append(lead + text.strip("\n") + trail)
    return "\n".join(out)


def _translate_code(source: str, table: dict[str, str]) -> str:
    literals = [lit for lit in _code_literals(source) if lit.text in table]
    if not literals:
        return source
    lines = source.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    out, last = [], 0
    for lit in literals:
        start = offsets[lit.start[0] - 1] + lit.start[1]
        end = offsets[lit.end[0] - 1] + lit.end[1]
        out.append(source[last:start])
        out.append(repr(table[lit.text]))
        last = end
    out.append(source[last:])
    return "".join(out)


def apply(nb: dict, table: dict[str, str]) -> tuple[dict, list[str]]:
    """A copy of ``nb`` with its messages replaced from ``table`` (msgid → msgstr).

    Returns the translated notebook and the messages left in English (not in ``table``).
    """
    import copy

    out = copy.deepcopy(nb)
    missing = [m.msgid for m in extract(nb) if m.msgid not in table]
    for cell in out["cells"]:
        src = cell_source(cell)
        if cell["cell_type"] == "markdown" and not nbgrader_meta(cell).get("solution"):
            new = _translate_markdown(src, table)
        elif cell["cell_type"] == "code":
            new = _translate_code(src, table)
        else:
            continue
        if new != src:
            cell["source"] = new
    return out, missing


def check_table(table: dict[str, tuple[str, bool, str]]) -> None:
    """Raise ``TranslationError`` for the first translation that breaks its text.

    ``table`` maps msgid → (msgstr, is_code, where) with ``where`` naming the PO file and line.
    """
    for msgid, (msgstr, code, where) in table.items():
        problem = translation_problem(msgid, msgstr, code)
        if problem:
            raise TranslationError(_("{where}: {problem}: {msgid!r}", where=where, problem=problem, msgid=msgid[:80]))
