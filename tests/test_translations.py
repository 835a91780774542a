"""The message catalogues are complete and current: every message extracted from the code,
the templates and the report's layouts has its German translation, no translation is left
for a message that is gone, placeholders match, and the compiled catalogues say what the
.po files say (`make install` compiles them; `make translations` updates them)."""

import re

import pytest
from babel.messages.mofile import read_mo

from knowtrans import translations

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@pytest.fixture(scope="module")
def extracted():
    return translations.extract()


@pytest.fixture(scope="module")
def german():
    return translations.read("de")


def _key(message):
    return (message.id if isinstance(message.id, str) else message.id[0], message.context)


def _strings(value) -> list[str]:
    if value is None:
        return [""]
    return [value] if isinstance(value, str) else list(value)


def test_every_message_has_its_german_translation(extracted, german):
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = german.get(message.id, context=message.context)
        if translated is None or not all(_strings(translated.string)) or translated.fuzzy:
            missing.append(_key(message)[0])
    assert not missing, (
        f"{len(missing)} messages without German (make translations, then translate them in "
        f"knowtrans/translations/de/LC_MESSAGES/messages.po): {missing[:20]}"
    )


def test_no_translation_is_kept_for_a_message_that_is_gone(extracted, german):
    current = {_key(message) for message in extracted if message.id}
    stale = [_key(message)[0] for message in german if message.id and _key(message) not in current]
    assert not stale, f"stale messages (make translations drops them): {stale[:20]}"


def test_placeholders_are_the_same_in_both_languages(german):
    wrong = []
    for message in german:
        if not message.id:
            continue
        source = _strings(message.id)
        for index, text in enumerate(_strings(message.string)):
            original = source[min(index, len(source) - 1)]
            # the same names (German may name one twice, as a sentence needs)
            wanted = set(PLACEHOLDER.findall(original))
            if set(PLACEHOLDER.findall(text)) != wanted and text:
                wrong.append((original, text))
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("language", translations.LANGUAGES)
def test_the_compiled_catalogue_is_current(language):
    compiled = translations.catalogue_path(language).with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: make install compiles it"
    with compiled.open("rb") as file:
        built = read_mo(file)
    source = translations.read(language)
    expected = {
        _key(message): tuple(_strings(message.string))
        for message in source
        if message.id and all(_strings(message.string)) and not message.fuzzy
    }
    # an untranslated plural is compiled as its English forms: nothing to compare
    actual = {
        _key(message): tuple(_strings(message.string))
        for message in built
        if message.id and tuple(_strings(message.string)) != tuple(_strings(message.id))
    }
    expected = {key: value for key, value in expected.items() if value != _forms(source, key)}
    assert actual == expected, f"{compiled} is older than its .po: run make install"


def _forms(catalogue, key) -> tuple[str, ...]:
    message = catalogue.get(key[0], context=key[1])
    return tuple(_strings(message.id))


def test_the_glossary_terms_are_the_ones_the_catalogue_uses(german):
    """The main terms of docs/glossary.md, where a message is exactly the English term."""
    terms = {
        "Engagement": "Einsatz",
        "Readiness": "Übergabebereitschaft",
        "Handover notes": "Übergabenotizen",
        "Criticality": "Kritikalität",
        "Skill": "Kompetenz",
    }
    for english, german_term in terms.items():
        message = german.get(english)
        if message is not None:
            assert message.string == german_term, (english, message.string)
