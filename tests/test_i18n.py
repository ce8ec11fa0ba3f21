"""Every user-facing string goes through the translation layer and has a Chinese translation."""
from __future__ import annotations

import re

import pytest

from farm.config import PROJECT_ROOT
from farm.i18n import catalogue, extract_messages, missing_translations
from farm.models.auth import User
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_crop, make_park, make_planting, make_user


def test_i18n_every_string_has_a_chinese_translation():
    missing = missing_translations("zh_CN")
    listing = "\n".join(f"{msgid!r} at {places[0]}" for msgid, places in sorted(missing.items()))
    assert not missing, f"{len(missing)} strings lack a zh_CN translation (python -m farm i18n-missing):\n{listing}"


def test_i18n_catalogue_keeps_placeholders():
    # A translation that drops or renames %(name)s would crash or mislead at run time.
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for msgid, msgstr in catalogue("zh_CN").items():
        assert set(placeholder.findall(msgid)) == set(placeholder.findall(msgstr)), msgid


def test_i18n_catalogue_formats_like_its_msgid():
    # Templates always %-format (new-style gettext): a stray % in a translation would be a 500.
    class Anything(dict):
        def __missing__(self, key):
            return 1

    for msgid, msgstr in catalogue("zh_CN").items():
        try:
            msgid % Anything()
        except (ValueError, TypeError):
            continue  # a msgid only ever used unformatted
        msgstr % Anything()


def test_i18n_extraction_finds_templates_and_code():
    places = [p for ps in extract_messages().values() for p in ps]
    assert any(p.startswith("templates/") for p in places)
    assert any(p.startswith("farm/") for p in places)


# --- the interface language in the pages ---------------------------------------------------------


def _switch(client, language: str, next_path: str = "/park"):
    return client.post("/language", data={"language": language, "next": next_path,
                                          "csrf_token": csrf_token(client)})


def _manager_with_park(session):
    park = make_park(session, greenhouses=2)
    make_planting(session, park.greenhouses[0], make_crop(session))
    user = make_user(session, "manager")
    session.commit()
    return user


def test_i18n_default_is_chinese_even_when_the_browser_asks_for_english(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "登录" in page and "用户名" in page
    assert "Username" not in page


def test_i18n_default_follows_farm_language(database, database_url, tmp_path):
    from farm import create_app
    from farm.config import Config

    config = Config.from_env(env={"FARM_LANGUAGE": "en"}, database_url=database_url, secret_key="t",
                             instance_path=tmp_path)
    app = create_app(config, database)
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Username" in page and "用户名" not in page


def test_i18n_switch_is_remembered_in_a_cookie_when_logged_out(client):
    response = _switch(client, "en", "/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "farm_lang=en" in response.headers["Set-Cookie"]
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Username" in page and "Log in" in page
    assert "用户名" not in page

    _switch(client, "zh_CN", "/login")
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "用户名" in page


def test_i18n_switch_is_remembered_on_the_user(client, app, session):
    user = _manager_with_park(session)
    login(client, "manager", PASSWORD)
    assert "园区" in client.get("/park").get_data(as_text=True)

    assert _switch(client, "en").status_code == 302
    session.expire_all()
    assert session.get(User, user.id).language == "en"
    page = client.get("/park").get_data(as_text=True)
    assert "Greenhouses" in page and "Growing vegetables" in page and "Cucumber" in page
    assert "种植蔬菜" not in page

    # A new browser (no cookie) gets the user's language once logged in.
    other = app.test_client()
    assert "用户名" in other.get("/login").get_data(as_text=True)
    login(other, "manager", PASSWORD)
    page = other.get("/park").get_data(as_text=True)
    assert "Greenhouses" in page and 'lang="en"' in page


def test_i18n_chinese_pages_use_the_parks_words(client, session):
    _manager_with_park(session)
    login(client, "manager", PASSWORD)
    page = client.get("/park").get_data(as_text=True)
    assert "大棚" in page and "黄瓜" in page and "园区经理" in page
    assert "Greenhouses" not in page and "Cucumber" not in page
    page = client.get("/greenhouses/GH-001").get_data(as_text=True)
    assert "定植" in page


@pytest.mark.parametrize("choice", ["fr", "", "<script>"])
def test_i18n_switch_ignores_an_unknown_language(client, choice):
    response = _switch(client, choice, "/login")
    assert response.status_code == 302
    assert "farm_lang" not in response.headers.get("Set-Cookie", "")
    assert "用户名" in client.get("/login").get_data(as_text=True)


def test_i18n_switch_never_redirects_off_site(client):
    response = _switch(client, "en", "https://evil.example/")
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_i18n_switch_without_csrf_token_changes_nothing(client):
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.status_code == 400
    assert "farm_lang" not in response.headers.get("Set-Cookie", "")
    assert "用户名" in client.get("/login").get_data(as_text=True)


def test_i18n_wrong_password_error_is_translated(client, session):
    make_user(session, "manager")
    session.commit()
    page = login(client, "manager", "not-the-password").get_data(as_text=True)
    assert "用户名或密码错误" in page
    _switch(client, "en", "/login")
    page = login(client, "manager", "not-the-password").get_data(as_text=True)
    assert "Wrong username or password." in page


FOUNDATION_TEMPLATES = ["base.html", "macros.html", "auth", "park", "crops", "plantings", "admin", "me", "errors"]
# Units and symbols read the same in both languages.
UNTRANSLATED_OK = {"m²", "°C", "ppm", "CO₂", "%", "–", "·", "›"}


def test_i18n_foundation_templates_have_no_hard_coded_text():
    root = PROJECT_ROOT / "templates"
    files = []
    for name in FOUNDATION_TEMPLATES:
        path = root / name
        files += sorted(path.glob("*.html")) if path.is_dir() else [path]
    found = {}
    for path in files:
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"\{%\s*block body_class\s*%\}.*?\{%\s*endblock\s*%\}", " ", source)
        source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
        spoken = re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"', source)
        text = re.sub(r"<[^>]*>", " ", source).split() + spoken
        words = [w for w in text if re.search(r"[A-Za-z\u4e00-\u9fff]", w) and w not in UNTRANSLATED_OK]
        if words:
            found[str(path.relative_to(root))] = words
    assert not found, f"text outside _() in templates: {found}"
