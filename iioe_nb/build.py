"""``iioe build``: English source notebook + PO catalogs → one nbgrader assignment per language.

For each module and language the build makes the language's source notebook (English source with
translated text; untranslated text stays English and is reported), then runs nbgrader's
``GenerateAssignment`` converter in-process into ``release/<module>-<lang>/``.

It is deterministic (same inputs, same bytes) and incremental: a manifest in ``release/`` records, per
assignment, a digest of every input and of every file written, so an unchanged module is skipped
without importing nbgrader, and ``--check`` names what is stale (including hand edits). Nothing is
half-written: every stale assignment is built in a staging folder first and swapped in at the end.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from iioe_nb import i18n, translation
from iioe_nb.catalog import Catalog, load_catalog
from iioe_nb.errors import BuildError, NotebookError
from iioe_nb.messages import _, gettext_in
from iioe_nb.paths import BUILD_MANIFEST, CHECK_MODULE, LANGUAGES, LESSONS, Project

MANIFEST_VERSION = 1
SIZE_LIMIT = 150 * 1024
PACKAGE_DIR = Path(__file__).parent
SHIPPED_CHECK = PACKAGE_DIR / "shipped" / "__init__.py"
#: files of this package whose content changes what the build writes
_BUILDER_FILES = ("build.py", "translation.py", "i18n.py", "lessons.py", "shipped/__init__.py")


@dataclass(frozen=True)
class Item:
    """One module in one language: one nbgrader assignment."""

    course: str
    module: str
    lang: str

    @property
    def assignment(self) -> str:
        return Project.assignment_id(self.module, self.lang)


@dataclass
class Report:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    untranslated: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def builder_digest() -> str:
    """Digest of the builder without importing nbgrader (version read from package metadata)."""
    from importlib.metadata import version

    h = hashlib.sha256(f"nbgrader {version('nbgrader')} mdpo {version('mdpo')}".encode())
    for name in _BUILDER_FILES:
        h.update((PACKAGE_DIR / name).read_bytes())
    for mo in sorted((PACKAGE_DIR / "locale").glob("*/LC_MESSAGES/*.mo")):
        h.update(mo.read_bytes())
    return h.hexdigest()


def input_digest(project: Project, item: Item, builder: str) -> str:
    """Digest of everything an assignment is made from."""
    h = hashlib.sha256(f"{MANIFEST_VERSION}\0{builder}\0{item.course}\0{item.module}\0{item.lang}\0".encode())
    nb_path = project.module_notebook(item.module)
    h.update(nb_path.read_bytes() if nb_path.exists() else b"<missing>")
    for path in project.module_data_files(item.module):
        h.update(str(path.relative_to(project.module_dir(item.module))).encode() + b"\0" + path.read_bytes())
    po = project.po_file(item.module, item.lang)
    if item.lang != "en" and po.exists():
        h.update(b"po\0" + po.read_bytes())
    return h.hexdigest()


def _read_manifest(project: Project) -> dict:
    path = project.build_manifest
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return data.get("assignments", {}) if data.get("version") == MANIFEST_VERSION else {}


def _files_on_disk(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): _sha(p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


def plan(project: Project, catalog: Catalog, modules: list[str] | None = None,
         langs: list[str] | None = None) -> list[Item]:
    """The items to consider, in catalog order."""
    wanted = set(catalog.select_modules(modules))
    langs = langs or list(LANGUAGES)
    return [Item(c.id, m.id, lang) for c, m in catalog.modules if m.id in wanted
            for lang in LANGUAGES if lang in langs and lang in c.languages]


def stale(project: Project, items: list[Item], manifest: dict, builder: str) -> dict[str, str]:
    """Assignments that need building, each with the reason."""
    out = {}
    for item in items:
        entry = manifest.get(item.assignment)
        if entry is None:
            out[item.assignment] = _("never built")
        elif entry.get("inputs") != input_digest(project, item, builder):
            out[item.assignment] = _("source, translation or builder changed")
        elif entry.get("files") != _files_on_disk(project.release_module_dir(item.module, item.lang)) or \
                entry.get("lesson") != _files_on_disk(project.lesson_dir(item.module, item.lang)):
            out[item.assignment] = _("release files differ from what the build wrote (edited by hand?)")
    return out


def orphans(project: Project, catalog: Catalog) -> list[str]:
    """Release folders of modules or languages the catalog no longer has."""
    if not project.release_dir.is_dir():
        return []
    expected = {i.assignment for i in plan(project, catalog)}
    found = [p for p in project.release_dir.iterdir()
             if p.is_dir() and not p.name.startswith((".", "_")) and p.name != LESSONS and p.name not in expected]
    if project.lessons_dir.is_dir():
        found += [p for p in project.lessons_dir.iterdir() if p.is_dir() and p.name not in expected]
    return sorted({p.name for p in found})


def check_sources(project: Project, catalog: Catalog) -> None:
    """Every folder in ``source/`` is a module of the catalog."""
    if not project.source_dir.is_dir():
        return
    known = {m.id for _c, m in catalog.modules}
    for folder in sorted(project.source_dir.iterdir()):
        if folder.is_dir() and not folder.name.startswith(".") and folder.name not in known:
            raise BuildError(_("{folder}: module '{module}' is not in the catalog: add it to a course in courses/.",
                               folder=folder.relative_to(project.root), module=folder.name))


# ------------------------------------------------------------------------------- one assignment


def validate_metadata(nb: dict, where: str) -> None:
    """nbgrader metadata of every cell is valid and grade ids are unique (names file and cell)."""
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError
    from nbformat import from_dict

    validator = MetadataValidator()
    seen: dict[str, str] = {}
    for cell in translation.check_notebook_shape(nb, where):
        meta = translation.nbgrader_meta(cell)
        if not meta:
            continue
        try:
            validator.validate_cell(from_dict(cell))
        except (ValidationError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NotebookError(_("{file}: cell {id}: broken nbgrader metadata: {problem}",
                                  file=where, id=cell["id"], problem=exc)) from None
        gid = meta.get("grade_id")
        if gid:
            if gid in seen:
                raise NotebookError(_("{file}: cell {id}: grade id '{grade_id}' is used twice (also cell {other}); grade ids must be unique.",
                                      file=where, id=cell["id"], grade_id=gid, other=seen[gid]))
            seen[gid] = cell["id"]


def language_notebook(project: Project, item: Item) -> tuple[dict, list[str]]:
    """The source notebook of ``item`` in its language, and the messages left in English."""
    path = project.module_notebook(item.module)
    nb = i18n.read_notebook_json(path)
    where = str(path.relative_to(project.root))
    validate_metadata(nb, where)
    messages = translation.extract(nb, where)
    table = i18n.table(project, item.module, item.lang, messages)
    out, missing = translation.apply(nb, table) if item.lang != "en" else (nb, [])
    meta = dict(out.get("metadata") or {})
    meta["iioe"] = {"course": item.course, "module": item.module, "lang": item.lang}
    out["metadata"] = meta
    return out, missing


def write_language_source(project: Project, item: Item, src: Path) -> list[str]:
    """Write the nbgrader source folder of ``item`` (language notebook with solutions and hidden tests,
    data files, ``iioe_check.py``) into ``src``; returns the messages left in English."""
    nb, missing = language_notebook(project, item)
    src.mkdir(parents=True)
    (src / f"{item.module}.ipynb").write_text(_notebook_text(nb), encoding="utf-8")
    for path in project.module_data_files(item.module):
        dest = src / path.relative_to(project.module_dir(item.module))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    shutil.copyfile(SHIPPED_CHECK, src / CHECK_MODULE)
    return missing


def _stub_config(lang: str):
    from traitlets.config import Config

    cfg = Config()
    code_stub = gettext_in(lang, "YOUR CODE HERE")
    cfg.ClearSolutions.code_stub = {"python": f"# {code_stub}\nraise NotImplementedError()"}
    cfg.ClearSolutions.text_stub = gettext_in(lang, "YOUR ANSWER HERE")
    return cfg


def _generate(project: Project, item: Item, workdir: Path, out_dir: Path, lesson_dir: Path) -> list[str]:
    """Write the release folder of ``item`` into ``out_dir`` and its lesson into ``lesson_dir``; returns the
    messages left in English."""
    import logging

    from nbgrader import preprocessors as pp
    from nbgrader.converters import GenerateAssignment
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    src = workdir / "source" / item.assignment
    missing = write_language_source(project, item, src)
    cfg = _stub_config(item.lang)
    cfg.CourseDirectory.root = str(workdir)
    cfg.CourseDirectory.assignment_id = item.assignment
    cfg.GenerateAssignment.no_database = True
    cfg.GenerateAssignment.force = True
    # SaveCells writes to a gradebook; the build has none (grading registers assignments itself).
    cfg.GenerateAssignment.preprocessors = [
        pp.IncludeHeaderFooter, pp.InstantiateTests, pp.LockCells, pp.ClearSolutions, pp.ClearOutput,
        pp.CheckCellMetadata, pp.ComputeChecksums, pp.ClearHiddenTests, pp.ClearMarkScheme,
        pp.ComputeChecksums, pp.CheckCellMetadata,
    ]
    converter = GenerateAssignment(coursedir=CourseDirectory(config=cfg), config=cfg)
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                messages.append(record.getMessage().strip().splitlines()[-1])

    converter.log = logging.getLogger(f"iioe.build.{item.assignment}")
    converter.log.propagate = False
    converter.log.handlers = [_Collect()]
    try:
        converter.start()
    except NbGraderException:
        detail = next((m for m in messages if "Please see" not in m), "")
        raise BuildError(_("{module} ({lang}): nbgrader could not generate the assignment: {detail}",
                           module=item.module, lang=item.lang, detail=detail)) from None
    shutil.copytree(workdir / "release" / item.assignment, out_dir)
    _write_lesson(src, item, lesson_dir)
    for folder in (out_dir, lesson_dir):
        for p in folder.rglob("*"):
            # same bytes and same modes on every machine and umask
            p.chmod(0o755 if p.is_dir() else 0o644)
    return missing


def _write_lesson(src: Path, item: Item, dest: Path) -> None:
    """The Voilà lesson of ``item`` from its language source folder: notebook, data, ``iioe_check.py``."""
    from iioe_nb import lessons

    nb = json.loads((src / f"{item.module}.ipynb").read_text(encoding="utf-8"))
    dest.mkdir(parents=True)
    for p in sorted(src.rglob("*")):
        if p.is_file() and p.suffix != ".ipynb":
            target = dest / p.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
    (dest / f"{item.module}.ipynb").write_text(_notebook_text(lessons.lesson(nb, item.lang)), encoding="utf-8")


def _notebook_text(nb: dict) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def gallery_pages(project: Project, catalog: Catalog) -> dict[Path, str]:
    """The lesson index pages, one per language, as they should be on disk."""
    from iioe_nb import lessons

    def link(module: str, lang: str) -> str:
        return f"{Project.assignment_id(module, lang)}/{module}.ipynb"

    return {project.gallery_notebook(lang): _notebook_text(lessons.gallery(catalog, lang, link)) for lang in LANGUAGES}


# ---------------------------------------------------------------------------------- whole build


def build(project: Project, modules: list[str] | None = None, langs: list[str] | None = None,
          check: bool = False, show_progress: bool = True) -> Report:
    """Build what is stale (or, with ``check``, raise ``BuildError`` naming it)."""
    from iioe_nb.console import progress

    catalog = load_catalog(project)
    check_sources(project, catalog)
    items = plan(project, catalog, modules, langs)
    manifest = _read_manifest(project)
    builder = builder_digest()
    todo = stale(project, items, manifest, builder)
    gone = orphans(project, catalog) if not modules and not langs else []
    report = Report(skipped=[i.assignment for i in items if i.assignment not in todo])
    pages = gallery_pages(project, catalog)
    stale_pages = [p for p, text in pages.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if check:
        if todo or gone or stale_pages:
            lines = [f"{aid}: {why}" for aid, why in todo.items()] + [_("{aid}: not in the catalog any more", aid=aid) for aid in gone]
            lines += [_("{page}: lesson index out of date", page=p.relative_to(project.root)) for p in stale_pages]
            raise BuildError(_("release/ is stale; run 'iioe build':\n  {lines}", lines="\n  ".join(lines)))
        return report
    if not todo and not gone:
        _write_pages(stale_pages, pages)
        return report

    project.release_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=project.release_dir))
    new_entries: dict[str, dict] = {}
    try:
        work = [i for i in items if i.assignment in todo]
        with progress(_("Building"), len(work), show_progress) as advance:
            for item in work:
                with tempfile.TemporaryDirectory(prefix="iioe-build-") as tmp:
                    out_dir = staging / item.assignment
                    lesson_dir = staging / LESSONS / item.assignment
                    missing = _generate(project, item, Path(tmp), out_dir, lesson_dir)
                new_entries[item.assignment] = {"course": item.course, "module": item.module, "lang": item.lang,
                                                "inputs": input_digest(project, item, builder),
                                                "files": _files_on_disk(out_dir), "lesson": _files_on_disk(lesson_dir)}
                if missing:
                    report.untranslated[item.assignment] = missing
                size = (out_dir / f"{item.module}.ipynb").stat().st_size
                if size > SIZE_LIMIT:
                    report.warnings.append(_("{aid}: notebook is {kb} KB, over the 150 KB limit for low-bandwidth delivery.",
                                             aid=item.assignment, kb=size // 1024))
                report.built.append(item.assignment)
                advance()
        # everything built: swap in, then record
        project.lessons_dir.mkdir(exist_ok=True)
        for aid in new_entries:
            for target, built in ((project.release_dir / aid, staging / aid),
                                  (project.lessons_dir / aid, staging / LESSONS / aid)):
                if target.exists():
                    shutil.rmtree(target)
                built.rename(target)
        for aid in gone:
            for folder in (project.release_dir / aid, project.lessons_dir / aid):
                if folder.exists():
                    shutil.rmtree(folder)
            manifest.pop(aid, None)
            report.removed.append(aid)
        manifest.update(new_entries)
        _write_manifest(project, manifest)
        _write_pages(stale_pages, pages)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _write_pages(stale_pages: list[Path], pages: dict[Path, str]) -> None:
    for path in stale_pages:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pages[path], encoding="utf-8")
        path.chmod(0o644)


def _write_manifest(project: Project, assignments: dict) -> None:
    data = json.dumps({"version": MANIFEST_VERSION, "assignments": assignments}, indent=1, sort_keys=True) + "\n"
    tmp = project.release_dir / (BUILD_MANIFEST + ".tmp")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(project.build_manifest)
