"""One configuration, read from the environment, shared by every process.

Every `FARM_*` variable a process uses is read here, in `Config.from_env`, and checked in `Config.check`, so a bad
value stops any process at start with one line naming the variable. The README's configuration table lists them
all (a test holds the two together). One exception: `FARM_SMTP_PASSWORD` is read by the notifications at the
moment they send, so the secret never sits in the Config object that pages and logs can see.
"""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_CN", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_WEB_WORKERS = 64
MAX_CLIENT_ID = 100  # the same length the ingest cuts its generated ids to
MAX_PROXIES = 5
SCHEDULER_LEASE_RANGE = (3, 3600)  # seconds: renewed every third of it, so at least a second between renewals
TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


class ConfigError(Exception):
    """The configuration cannot be used; the message says why in one line."""


@dataclass(frozen=True)
class MqttUrl:
    """The parts of FARM_MQTT_URL."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None


def parse_mqtt_url(url: str) -> MqttUrl:
    """Split `mqtt://user:password@host:port` into its parts."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp"):
        raise ConfigError(f"FARM_MQTT_URL must start with mqtt://, got {url!r}")
    try:
        port = parts.port or 1883
    except ValueError as exc:
        raise ConfigError(f"FARM_MQTT_URL has a bad port: {url!r}") from exc
    if not parts.hostname:
        raise ConfigError(f"FARM_MQTT_URL has no host: {url!r}")
    return MqttUrl(parts.hostname, port, parts.username, parts.password)


