"""`python -m farm check`: is this configuration fit to start the park on?

Each check returns the problems it found as lines in the park's language (FARM_LANGUAGE); the command prints every
line and exits non-zero when there is any, so an operator sees all that is wrong in one run rather than one thing
per restart. A variable the Config cannot read at all is reported too, and the remaining checks run with that
variable at its default.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from pathlib import Path

from flask_babel import gettext as _

from farm.config import Config, ConfigError, environment

MIN_FREE_BYTES = 1024 ** 3  # below 1 GiB a day of readings, a backup or the logs may fill the disk
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10  # "aaaa…" or "0123012301…" is long but guessable
# Values people paste from examples; any key containing one of these is treated as unset.
WEAK_SECRETS = ("change", "secret", "example", "password", "test", "demo", "default", "xxxx")
BROKER_TIMEOUT = 5.0


def load(env: dict | None = None) -> tuple[Config, list[str]]:
    """The Config from the environment, with the variables it cannot use reported and left at their defaults."""
    env = dict(environment() if env is None else env)
    problems: list[str] = []
    for _attempt in range(20):
        try:
            return Config.from_env(env), problems
        except ConfigError as exc:
            problems.append(_("Configuration: %(reason)s", reason=str(exc)))
            names = [n for n in re.findall(r"FARM_[A-Z_]+", str(exc)) if n in env]
            if not names:
                break
            del env[names[0]]
    return None, problems


def database_problems(config: Config) -> list[str]:
    """The database answers and its schema is at every migration head."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from farm.db import Database
    from farm.migrate import is_current

    kwargs = {}
    if make_url(config.database_url).get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        db = Database(config.database_url, **kwargs)
    except (SQLAlchemyError, OSError, ImportError, ValueError) as exc:
        return [_("Database: cannot use %(url)s: %(reason)s", url=safe_url(config.database_url), reason=_first(exc))]
    try:
        db.ping()
        if not is_current(db.engine):
            return [_("Database: the schema is missing or out of date; run `python -m farm init-db`")]
    except (SQLAlchemyError, OSError) as exc:
        return [_("Database: unreachable at %(url)s: %(reason)s", url=safe_url(config.database_url),
                  reason=_first(getattr(exc, "orig", None) or exc))]
    finally:
        db.dispose()
    return []


def broker_problems(config: Config, timeout: float = BROKER_TIMEOUT) -> list[str]:
    """The broker accepts a connection with the configured user and password."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

    url = config.mqtt
    answered = threading.Event()
    result: dict = {}

    def on_connect(_client, _userdata, _flags, reason_code, _properties=None):
        result["code"] = reason_code
        answered.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"farm-check-{uuid.uuid4().hex[:8]}",
                         protocol=MQTTProtocolVersion.MQTTv5)
    if url.username:
        client.username_pw_set(url.username, url.password)
    client.on_connect = on_connect
    where = f"{url.host}:{url.port}"
    try:
        client.connect(url.host, url.port, keepalive=10)
    except OSError as exc:
        return [_("MQTT broker: no answer at %(where)s (%(reason)s)", where=where, reason=exc.strerror or exc)]
    client.loop_start()
    try:
        if not answered.wait(timeout):
            return [_("MQTT broker: %(where)s did not answer the connection", where=where)]
    finally:
        client.disconnect()
        client.loop_stop()
    code = result["code"]
    if code.is_failure:
        return [_("MQTT broker: %(where)s refused the configured login (%(reason)s); check the user and password "
                  "in FARM_MQTT_URL", where=where, reason=str(code))]
    return []


def secret_problems(config: Config) -> list[str]:
    """The session signing key is long, varied and not an example value."""
    key = config.secret_key or ""
    lowered = key.lower()
    if len(key) < MIN_SECRET_LENGTH or len(set(key)) < MIN_SECRET_DISTINCT or any(w in lowered for w in WEAK_SECRETS):
        return [_("Secret key: FARM_SECRET_KEY is weak (at least %(n)s random characters are needed); make one with "
                  "`python3 -c 'import secrets; print(secrets.token_hex(32))'`", n=MIN_SECRET_LENGTH)]
    return []


def instance_problems(config: Config, min_free: int = MIN_FREE_BYTES) -> list[str]:
    """The instance folder, the backup folder and the SQLite file's folder are writable, with room left on disk."""
    from sqlalchemy.engine import make_url

    folders = [Path(config.instance_path), config.backups]
    url = make_url(config.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        from farm.db import normalise_url

        folders.append(Path(make_url(normalise_url(config.database_url)).database).parent)
    problems = []
    seen_disks = set()
    for folder in dict.fromkeys(folders):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".farm-check-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            problems.append(_("Folder %(folder)s is not writable by this user (%(reason)s)",
                              folder=str(folder), reason=exc.strerror or exc))
            continue
        disk = os.stat(folder).st_dev
        if disk in seen_disks:
            continue
        seen_disks.add(disk)
        free = shutil.disk_usage(folder).free
        if free < min_free:
            problems.append(_("Disk: only %(free)s MB free under %(folder)s (at least %(need)s MB needed)",
                              free=free // 2 ** 20, folder=str(folder), need=min_free // 2 ** 20))
    return problems


def problems(env: dict | None = None, min_free: int = MIN_FREE_BYTES) -> list[str]:
    """Every problem of the configuration in the environment, one line each, in the park's language."""
    from farm import park_language

    env = environment() if env is None else env
    language = env.get("FARM_LANGUAGE") or "zh_CN"
    try:
        park_language.configure(language)
    except ValueError:
        pass  # reported by load() below, in the default language
    with park_language.park_language():
        config, found = load(env)
        if config is None:
            return found
        park_language.configure(config.language)
    with park_language.park_language():
        # The time zone is checked by Config itself (a bad one is reported by load above).
        found += secret_problems(config)
        found += instance_problems(config, min_free)
        found += database_problems(config)
        found += broker_problems(config)
    return found


def safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "FARM_DATABASE_URL"


def _first(exc) -> str:
    """The first line of an error, for a one-line message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
