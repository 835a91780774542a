"""The message catalogues: ``<language>/LC_MESSAGES/messages.po`` beside this file, English in
the code and templates, German translated. ``make translations`` extracts the messages
(``babel.cfg`` says where from) and updates the catalogues; the install step compiles them.
The test suite extracts them the same way and fails on a message without its German.

    python -m knowtrans.translations update   # extract, then update every catalogue
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
#: the languages with a catalogue; English is the source language
LANGUAGES = ("de", "en")
#: gettext, ngettext, _ … and the lazy forms used where no request is running yet
#: the top-level folders babel.cfg's patterns point into
SOURCES = ("knowtrans", "templates", "reports")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def catalogue_path(language: str) -> Path:
    return HERE / language / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every translatable message of the code, the templates and the report's layouts."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    template = Catalog(project="knowtrans", msgid_bugs_address=None, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        strip_comment_tags=True,
        directory_filter=_searched,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _searched(path: str) -> bool:
    """Only the folders messages come from (not the virtual environment or node_modules)."""
    relative = Path(path).resolve().relative_to(ROOT)
    return relative.parts[0] in SOURCES


def read(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as file:
        return read_po(file, locale=language)


def update() -> None:
    """Extract, then bring every catalogue up to date: new messages added untranslated,
    messages no longer in the code dropped."""
    template = extract()
    with (HERE / "messages.pot").open("wb") as file:
        write_po(file, template, width=100, omit_header=False)
    for language in LANGUAGES:
        path = catalogue_path(language)
        if path.exists():
            catalogue = read(language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalogue = Catalog(locale=language, project="knowtrans")
        catalogue.update(template, no_fuzzy_matching=True)
        catalogue.fuzzy = False
        catalogue.obsolete.clear()
        with path.open("wb") as file:
            write_po(file, catalogue, width=100, ignore_obsolete=True, include_previous=False)
        messages = [message for message in catalogue if message.id]
        missing = sum(1 for message in messages if not message.string)
        print(f"{path.relative_to(ROOT)}: {len(messages)} messages, {missing} untranslated")
