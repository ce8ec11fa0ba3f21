"""Text in the park's language, whoever reads it later: notifications and the daily report's snapshot are written
in the park's language (FARM_LANGUAGE), not in the language of the reader who happened to cause them.

Inside the web app the language is the app's Config. A process without the web app (the scheduler) is told it
once with `configure()`, the way it sets the park's time zone on farm.clock; flask_babel only translates inside
an app context, so there the first use builds a small app that holds nothing but the translations.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import Flask, current_app, has_app_context
from flask_babel import Babel, force_locale

from farm.config import LANGUAGES

DEFAULT = "zh_CN"
_language = DEFAULT
_bare_app: Flask | None = None


def configure(language: str) -> None:
    """Set the park's language of a process without the web app (from Config.language)."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    _language = language


def code() -> str:
    """The park's language: the web app's Config inside it, else what `configure()` set (zh_CN by default)."""
    if has_app_context() and "FARM" in current_app.config:
        return current_app.config["FARM"].language
    return _language


def _translation_app() -> Flask:
    """A minimal app holding only the translations, for processes without the web app."""
    global _bare_app
    if _bare_app is None:
        from farm.i18n import TRANSLATIONS, compile_catalogues

        compile_catalogues()
        app = Flask("farm.park_language")
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
        Babel(app)
        _bare_app = app
    return _bare_app


@contextmanager
def park_language():
    """Translate in the park's language inside the block: in a request (whatever the reader's language) or not."""
    language = code()
    if has_app_context():
        with force_locale(language):
            yield
        return
    with _translation_app().app_context(), force_locale(language):
        yield
