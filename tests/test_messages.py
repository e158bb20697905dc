"""The package's own messages: compiled catalogs are current and complete; the language falls back to English."""
from __future__ import annotations

import io

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from iioe_nb import messages
from iioe_nb.messages import LOCALE_DIR, _, normalise_language, set_language


@pytest.mark.parametrize("lang", ["fr", "zh"])
def test_compiled_catalog_matches_po_and_is_complete(lang):
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po = read_po(io.BytesIO((folder / "iioe.po").read_bytes()), locale=lang)
    mo = read_mo(io.BytesIO((folder / "iioe.mo").read_bytes()))
    po_pairs = {m.id: m.string for m in po if m.id and not m.fuzzy}
    mo_pairs = {m.id: m.string for m in mo if m.id}
    assert po_pairs == mo_pairs, "iioe.mo is stale: run 'make messages'"
    missing = [m.id for m in po if m.id and (not m.string or m.fuzzy)]
    assert missing == []
    template = read_po(io.BytesIO((LOCALE_DIR / "iioe.pot").read_bytes()))
    assert {m.id for m in template if m.id} == {m.id for m in po if m.id}, "iioe.po is not merged with iioe.pot"


def test_every_placeholder_survives_translation():
    from iioe_nb.translation import placeholders

    for lang in ("fr", "zh"):
        po = read_po(io.BytesIO((LOCALE_DIR / lang / "LC_MESSAGES" / "iioe.po").read_bytes()), locale=lang)
        for m in po:
            if m.id and m.string:
                assert placeholders(m.id) == placeholders(m.string), (lang, m.id)


def test_template_is_current(tmp_path):
    """Every message in the code is in iioe.pot (run 'make messages' after changing messages)."""
    from babel.messages.extract import extract_from_dir

    found = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(
        str(messages.LOCALE_DIR.parent), keywords={"_": None, "N_": None, "gettext_in": (2,)},
        comment_tags=(), method_map=[("**.py", "python")])}
    template = read_po(io.BytesIO((LOCALE_DIR / "iioe.pot").read_bytes()))
    assert found - {m.id for m in template} == set()


def test_language_selection_and_fallback(monkeypatch):
    assert set_language("fr") == "fr" and _("Courses") == "Cours"
    assert set_language("zh_CN.UTF-8") == "zh" and _("Courses") == "课程"
    assert set_language("de") == "en" and _("Courses") == "Courses"
    monkeypatch.setenv("IIOE_LANG", "fr")
    assert set_language(None) == "fr"
    assert normalise_language("FR-fr") == "fr"
    assert messages.gettext_in("zh", "YOUR ANSWER HERE") != "YOUR ANSWER HERE"
