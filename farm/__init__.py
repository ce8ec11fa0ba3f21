"""The greenhouse park app: `create_app()` wires configuration, database, auth, i18n, blueprints and errors."""
from __future__ import annotations

import importlib
import logging
import pkgutil

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from farm import clock
from farm.api.encoding import JSONProvider
from farm.config import PROJECT_ROOT, Config
from farm.db import Database
from farm.limits import MAX_ID

csrf = CSRFProtect()
log = logging.getLogger(__name__)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number from 0 up to MAX_ID; anything larger matches no route."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's argument name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config: Config | None = None, database: Database | None = None) -> Flask:
    """Build the web app. Tests pass their own Config and Database."""
    config = config or Config.from_env()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
        instance_path=str(config.instance_path),
    )
    app.config.update(
        FARM=config,
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.json = JSONProvider(app)  # money as numbers with two decimals, dates as ISO-8601
    # An id in a URL beyond what a database integer holds is a 404, not an overflow in the driver (a 500).
    app.url_map.converters["int"] = IdConverter
    clock.configure(config.tz)
    register_extensions(app, database or Database(config.database_url))
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask, database: Database) -> None:
    from farm import auth, headers, i18n

    config = app.config["FARM"]
    app.extensions["farm_db"] = database
    headers.init_app(app, config.https, config.proxies)
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)

    @app.teardown_appcontext
    def close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def _blueprints(package: str):
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__):
        sub = importlib.import_module(f"{package}.{info.name}")
        bp = getattr(sub, "bp", None)
        if bp is not None:
            yield bp


def register_blueprints(app: Flask) -> None:
    """Register every `bp` found in farm.web and farm.api modules; a new area needs no edit here."""
    from farm.api import make_blueprint

    api = make_blueprint()
    for bp in _blueprints("farm.web"):
        app.register_blueprint(bp)
    for bp in _blueprints("farm.api"):
        api.register_blueprint(bp)
        # Flask-WTF matches exemptions by the request's own (nested) blueprint, not its parent.
        csrf.exempt(bp)
    from farm.web import nav_groups, nav_items

    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["nav_groups"] = nav_groups
    csrf.exempt(api)  # the API checks CSRF itself for cookie sessions; tokens need none
    app.register_blueprint(api)


def register_errorhandlers(app: Flask) -> None:
    from farm.web.errors import register

    register(app)
