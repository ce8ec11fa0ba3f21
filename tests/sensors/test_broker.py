"""The embedded broker of `make run`: started only where nothing answers, persistent, stopped cleanly."""
from __future__ import annotations

import pytest

from farm.config import Config
from sensors import broker as embedded
from tests.conftest import MOSQUITTO, free_port

pytestmark = pytest.mark.broker


def config_for(tmp_path, url: str) -> Config:
    return Config.from_env(env={}, database_url=f"sqlite:///{tmp_path}/x.db", mqtt_url=url, secret_key="x",
                           instance_path=tmp_path)


def test_broker_started_where_none_answers_and_left_alone_where_one_does(tmp_path, broker):
    assert embedded.start(config_for(tmp_path, broker.url)) is None  # the test's Mosquitto answers there
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed")
    port = free_port()
    proc = embedded.start(config_for(tmp_path, f"mqtt://127.0.0.1:{port}"))
    try:
        assert proc is not None and embedded.answers("127.0.0.1", port)
        conf = (tmp_path / "mosquitto" / "mosquitto.conf").read_text()
        assert "persistence true" in conf and f"listener {port} 127.0.0.1" in conf
    finally:
        embedded.stop(proc)
    assert proc.poll() is not None and not embedded.answers("127.0.0.1", port)


def test_broker_refuses_to_start_for_a_remote_host(tmp_path):
    port = free_port()
    with pytest.raises(embedded.BrokerError, match="only run on this machine"):
        embedded.start(config_for(tmp_path, f"mqtt://192.0.2.1:{port}"))
