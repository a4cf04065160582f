"""The English catalogue is complete and correct, and an English page really is English.

The texts are written in Dutch in the code and templates (the gettext msgids); the English
catalogue is ``coopshop/translations/en/LC_MESSAGES/messages.po``. These tests extract the
msgids afresh the same way ``make extract-messages`` does, so a new text without an English
translation fails here instead of showing up in Dutch on an English page.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "coopshop" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")
# Like pybabel, walk the whole project (babel.cfg says which files count), but not the
# JavaScript packages: they hold no texts and walking them doubles the time.
SKIPPED_DIRS = {"node_modules"}

ADVICE = (
    "Run `make extract-messages`, translate the new entries in "
    "coopshop/translations/en/LC_MESSAGES/messages.po and run `make translations`."
)


def makefile_keywords() -> dict[str, object]:
    """The gettext keywords of `make extract-messages`: Babel's defaults plus every ``-k``."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    command = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    extra = re.findall(r"(?:-k|--keywords?)[ =](\S+)", command)
    assert extra, f"no -k keywords found in the Makefile line: {command}"
    return {**DEFAULT_KEYWORDS, **dict.fromkeys(extra)}


def keep_directory(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith((".", "_")) and name not in SKIPPED_DIRS


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh extraction with babel.cfg's method map, written to a temporary .pot and read back."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    template = Catalog(fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=makefile_keywords(),
        directory_filter=keep_directory,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    with pot.open("wb") as out:
        write_po(out, template)
    with pot.open("rb") as source:
        return read_po(source)


@pytest.fixture(scope="module")
def english() -> Catalog:
    with EN_PO.open("rb") as source:
        return read_po(source, locale="en")


@pytest.fixture(scope="session")
def compiled_english() -> Path:
    """The compiled English catalogue that Flask-Babel reads (normally `make translations`).

    Compiled in place when it is missing or older than the .po file; written to a temporary
    file first and then renamed, so that parallel test workers never read half a file.
    """
    if not EN_MO.exists() or EN_MO.stat().st_mtime < EN_PO.stat().st_mtime:
        with EN_PO.open("rb") as source:
            catalog = read_po(source, locale="en")
        handle, temporary = tempfile.mkstemp(dir=EN_MO.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                write_mo(out, catalog, use_fuzzy=False)
            os.replace(temporary, EN_MO)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return EN_MO


def ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def placeholders(text: str) -> list[tuple[str, str]]:
    """The %-placeholders of a text as (name, conversion); the name is empty for ``%s``."""
    return sorted((name or "", conversion) for name, _, conversion in PYTHON_FORMAT.findall(text))


def where(message: Message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations[:2])


def test_the_extraction_finds_python_templates_mails_and_plurals(extracted: Catalog) -> None:
    paths = {path for message in extracted if message.id for path, _ in message.locations}
    assert any(path.startswith("coopshop/") and path.endswith(".py") for path in paths)
    assert any(path.startswith("templates/") and path.endswith(".html") for path in paths)
    assert any(path.startswith("templates/mail/") and path.endswith(".txt") for path in paths)
    assert any(message.pluralizable for message in extracted if message.id)


def test_every_text_has_an_english_translation(extracted: Catalog, english: Catalog) -> None:
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = english.get(message.id, context=message.context)
        if (
            translated is None
            or translated.fuzzy
            or ids(translated) != ids(message)
            or not all(text.strip() for text in strings(translated))
        ):
            missing.append(f"  {ids(message)[0]!r}  ({where(message)})")
    assert not missing, (
        f"{len(missing)} text(s) have no (complete, non-fuzzy) English translation:\n"
        + "\n".join(missing)
        + f"\n{ADVICE}"
    )


def test_translations_keep_the_placeholders(english: Catalog) -> None:
    wrong = []
    for message in english:
        if not message.id:
            continue
        singular, *plural = ids(message)
        for index, text in enumerate(strings(message)):
            if not text:
                continue
            source = singular if index == 0 or not plural else plural[0]
            if placeholders(text) != placeholders(source):
                wrong.append(f"  {source!r} -> {text!r}")
    assert not wrong, "These translations change the %(...)s placeholders:\n" + "\n".join(wrong)


def test_an_english_page_is_in_english(compiled_english: Path, client) -> None:
    client.post("/taal/en", data={"next": "/inloggen"})

    page = client.get("/inloggen").get_data(as_text=True)

    assert '<html lang="en"' in page
    assert "E-mail address" in page
    assert "Password" in page
    assert ">Log in<" in page
    assert "E-mailadres" not in page
    assert "Wachtwoord" not in page
    assert "Inloggen" not in page
    # The switch offers the way back under its own, untranslated name.
    assert ">Nederlands</button>" in page


def test_the_default_page_is_still_dutch(compiled_english: Path, client) -> None:
    page = client.get("/inloggen").get_data(as_text=True)

    assert '<html lang="nl"' in page
    assert "Inloggen" in page
    assert "E-mailadres" in page
    assert "E-mail address" not in page
    assert ">English</button>" in page
