"""The production WSGI server (gunicorn) for `python -m farm web`."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

from farm.config import Config

THREADS = 4  # per worker process: a page waiting on the database does not hold up the others


class _Gunicorn(BaseApplication):
    """gunicorn driven from code, with its options from the Config rather than gunicorn's own files."""

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
    options = {
        "bind": f"{config.host}:{port}",
        "workers": config.web_workers,
        "worker_class": "gthread",
        "threads": THREADS,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if config.access_log else None,
        "errorlog": "-",
        "loglevel": "warning",
        # gunicorn's largest request line: an address longer than the app reads (farm.web.errors.MAX_URL_LENGTH)
        # still reaches the app and gets its 414 in the error envelope, not gunicorn's plain-text 400.
        "limit_request_line": 8190,
    }
    _Gunicorn(options, config).run()
