"""The one place that knows the folder layout of a course repository and of the workspace.

A course repository (``--root``/``IIOE_ROOT``, default the current directory) holds ``courses/``,
``source/`` and ``release/``; runtime data lives in the workspace (``IIOE_HOME``, default
``<root>/.iioe``), laid out as nbgrader's ``{nbgrader_step}/{student_id}/{assignment_id}`` so that
nbgrader's own tools work on it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("en", "fr", "zh")
SOURCE_LANGUAGE = "en"
CHECK_MODULE = "iioe_check.py"
BUILD_MANIFEST = ".iioe-build.json"
LESSONS = "lessons"


@dataclass(frozen=True)
class Project:
    """Paths of a course repository and its workspace."""

    root: Path
    home: Path

    @classmethod
    def discover(cls, root: str | os.PathLike | None = None) -> "Project":
        """Project at ``root``, else ``$IIOE_ROOT``, else the current directory."""
        base = Path(root or os.environ.get("IIOE_ROOT") or ".").resolve()
        home = os.environ.get("IIOE_HOME")
        return cls(root=base, home=Path(home).resolve() if home else base / ".iioe")

    # catalog -----------------------------------------------------------------------------------
    @property
    def courses_dir(self) -> Path:
        return self.root / "courses"

    @property
    def programmes_file(self) -> Path:
        return self.courses_dir / "programmes.yml"

    @property
    def glossary_file(self) -> Path:
        return self.courses_dir / "glossary.yml"

    def course_files(self) -> list[Path]:
        """Course YAML files, sorted; ``programmes.yml`` and ``glossary.yml`` are not courses."""
        if not self.courses_dir.is_dir():
            return []
        skip = {self.programmes_file.name, self.glossary_file.name}
        return sorted(p for p in self.courses_dir.glob("*.yml") if p.name not in skip)

    # sources -----------------------------------------------------------------------------------
    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    def module_dir(self, module: str) -> Path:
        return self.source_dir / module

    def module_notebook(self, module: str) -> Path:
        return self.module_dir(module) / f"{module}.ipynb"

    def locale_dir(self, module: str) -> Path:
        return self.module_dir(module) / "locale"

    def po_file(self, module: str, lang: str) -> Path:
        return self.locale_dir(module) / f"{lang}.po"

    def module_data_files(self, module: str) -> list[Path]:
        """Files shipped with a module besides its notebook and translations, sorted."""
        base = self.module_dir(module)
        if not base.is_dir():
            return []
        out = []
        for p in sorted(base.rglob("*")):
            rel = p.relative_to(base)
            if p.is_dir() or rel.parts[0] in ("locale", ".ipynb_checkpoints", "__pycache__"):
                continue
            if p.name == f"{module}.ipynb" or p.name.startswith("."):
                continue
            out.append(p)
        return out

    # release -----------------------------------------------------------------------------------
    @property
    def release_dir(self) -> Path:
        return self.root / "release"

    @staticmethod
    def assignment_id(module: str, lang: str) -> str:
        """nbgrader assignment a module is released as in one language."""
        return f"{module}-{lang}"

    def release_module_dir(self, module: str, lang: str) -> Path:
        return self.release_dir / self.assignment_id(module, lang)

    def release_notebook(self, module: str, lang: str) -> Path:
        return self.release_module_dir(module, lang) / f"{module}.ipynb"

    @property
    def lessons_dir(self) -> Path:
        """Voilà lessons, beside (not inside) the nbgrader assignments."""
        return self.release_dir / LESSONS

    def lesson_dir(self, module: str, lang: str) -> Path:
        return self.lessons_dir / self.assignment_id(module, lang)

    def lesson_notebook(self, module: str, lang: str) -> Path:
        return self.lesson_dir(module, lang) / f"{module}.ipynb"

    def gallery_notebook(self, lang: str) -> Path:
        return self.lessons_dir / f"index.{lang}.ipynb"

    @property
    def build_manifest(self) -> Path:
        return self.release_dir / BUILD_MANIFEST

    # workspace ---------------------------------------------------------------------------------
    def step_dir(self, step: str) -> Path:
        """nbgrader step folder in the workspace: submitted, autograded, feedback."""
        return self.home / step

    @property
    def bundles_dir(self) -> Path:
        return self.home / "bundles"

    @property
    def database_url(self) -> str:
        return os.environ.get("IIOE_DB") or f"sqlite:///{self.home / 'gradebook.db'}"
