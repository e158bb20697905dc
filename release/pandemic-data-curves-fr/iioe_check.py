"""Helpers that module notebooks import: ``from iioe_check import check, tr``.

This file is copied next to every release notebook, so a notebook works offline
with nothing but its own folder. It uses the standard library only.

``iioe build`` translates the message strings of ``check(...)`` and ``tr(...)``
calls in place, so at run time both are plain formatting: the text a trainee
reads is already in the notebook's language.
"""

import sys

__all__ = ["check", "tr"]


def _fonts_for_every_script():
    """When the notebook already uses matplotlib, add a CJK font after its own as a fallback, so
    Chinese labels in charts are drawn instead of empty boxes (matplotlib picks per glyph)."""
    font_manager = sys.modules.get("matplotlib.font_manager")
    matplotlib = sys.modules.get("matplotlib")
    if font_manager is None or matplotlib is None:
        return
    try:
        names = sorted({f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name})
        preferred = [n for n in names if n.endswith(" SC")] + [n for n in names if not n.endswith(" SC")]
        # matplotlib falls back from one *family* to the next, glyph by glyph
        current = list(matplotlib.rcParams["font.family"])
        matplotlib.rcParams["font.family"] = current + [n for n in preferred[:1] if n not in current]
    except Exception:  # a chart with boxes is better than a notebook that does not start
        pass


def tr(message, **values):
    """Return a trainee-visible text, filled with ``values`` when given.

    Widget labels and printed messages are wrapped in ``tr`` so that
    ``iioe i18n extract`` finds them and ``iioe build`` translates them.
    """
    return message.format(**values) if values else message


def check(condition, message, **values):
    """Fail a visible test with a message the trainee can act on.

    ``message`` may name ``values`` as ``{name}`` placeholders. When the
    condition is false an ``AssertionError`` carrying the filled message is
    raised, which nbgrader counts as a failed test.
    """
    if not condition:
        raise AssertionError(message.format(**values) if values else message)
    return True


_fonts_for_every_script()
