"""The package's own messages in English, French and Chinese (gettext, compiled with Babel).

``_("Module {module} is stale", module=m)`` returns the message in the current language, filled with
``str.format``. The language comes from ``set_language`` (the CLI's ``--lang``) or ``IIOE_LANG``;
English is the fallback for anything untranslated.
"""
from __future__ import annotations

import gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "iioe"
SUPPORTED = ("en", "fr", "zh")

_state: dict[str, object] = {"lang": None, "translation": None}


def normalise_language(lang: str | None) -> str:
    """Map ``fr_FR.UTF-8``, ``zh-CN``, ``FR`` … to one of the supported codes; default English."""
    if not lang:
        return "en"
    code = lang.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    return code if code in SUPPORTED else "en"


def set_language(lang: str | None) -> str:
    """Use ``lang`` for messages from now on; returns the code in use."""
    code = normalise_language(lang or os.environ.get("IIOE_LANG"))
    _state["lang"] = code
    _state["translation"] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)
    return code


def current_language() -> str:
    if _state["lang"] is None:
        set_language(None)
    return _state["lang"]  # type: ignore[return-value]


def _(message: str, /, **values: object) -> str:
    """Translate ``message`` to the current language and fill its ``{placeholders}``."""
    if _state["translation"] is None:
        set_language(None)
    text = _state["translation"].gettext(message)  # type: ignore[union-attr]
    return text.format(**values) if values else text


def gettext_in(lang: str, message: str) -> str:
    """``message`` in ``lang`` whatever the current language (e.g. answer stubs of a release)."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[normalise_language(lang)], fallback=True).gettext(message)


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later (e.g. table headers)."""
    return message
