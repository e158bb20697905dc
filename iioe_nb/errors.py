"""Errors raised by iioe_nb.

Every error a user can cause derives from one root, and the command line turns each into one line
and a non-zero exit code, never a traceback::

    IioeError                 exit 1
    ├── UsageError            exit 2   unknown module, language or option value
    ├── CatalogError          exit 3   courses/*.yml invalid (carries every Problem found)
    ├── NotebookError         exit 4   a notebook that cannot be read or has broken nbgrader metadata
    ├── TranslationError      exit 5   a PO file that cannot be read or a translation that breaks the text
    ├── BuildError            exit 6   release is stale (--check) or a build step failed
    ├── VerifyError           exit 7   a module whose tests or leak scan fail
    └── DependencyError       exit 8   an optional tool or package is missing (names the fix)

Messages name the file (and line or cell) and say what to do.
"""
from __future__ import annotations


class IioeError(Exception):
    """Root of every error a user can cause."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(IioeError):
    exit_code = 2


class CatalogError(IioeError):
    """The catalog does not validate; ``problems`` lists each one."""

    exit_code = 3

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class NotebookError(IioeError):
    exit_code = 4


class TranslationError(IioeError):
    exit_code = 5


class BuildError(IioeError):
    exit_code = 6


class VerifyError(IioeError):
    exit_code = 7


class DependencyError(IioeError):
    exit_code = 8
