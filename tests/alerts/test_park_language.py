"""Text that leaves the app (notifications, the daily report's snapshot) is written in the park's language: the
web app's Config inside it, what the process configured outside it, whatever language the reader uses."""
from __future__ import annotations

import pytest
from flask_babel import gettext as _

from farm import park_language


@pytest.fixture
def language():
    """Restore the process's park language after the test."""
    before = park_language.code()
    yield park_language
    park_language.configure(before)


def test_outside_the_web_app_chinese_by_default_or_as_configured(language):
    assert language.code() == "zh_CN"
    with language.park_language():
        assert _("Alerts") == "告警"
    language.configure("en")
    with language.park_language():
        assert _("Alerts") == "Alerts"


def test_an_unknown_language_is_refused(language):
    with pytest.raises(ValueError):
        language.configure("fr")
    assert language.code() == "zh_CN"


def test_inside_a_request_the_parks_language_not_the_readers(app, language):
    language.configure("en")  # another process's setting does not leak into the web app
    with app.test_request_context("/?lang=en"):
        assert _("Alerts") == "Alerts"  # the reader's language
        with language.park_language():
            assert language.code() == "zh_CN" and _("Alerts") == "告警"
        assert _("Alerts") == "Alerts"
