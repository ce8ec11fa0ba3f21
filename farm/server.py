"""The production WSGI server (gunicorn) for `python -m farm web`."""
from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from farm.config import Config, ConfigError


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, config: Config):
        self.options = options
        self.farm_config = config
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from farm import create_app

        return create_app(self.farm_config)


def web_workers(env) -> int:
    """FARM_WEB_WORKERS (default 2) as a number of processes, or a ConfigError with a one-line reason."""
    raw = env.get("FARM_WEB_WORKERS") or "2"
    try:
        workers = int(raw)
    except ValueError:
        workers = 0
    if not 1 <= workers <= 64:
        raise ConfigError(f"FARM_WEB_WORKERS must be a number from 1 to 64, got {raw!r}")
    return workers


def serve(config: Config, port: int) -> None:
    """Serve until SIGTERM/SIGINT; each worker builds its own app and database pool."""
    host = os.environ.get("FARM_HOST", "127.0.0.1")
    options = {
        "bind": f"{host}:{port}",
        "workers": web_workers(os.environ),
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if os.environ.get("FARM_ACCESS_LOG") else None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(options, config).run()
