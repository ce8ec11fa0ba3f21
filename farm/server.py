"""The production WSGI server (gunicorn) for `python -m farm web`."""
from __future__ import annotations

import shutil
import tempfile

from gunicorn.app.base import BaseApplication

from farm.config import Config

# prometheus_client's variable (not imported here: the master must not load the library before it is set).
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
THREADS = 4  # per worker process: a page waiting on the database does not hold up the others


class _Gunicorn(BaseApplication):
    """gunicorn driven from code, with its options from the Config rather than gunicorn's own files."""

    def __init__(self, options: dict, config: Config, metrics_dir: str):
        self.options = options
        self.farm_config = config
        self.metrics_dir = metrics_dir
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from farm import create_app
        from farm.services import metrics

        metrics.use_multiprocess(self.metrics_dir)
        return create_app(self.farm_config)


def _worker_exit(_server, worker) -> None:
    """A worker that ends leaves its gauges behind in the metrics folder; its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def serve(config: Config, port: int) -> None:
    """Serve until SIGTERM/SIGINT; each worker builds its own app and database pool.

    The workers count requests into a fresh folder that prometheus_client's multiprocess mode sums up for /metrics;
    the library reads it when a worker first imports it, so gunicorn sets it (raw_env) before any worker starts."""
    metrics_dir = tempfile.mkdtemp(prefix="farm-metrics-")
    options = {
        "raw_env": [f"{MULTIPROCESS_ENV}={metrics_dir}"],
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
        "child_exit": _worker_exit,
    }
    try:
        _Gunicorn(options, config, metrics_dir).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
