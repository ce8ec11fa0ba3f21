"""One configuration, read from the environment, shared by every process."""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_CN", "en")


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


def _secret_key(instance: Path) -> str:
    """Return FARM_SECRET_KEY, or one generated once and kept in instance/."""
    key = os.environ.get("FARM_SECRET_KEY")
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
    extra: dict = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def mqtt(self) -> MqttUrl:
        return parse_mqtt_url(self.mqtt_url)

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Config":
        """Read FARM_* variables (CONTRACT section 3) and check them."""
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
        )
        port = env.get("FARM_PORT") or "8000"
        try:
            values["port"] = int(port)
        except ValueError as exc:
            raise ConfigError(f"FARM_PORT must be a number, got {port!r}") from exc
        values.update(overrides)
        if "secret_key" not in values:
            values["secret_key"] = _secret_key(Path(values["instance_path"]))
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
        if "/" in self.park or "+" in self.park or "#" in self.park or not self.park:
            raise ConfigError(f"FARM_PARK may not be empty or contain / + #: {self.park!r}")
        parse_mqtt_url(self.mqtt_url)
        if "://" not in self.database_url:
            raise ConfigError(f"FARM_DATABASE_URL is not a database URL: {self.database_url!r}")
