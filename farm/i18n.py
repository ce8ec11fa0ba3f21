"""Translation layer: locale choice, catalogue compilation, and the formatting helpers pages use."""
from __future__ import annotations

import hashlib
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_request_context, request
from flask_babel import Babel, format_decimal, get_locale

from farm import units, vocab
from farm.config import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
LANGUAGE_COOKIE = "farm_lang"

babel = Babel()


def compile_catalogues(root: Path = TRANSLATIONS) -> None:
    """Merge each locale's .po parts into one compiled messages.mo, whenever the parts have changed.

    Each area of the app keeps its own part (core.po, harvest.po, ...) so that work on one area
    never edits another's file. A digest of the parts' contents sits beside the .mo; file times are
    not trusted, since copies and checkouts keep or reset them unpredictably.
    """
    if not root.is_dir():
        return
    for locale_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        parts = sorted(locale_dir.glob("*.po"))
        if not parts:
            continue
        # Flask-Babel looks the catalogue up under Babel's full name of the locale (zh_CN parses as
        # zh_Hans_CN), so the compiled file goes there; the .po parts keep the short folder name.
        target = root / str(Locale.parse(locale_dir.name)) / "LC_MESSAGES" / "messages.mo"
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.name.encode() + b"\0" + part.read_bytes() + b"\0")
        stamp = target.with_suffix(".sha256")
        if target.exists() and stamp.exists() and stamp.read_text().strip() == digest.hexdigest():
            continue
        merged = Catalog(locale=locale_dir.name)
        for part in parts:
            with part.open("rb") as fh:
                for message in read_po(fh, locale=locale_dir.name):
                    if message.id and message.string:
                        merged[message.id] = message
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, merged)
        tmp.replace(target)
        tmp_stamp = stamp.with_suffix(f".{os.getpid()}.tmp")
        tmp_stamp.write_text(digest.hexdigest())
        tmp_stamp.replace(stamp)


def select_locale() -> str:
    """The request's language: ?lang=, then the remembered choice, then the park's default."""
    default = current_app.config["FARM"].language
    if not has_request_context():
        return default
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    user = g.get("user")
    if user is not None and user.language in LANGUAGES:
        return user.language
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return default


def select_timezone() -> str:
    return current_app.config["FARM"].timezone


def current_language() -> str:
    return "en" if str(get_locale()).startswith("en") else "zh_CN"


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp shown in the park's time zone."""
    if value is None:
        return ""
    return value.astimezone(current_app.config["FARM"].tz).strftime(fmt)


def local_date(value: date | None) -> str:
    return value.isoformat() if value else ""


# Per locale: whether Babel writes its numbers with "," grouping, "." decimals and "-" (then Python's own
# formatting gives the same text, about twenty times faster: a report page shows a thousand figures).
_PLAIN_NUMBERS: dict[str, bool] = {}


def number(value, digits: int = 1) -> str:
    """A number with grouping in the user's locale, or an empty string; rounded half up (units.rounded), as the
    page scripts round, not Babel's half-even."""
    if value is None:
        return ""
    value = units.rounded(value, digits)
    locale = str(get_locale())
    plain = _PLAIN_NUMBERS.get(locale)
    if plain is None:
        plain = _PLAIN_NUMBERS[locale] = format_decimal(Decimal("-1234567.5"), format="#,##0.0") == "-1,234,567.5"
    if plain:
        return f"{value:,.{digits}f}"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def crop_name(crop) -> str:
    """A crop's name in the current language."""
    return crop.display_name(current_language()) if crop is not None else ""


def jin(weight_kg) -> Decimal:
    """Template filter: kilograms as 斤 (`{{ kg|jin|number(0) }}`), by the one conversion in farm.units."""
    return units.jin(weight_kg)


def init_app(app) -> None:
    """Bind Flask-Babel and the template helpers to the app."""
    compile_catalogues()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["FARM"].language)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        current_language=current_language,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        label=vocab.label,
        tone=vocab.tone,
        crop_name=crop_name,
    )
    app.jinja_env.filters.update(local_time=local_time, local_date=local_date, number=number, jin=jin,
                                 yuan=units.fen)


KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extract_messages(root=None) -> dict[str, list[str]]:
    """Every translatable string in farm/ and templates/, with the places it is used."""
    from babel.messages.extract import extract_from_dir

    from farm.config import PROJECT_ROOT

    root = root or PROJECT_ROOT
    found: dict[str, list[str]] = {}
    sources = [
        (root / "farm", [("**.py", "python")]),
        (root / "sensors", [("**.py", "python")]),
        (root / "templates", [("**.html", "jinja2")]),
    ]
    for folder, method_map in sources:
        if not folder.exists():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(folder), method_map=method_map, keywords=KEYWORDS,
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, []).append(f"{folder.name}/{filename}:{lineno}")
    return found


def catalogue(locale: str, root: Path = TRANSLATIONS) -> dict[str, str]:
    """The merged translations of one locale: msgid -> msgstr."""
    merged = {}
    for part in sorted((root / locale).glob("*.po")):
        with part.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if message.id and message.string:
                    merged[message.id if isinstance(message.id, str) else message.id[0]] = message.string
    return merged


def missing_translations(locale: str = "zh_CN") -> dict[str, list[str]]:
    """Strings used in the code that the locale's catalogue does not translate."""
    have = catalogue(locale)
    return {msgid: places for msgid, places in extract_messages().items() if msgid not in have}
