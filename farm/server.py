"""The production WSGI server (gunicorn) for `python -m farm web`."""
from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from farm.config import Config


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


def serve(config: Config, port: int) -> None:
    """Serve until SIGTERM/SIGINT; each worker builds its own app and database pool."""
    host = os.environ.get("FARM_HOST", "127.0.0.1")
    options = {
        "bind": f"{host}:{port}",
        "workers": int(os.environ.get("FARM_WEB_WORKERS", "2")),
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if os.environ.get("FARM_ACCESS_LOG") else None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(options, config).run()