def _secret_key(instance: Path, env=None) -> str:
    """Return FARM_SECRET_KEY, or one generated once and kept in instance/."""
    key = (os.environ if env is None else env).get("FARM_SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    try:
        instance.mkdir(parents=True, exist_ok=True)
        # Written with owner-only permissions: it signs every session.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process made it a moment ago; use theirs.
        for _ in range(50):
            existing = path.read_text().strip()
            if existing:
                return existing
            time.sleep(0.02)
        raise ConfigError(f"the secret key file {path} is empty; delete it or set FARM_SECRET_KEY") from None
    except OSError as exc:
        raise ConfigError(f"cannot write the secret key into {instance} ({exc.strerror}); "
                          "set FARM_SECRET_KEY or FARM_INSTANCE_PATH") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def environment() -> dict:
    """A copy of the process's environment: for `check`, which reads it variable by variable, and for the tools
    started with it (pg_dump)."""
    return dict(os.environ)


def _number(env, name: str, default: str) -> int:
    """An integer variable, or a ConfigError naming it (its range is checked in Config.check)."""
    raw = env.get(name) or default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _flag(env, name: str) -> bool:
    """A yes/no variable: 1, true, yes or on; 0, false, no, off or unset."""
    raw = env.get(name, "").strip().lower()
    if raw not in TRUE + FALSE:
        raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")
    return raw in TRUE


@dataclass(frozen=True)
class Config:
    """Every setting a process needs; build it with `Config.from_env()`."""

    database_url: str
    mqtt_url: str
    mqtt_shared_group: str
    park: str
    secret_key: str
    timezone: str
    port: int
    language: str
    instance_path: Path
    host: str = "127.0.0.1"
    web_workers: int = 2
    access_log: bool = False
    log_level: str = "INFO"
    mqtt_client_id: str = ""
    sim_cold_night: tuple[str, ...] = ()
    public_url: str = ""
    https: bool = False
    proxies: int = 0
    allow_local_webhook: bool = False
    backup_dir: Path | None = None  # None: instance_path / "backups"
    ingest_metrics_port: int = 9101
    scheduler_metrics_port: int = 9102
    scheduler_lease_seconds: int = 45

    def __post_init__(self):
        if not self.public_url:
            # Where people and printed QR codes reach the app unless FARM_PUBLIC_URL says otherwise.
            object.__setattr__(self, "public_url", f"http://127.0.0.1:{self.port}")

    @property
    def backups(self) -> Path:
        """Where `backup` and the nightly backup job write (FARM_BACKUP_DIR, default instance/backups)."""
        return Path(self.backup_dir) if self.backup_dir else Path(self.instance_path) / "backups"

    @property
    def tz(self) -> ZoneInfo:
        """The park's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def mqtt(self) -> MqttUrl:
        """FARM_MQTT_URL in parts."""
        return parse_mqtt_url(self.mqtt_url)

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Config":
        """Read the FARM_* variables (README, Configuration) and check them; `overrides` replace what they say."""
        env = os.environ if env is None else env
        instance = Path(env.get("FARM_INSTANCE_PATH", PROJECT_ROOT / "instance"))
        values = dict(
            database_url=env.get("FARM_DATABASE_URL") or "sqlite:///instance/farm.db",
            mqtt_url=env.get("FARM_MQTT_URL") or "mqtt://127.0.0.1:1883",
            mqtt_shared_group=env.get("FARM_MQTT_SHARED_GROUP", ""),
            park=env.get("FARM_PARK") or "yawei",
            timezone=env.get("FARM_TIMEZONE") or "Asia/Shanghai",
            language=env.get("FARM_LANGUAGE") or "zh_CN",
            instance_path=instance,
            host=env.get("FARM_HOST") or "127.0.0.1",
            log_level=(env.get("FARM_LOG_LEVEL") or "INFO").upper(),
            mqtt_client_id=env.get("FARM_MQTT_CLIENT_ID", ""),
            sim_cold_night=tuple(c.strip().upper() for c in env.get("FARM_SIM_COLD_NIGHT", "").split(",") if c.strip()),
            port=_number(env, "FARM_PORT", "8000"),
            web_workers=_number(env, "FARM_WEB_WORKERS", "2"),
            access_log=_flag(env, "FARM_ACCESS_LOG"),
            public_url=(env.get("FARM_PUBLIC_URL") or "").strip().rstrip("/"),
            https=_flag(env, "FARM_HTTPS"),
            proxies=_number(env, "FARM_PROXIES", "0"),
            allow_local_webhook=_flag(env, "FARM_ALLOW_LOCAL_WEBHOOK"),
            backup_dir=Path(env["FARM_BACKUP_DIR"]) if env.get("FARM_BACKUP_DIR") else None,
            ingest_metrics_port=_number(env, "FARM_INGEST_METRICS_PORT", "9101"),
            scheduler_metrics_port=_number(env, "FARM_SCHEDULER_METRICS_PORT", "9102"),
            scheduler_lease_seconds=_number(env, "FARM_SCHEDULER_LEASE_SECONDS", "45"),
        )
        values.update(overrides)
        if "secret_key" not in values:
            values["secret_key"] = _secret_key(Path(values["instance_path"]), env)
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        """Raise ConfigError with a one-line reason for any unusable value."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"FARM_TIMEZONE is not a known time zone: {self.timezone!r}") from exc
        if self.language not in LANGUAGES:
            raise ConfigError(f"FARM_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {self.language!r}")
        if not (0 < self.port < 65536):
            raise ConfigError(f"FARM_PORT must be between 1 and 65535, got {self.port}")
        for name, port in (("FARM_INGEST_METRICS_PORT", self.ingest_metrics_port),
                           ("FARM_SCHEDULER_METRICS_PORT", self.scheduler_metrics_port)):
            if not 0 <= port < 65536:
                raise ConfigError(f"{name} must be between 0 (off) and 65535, got {port}")
        if not 1 <= self.web_workers <= MAX_WEB_WORKERS:
            raise ConfigError(f"FARM_WEB_WORKERS must be a number from 1 to {MAX_WEB_WORKERS}, "
                              f"got {str(self.web_workers)!r}")
        if not self.host or any(c.isspace() or c == "/" for c in self.host):
            raise ConfigError(f"FARM_HOST must be an address to bind such as 0.0.0.0, got {self.host!r}")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"FARM_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}")
        low, high = SCHEDULER_LEASE_RANGE
        if not low <= self.scheduler_lease_seconds <= high:
            raise ConfigError(f"FARM_SCHEDULER_LEASE_SECONDS must be from {low} to {high}, "
                              f"got {self.scheduler_lease_seconds}")
        if any(c in "/+#" or c.isspace() for c in self.mqtt_shared_group):
            raise ConfigError(f"FARM_MQTT_SHARED_GROUP may not contain / + # or spaces: {self.mqtt_shared_group!r}")
        if len(self.mqtt_client_id) > MAX_CLIENT_ID or any(c.isspace() for c in self.mqtt_client_id):
            raise ConfigError(f"FARM_MQTT_CLIENT_ID must be at most {MAX_CLIENT_ID} characters without spaces, "
                              f"got {self.mqtt_client_id!r}")
        for code in self.sim_cold_night:
            if any(c in "/+#" or c.isspace() for c in code):
                raise ConfigError(f"FARM_SIM_COLD_NIGHT must be greenhouse codes separated by commas, got {code!r}")
        if "/" in self.park or "+" in self.park or "#" in self.park or not self.park:
            raise ConfigError(f"FARM_PARK may not be empty or contain / + #: {self.park!r}")
        public = urlsplit(self.public_url)
        if public.scheme not in ("http", "https") or not public.hostname or public.query or public.fragment:
            raise ConfigError(f"FARM_PUBLIC_URL must be an address such as https://farm.example.cn, "
                              f"got {self.public_url!r}")
        if not 0 <= self.proxies <= MAX_PROXIES:
            raise ConfigError(f"FARM_PROXIES must be the number of proxies in front of the app, 0 to {MAX_PROXIES}, "
                              f"got {self.proxies}")
        parse_mqtt_url(self.mqtt_url)
        if "://" not in self.database_url:
            raise ConfigError(f"FARM_DATABASE_URL is not a database URL: {self.database_url!r}")

