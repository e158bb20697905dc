"""The course catalog: ``courses/*.yml`` and ``courses/programmes.yml`` read, validated and queried.

Reading is strict at the edge: each YAML file is checked against a schema (pydantic) and every
problem is reported with its file and line. Cross-references (prerequisites, competencies, module
ids, source folders, points and imports of the notebooks) are checked over the whole catalog.
"""
from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from iioe_nb import cft
from iioe_nb.errors import CatalogError, UsageError
from iioe_nb.messages import _
from iioe_nb.paths import LANGUAGES, Project

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Track = Literal["discipline", "tvet", "teacher-pd"]
ProgrammeKind = Literal["regular", "advanced", "special"]
#: packages that the browser-only offline edition (JupyterLite with Pyodide) provides
LITE_PACKAGES = frozenset({"ipywidgets", "sympy"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in the three languages."""

    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return getattr(self, lang, self.en)


class Module(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    competencies: list[str] = Field(min_length=1)
    minutes: int = Field(gt=0)
    assignment: str = Field(pattern=ID_PATTERN)
    points: float = Field(gt=0)
    packages: list[str] = []

    @property
    def lite(self) -> bool:
        """True when the module runs in the browser-only offline edition."""
        return set(self.packages) <= LITE_PACKAGES


class Course(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    summary: Text
    track: Track
    programme: ProgrammeKind
    series: str | None = Field(default=None, pattern=ID_PATTERN)
    hours: float = Field(gt=0)
    languages: list[Literal["en", "fr", "zh"]] = Field(min_length=1)
    prerequisites: list[str] = []
    competencies: list[str] = Field(min_length=1)
    modules: list[Module] = Field(min_length=1)


class ProgrammeItem(_Strict):
    course: str
    modules: list[str] | None = None


class Programme(_Strict):
    id: ProgrammeKind
    title: Text
    audience: Text
    duration_weeks: int = Field(gt=0)
    courses: list[ProgrammeItem] = Field(min_length=1)


class ProgrammeFile(_Strict):
    programmes: list[Programme] = Field(min_length=1)

    @field_validator("programmes")
    @classmethod
    def _unique(cls, value: list[Programme]) -> list[Programme]:
        ids = [p.id for p in value]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate programme id {dup[0]!r}")
        return value


class Glossary(_Strict):
    """Terminology shared by every module: each term in the three languages."""

    terms: list[Text] = Field(min_length=1)


@dataclass(frozen=True)
class Problem:
    """One validation finding, located in a file (and line when known)."""

    path: Path
    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def format(self, root: Path | None = None) -> str:
        where = str(self.path.relative_to(root)) if root and self.path.is_relative_to(root) else str(self.path)
        if self.line:
            where += f":{self.line}"
        if self.severity == "error":
            return _("{where}: error: {message}", where=where, message=self.message)
        return _("{where}: warning: {message}", where=where, message=self.message)


@dataclass(frozen=True)
class Catalog:
    """Every course (in file order by id) and programme of a course repository."""

    courses: tuple[Course, ...]
    programmes: tuple[Programme, ...]
    files: dict[str, Path]

    def course(self, course_id: str) -> Course:
        for c in self.courses:
            if c.id == course_id:
                return c
        raise UsageError(_("Unknown course '{course}'. Known courses: {known}.",
                           course=course_id, known=", ".join(c.id for c in self.courses)))

    @property
    def modules(self) -> list[tuple[Course, Module]]:
        return [(c, m) for c in self.courses for m in c.modules]

    def module(self, module_id: str) -> tuple[Course, Module]:
        for c, m in self.modules:
            if m.id == module_id:
                return c, m
        raise UsageError(_("Unknown module '{module}'. Run 'iioe catalog list' to see the modules.",
                           module=module_id))

    def select_modules(self, ids: list[str] | tuple[str, ...] | None) -> list[str]:
        """Module ids named (each checked), or all modules in catalog order."""
        if not ids:
            return [m.id for _c, m in self.modules]
        return [self.module(i)[1].id for i in ids]


# ---------------------------------------------------------------------------------------------
# reading


def _node_line(node: yaml.Node | None, loc: tuple) -> int | None:
    """Line (1-based) of the YAML node at ``loc``, or of the deepest existing parent."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    node, line = v, v.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _schema_message(err: dict) -> str:
    field = ".".join(str(p) for p in err["loc"]) or _("(file)")
    kind = err["type"]
    if kind == "missing":
        if err["loc"] and err["loc"][-1] in LANGUAGES:
            return _("'{field}' is missing its '{lang}' text: add it.", field=".".join(map(str, err["loc"][:-1])),
                     lang=err["loc"][-1])
        return _("'{field}' is required: add it.", field=field)
    if kind == "extra_forbidden":
        return _("'{field}' is not a known field: remove it or check its spelling.", field=field)
    if kind == "literal_error":
        return _("'{field}' must be one of {allowed}, not {value!r}.", field=field,
                 allowed=err["ctx"]["expected"], value=err.get("input"))
    if kind == "string_pattern_mismatch":
        return _("'{field}' must be lowercase letters, digits and hyphens, not {value!r}.", field=field,
                 value=err.get("input"))
    return _("'{field}': {problem}.", field=field, problem=err["msg"])


def _parse_yaml(text: str) -> tuple[yaml.Node | None, object]:
    """Node tree (for line numbers) and data of a YAML text, parsed once, with libyaml when present."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _read_yaml(path: Path, model: type[BaseModel], problems: list[Problem]) -> tuple[BaseModel | None, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, None, _("not UTF-8 text: save the file as UTF-8.")))
        return None, None
    try:
        node, data = _parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problems.append(Problem(path, line, _("YAML syntax error: {problem}.", problem=getattr(exc, "problem", exc))))
        return None, None
    if not isinstance(data, dict):
        problems.append(Problem(path, 1, _("expected a mapping of fields (id: …, title: …).")))
        return None, node
    try:
        return model.model_validate(data), node
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem(path, _node_line(node, err["loc"]), _schema_message(err)))
        return None, node


def read_catalog(project: Project) -> tuple[Catalog, list[Problem]]:
    """Read every catalog file; returns what could be read and every problem found on the way."""
    problems: list[Problem] = []
    courses: list[Course] = []
    files: dict[str, Path] = {}
    nodes: dict[str, yaml.Node | None] = {}
    if not project.courses_dir.is_dir():
        raise CatalogError(_("No courses/ folder in {root}: run iioe in a course repository or pass --root.",
                             root=project.root))
    for path in project.course_files():
        course, node = _read_yaml(path, Course, problems)
        if course is None:
            continue
        if course.id in files:
            problems.append(Problem(path, _node_line(node, ("id",)),
                                    _("duplicate course id '{course}' (also in {other}): give each course its own id.",
                                      course=course.id, other=files[course.id].name)))
            continue
        if path.stem != course.id:
            problems.append(Problem(path, _node_line(node, ("id",)),
                                    _("course id '{course}' differs from the file name: rename the file to {course}.yml.",
                                      course=course.id)))
        courses.append(course)
        files[course.id] = path
        nodes[course.id] = node
    programmes: tuple[Programme, ...] = ()
    prog_node = None
    if project.programmes_file.is_file():
        parsed, prog_node = _read_yaml(project.programmes_file, ProgrammeFile, problems)
        if parsed is not None:
            programmes = tuple(parsed.programmes)  # type: ignore[attr-defined]
    if project.glossary_file.is_file():
        glossary, gnode = _read_yaml(project.glossary_file, Glossary, problems)
        seen: dict[str, int] = {}
        for i, term in enumerate(glossary.terms if glossary else []):  # type: ignore[attr-defined]
            line = _node_line(gnode, ("terms", i))
            if term.en in seen:
                problems.append(Problem(project.glossary_file, line,
                                        _("term '{term}' is listed twice (also line {other}): keep one.",
                                          term=term.en, other=seen[term.en])))
            seen.setdefault(term.en, line or 0)
    catalog = Catalog(courses=tuple(sorted(courses, key=lambda c: c.id)), programmes=programmes, files=files)
    problems += _cross_check(catalog, nodes, prog_node, project)
    return catalog, problems


def load_catalog(project: Project) -> Catalog:
    """The catalog, or ``CatalogError`` carrying every error (warnings are ignored here)."""
    catalog, problems = read_catalog(project)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0].format(project.root)
        if len(errors) == 1:
            raise CatalogError(first, errors)
        raise CatalogError(_("{first} (and {n} more errors: run 'iioe catalog validate' to see them)",
                             first=first, n=len(errors) - 1), errors)
    return catalog


# ---------------------------------------------------------------------------------------------
# cross-references


def _cross_check(catalog: Catalog, nodes: dict, prog_node, project: Project) -> list[Problem]:
    problems: list[Problem] = []
    codes = cft.codes()
    course_ids = {c.id for c in catalog.courses}
    module_owner: dict[str, str] = {}
    for course in catalog.courses:
        path, node = catalog.files[course.id], nodes[course.id]

        def at(*loc, _node=node):
            return _node_line(_node, loc)

        for i, pre in enumerate(course.prerequisites):
            if pre not in course_ids:
                problems.append(Problem(path, at("prerequisites", i),
                                        _("unknown prerequisite '{course}': use the id of a course in courses/.", course=pre)))
        for i, code in enumerate(course.competencies):
            if code not in codes:
                problems.append(Problem(path, at("competencies", i), _unknown_code(code)))
        module_codes: set[str] = set()
        for mi, module in enumerate(course.modules):
            if module.id in module_owner:
                problems.append(Problem(path, at("modules", mi, "id"),
                                        _("duplicate module id '{module}' (also in course {course}): module ids are unique in the catalog.",
                                          module=module.id, course=module_owner[module.id])))
                continue
            module_owner[module.id] = course.id
            for ci, code in enumerate(module.competencies):
                module_codes.add(code)
                if code not in codes:
                    problems.append(Problem(path, at("modules", mi, "competencies", ci), _unknown_code(code)))
            if module.assignment != module.id:
                problems.append(Problem(path, at("modules", mi, "assignment"),
                                        _("assignment '{assignment}' must equal the module id '{module}'.",
                                          assignment=module.assignment, module=module.id)))
            problems += _check_module_source(project, path, lambda *loc, _mi=mi: at("modules", _mi, *loc), module)
        missing = sorted(module_codes - set(course.competencies))
        if missing:
            problems.append(Problem(path, at("competencies"),
                                    _("the course's competencies leave out {codes}, which its modules build: add them.",
                                      codes=", ".join(missing))))
        minutes = sum(m.minutes for m in course.modules)
        if course.hours * 60 < minutes:
            problems.append(Problem(path, at("hours"),
                                    _("hours ({hours}) is less than the modules' {minutes} minutes.",
                                      hours=course.hours, minutes=minutes), "warning"))
    problems += _prerequisite_cycles(catalog, nodes)
    for pi, prog in enumerate(catalog.programmes):
        for ii, item in enumerate(prog.courses):
            line = _node_line(prog_node, ("programmes", pi, "courses", ii))
            if item.course not in course_ids:
                problems.append(Problem(project.programmes_file, line,
                                        _("programme '{programme}' names unknown course '{course}'.",
                                          programme=prog.id, course=item.course)))
                continue
            own = {m.id for m in catalog.course(item.course).modules}
            for mod in item.modules or []:
                if mod not in own:
                    problems.append(Problem(project.programmes_file, line,
                                            _("programme '{programme}' names module '{module}', which course '{course}' does not have.",
                                              programme=prog.id, module=mod, course=item.course)))
    return problems


def _unknown_code(code: str) -> str:
    return _("unknown competency '{code}': use an ICT CFT v3 code such as DIG-KA (see 'iioe catalog competencies').",
             code=code)


def _prerequisite_cycles(catalog: Catalog, nodes: dict) -> list[Problem]:
    graph = {c.id: [p for p in c.prerequisites if p in catalog.files] for c in catalog.courses}
    problems, reported = [], set()
    state: dict[str, int] = {}

    def visit(cid: str, trail: list[str]) -> None:
        state[cid] = 1
        for nxt in graph[cid]:
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    problems.append(Problem(catalog.files[cid], _node_line(nodes[cid], ("prerequisites",)),
                                            _("prerequisite cycle {cycle}: remove one of these prerequisites.",
                                              cycle=" → ".join(cycle))))
            elif state.get(nxt) is None:
                visit(nxt, trail + [nxt])
        state[cid] = 2

    for cid in graph:
        if cid not in state:
            visit(cid, [cid])
    return problems


def _check_module_source(project: Project, path: Path, at, module: Module) -> list[Problem]:
    """The module's notebook exists, its points add up and it imports only the packages declared."""
    nb_path = project.module_notebook(module.id)
    if not nb_path.is_file():
        return [Problem(path, at("id"), _("module '{module}' has no source notebook {notebook}: create it or remove the module.",
                                      module=module.id, notebook=nb_path.relative_to(project.root)))]
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        return [Problem(nb_path, None, _("not a readable notebook ({problem}).", problem=exc))]
    problems = []
    points = 0.0
    imports: set[str] = set()
    for cell in cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade") or meta.get("task"):
            points += float(meta.get("points") or 0)
        if cell.get("cell_type") == "code":
            imports |= _imports("".join(cell.get("source") or ""))
    if abs(points - module.points) > 1e-9:
        problems.append(Problem(path, at("points"), _("module '{module}' declares {declared} points but its notebook has {actual}: set points to {actual}.",
                                              module=module.id, declared=_num(module.points), actual=_num(points))))
    third_party = sorted(i for i in imports if i not in sys.stdlib_module_names and i != "iioe_check")
    undeclared = [p for p in third_party if p not in module.packages]
    if undeclared:
        problems.append(Problem(path, at("packages"), _("module '{module}' imports {packages} but does not list it under packages.",
                                              module=module.id, packages=", ".join(undeclared))))
    return problems


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _imports(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # IPython magics and the like: a notebook may be valid without being plain Python.
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found
