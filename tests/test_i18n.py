"""Every user-facing string goes through the translation layer and has a Chinese translation."""
from __future__ import annotations

from farm.i18n import catalogue, extract_messages, missing_translations


def test_i18n_every_string_has_a_chinese_translation():
    missing = missing_translations("zh_CN")
    listing = "\n".join(f"{msgid!r} at {places[0]}" for msgid, places in sorted(missing.items()))
    assert not missing, f"{len(missing)} strings lack a zh_CN translation (python -m farm i18n-missing):\n{listing}"


def test_i18n_catalogue_keeps_placeholders():
    # A translation that drops or renames %(name)s would crash or mislead at run time.
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for msgid, msgstr in catalogue("zh_CN").items():
        assert set(placeholder.findall(msgid)) == set(placeholder.findall(msgstr)), msgid


def test_i18n_extraction_finds_templates_and_code():
    places = [p for ps in extract_messages().values() for p in ps]
    assert any(p.startswith("templates/") for p in places)
    assert any(p.startswith("farm/") for p in places)
