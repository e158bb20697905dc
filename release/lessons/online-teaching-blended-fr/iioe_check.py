"""Helpers that module notebooks import: ``from iioe_check import check, tr``.

This file is copied next to every release notebook, so a notebook works offline
with nothing but its own folder. It uses the standard library only.

``iioe build`` translates the message strings of ``check(...)`` and ``tr(...)``
calls in place, so at run time both are plain formatting: the text a trainee
reads is already in the notebook's language.
"""

__all__ = ["check", "tr"]


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
