"""PO catalogs: extraction like msgmerge (fuzzy on change), status counts, checked translation tables."""
from __future__ import annotations

import json

import pytest

from iioe_nb import i18n
from iioe_nb.errors import TranslationError


def _nb_replace(project, old, new):
    path = project.module_notebook("sample-unit-rates")
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_fixture_is_fully_translated(minimal):
    rows = i18n.status(minimal, "sample-unit-rates")
    assert [(r.lang, r.translated, r.fuzzy, r.missing) for r in rows] == [("fr", 15, 0, 0), ("zh", 15, 0, 0)]


def test_extract_is_stable_when_nothing_changed(minimal):
    before = minimal.po_file("sample-unit-rates", "fr").read_bytes()
    assert i18n.extract(minimal, "sample-unit-rates") == {"fr": False, "zh": False}
    assert minimal.po_file("sample-unit-rates", "fr").read_bytes() == before


def test_changed_english_makes_its_translation_fuzzy_only(minimal):
    _nb_replace(minimal, "Which bundle would you choose", "Which data bundle would you choose")
    assert i18n.extract(minimal, "sample-unit-rates") == {"fr": True, "zh": True}
    text = minimal.po_file("sample-unit-rates", "fr").read_text(encoding="utf-8")
    assert "#, fuzzy" in text and '#| msgid "Which bundle would you choose' in text
    (fr, zh) = i18n.status(minimal, "sample-unit-rates")
    assert (fr.translated, fr.fuzzy, fr.missing) == (14, 1, 0)
    # the fuzzy translation is not used by the build
    table = i18n.table(minimal, "sample-unit-rates", "fr", i18n.source_messages(minimal, "sample-unit-rates"))
    assert not any(k.startswith("Which data bundle") for k in table)
    assert table["Exercise 1 (2 points)"] == "Exercice 1 (2 points)"


def test_new_text_is_missing_until_extracted(minimal):
    _nb_replace(minimal, "*Write your answer here.*", "*Write your answer here, in two or three sentences.*")
    (fr, _zh) = i18n.status(minimal, "sample-unit-rates")
    assert fr.missing == 1


def test_new_module_gets_new_po_files(minimal):
    for lang in ("fr", "zh"):
        minimal.po_file("sample-unit-rates", lang).unlink()
    assert i18n.extract(minimal, "sample-unit-rates") == {"fr": True, "zh": True}
    (fr, _zh) = i18n.status(minimal, "sample-unit-rates")
    assert (fr.translated, fr.missing) == (0, 15)
    text = minimal.po_file("sample-unit-rates", "zh").read_text(encoding="utf-8")
    assert "Language: zh" in text and "#, python-brace-format" in text


def test_broken_po_file_names_file_and_line(minimal):
    path = minimal.po_file("sample-unit-rates", "fr")
    lines = path.read_text(encoding="utf-8").split("\n")
    idx = next(i for i, line in enumerate(lines) if line.startswith('msgstr "Exercice 1'))
    lines[idx] = 'msgstr "Exercice 1 (2 points)'  # unterminated string
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(TranslationError, match=rf"fr\.po:{idx + 1}: broken PO file: .*unclosed quote"):
        i18n.status(minimal, "sample-unit-rates")


def test_duplicate_msgid_is_refused(minimal):
    path = minimal.po_file("sample-unit-rates", "fr")
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "Exercise 1 (2 points)"\nmsgstr "Autre"\n', encoding="utf-8")
    with pytest.raises(TranslationError, match=r"fr\.po:\d+: broken PO file: the same msgid appears twice"):
        i18n.status(minimal, "sample-unit-rates")


def test_placeholder_mismatch_is_refused_with_location(minimal):
    path = minimal.po_file("sample-unit-rates", "zh")
    path.write_text(path.read_text(encoding="utf-8").replace("已读取 {n} 个套餐", "已读取 {count} 个套餐"), encoding="utf-8")
    with pytest.raises(TranslationError, match=r"zh\.po:\d+: placeholders \['count'\] differ from the English \['n'\]"):
        i18n.table(minimal, "sample-unit-rates", "zh", i18n.source_messages(minimal, "sample-unit-rates"))


def test_invalid_notebook_json_is_named(minimal):
    minimal.module_notebook("sample-unit-rates").write_text("{not json", encoding="utf-8")
    from iioe_nb.errors import NotebookError
    with pytest.raises(NotebookError, match=r"sample-unit-rates\.ipynb: not valid notebook JSON"):
        i18n.extract(minimal, "sample-unit-rates")


def test_cli_status_strict(minimal, run_cli):
    ok = run_cli("i18n", "status", "--strict", "--json", root=minimal.root)
    assert ok.exit_code == 0 and {r["percent"] for r in json.loads(ok.stdout)} == {100.0}
    _nb_replace(minimal, "Which bundle would you choose", "Which data bundle would you choose")
    bad = run_cli("i18n", "status", "--strict", root=minimal.root)
    assert bad.exit_code != 0 and "not complete" in bad.stderr
