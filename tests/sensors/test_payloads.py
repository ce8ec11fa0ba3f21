"""sensors/payloads.py: the three payload forms, the vocabulary, ranges and timestamps, and property tests."""
from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from farm.vocab import Metric, RejectReason
from sensors.payloads import MAX_PAYLOAD_BYTES, METRICS, UNITS, Message, Reject, parse, shown_payload

REASONS = RejectReason.values()
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
TOPIC = "farm/yawei/GH-007/th-01/telemetry"


def p(payload, topic=TOPIC):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return parse(topic, raw, "yawei", NOW)


def test_payloads_form1_epoch_ms():
    msg = p({"ts": 1764300000000, "values": {"temperature": 21.5, "humidity": 63}})
    assert isinstance(msg, Message) and msg.reject is None
    assert (msg.greenhouse, msg.device, msg.kind) == ("GH-007", "th-01", "telemetry")
    assert {(r.metric, r.value) for r in msg.readings} == {("temperature", 21.5), ("humidity", 63.0)}
    assert msg.readings[0].ts == datetime.fromtimestamp(1764300000, timezone.utc)


def test_payloads_form1_iso_with_offset_is_utc():
    msg = p({"ts": "2026-11-28T08:30:00+08:00", "values": {"co2": 450}})
    assert msg.readings[0].ts == datetime(2026, 11, 28, 0, 30, tzinfo=timezone.utc)


def test_payloads_form2_array_of_buffered_readings():
    msg = p([{"ts": 1764300000000, "values": {"light": 1000}}, {"ts": 1764300060000, "values": {"light": 2000}}])
    assert [r.value for r in msg.readings] == [1000.0, 2000.0]


def test_payloads_form3_flat_is_stamped_on_receipt():
    msg = p({"soil_moisture": 31.2, "soil_temperature": 18})
    assert all(r.ts == NOW for r in msg.readings) and len(msg.readings) == 2


def test_payloads_status_topic():
    msg = parse("farm/yawei/GH-007/th-01/status", b"offline", "yawei", NOW)
    assert msg.kind == "status" and msg.online is False
    assert parse("farm/yawei/GH-007/th-01/status", b"online", "yawei", NOW).online is True
    assert parse("farm/yawei/GH-007/th-01/status", b"maybe", "yawei", NOW).reason == "bad_status"


def test_payloads_partly_bad_keeps_the_good_readings():
    msg = p({"ts": 1764300000000, "values": {"temperature": 21.5, "humidity": 150}})
    assert [r.metric for r in msg.readings] == ["temperature"]
    assert msg.reject.reason == "out_of_range"


@pytest.mark.parametrize("payload, reason", [
    (b"", "empty"),
    (b"   ", "empty"),
    (b"{not json", "malformed_json"),
    (b"\xff\xfe\x00\x01binary", "not_utf8"),
    (b"x" * (MAX_PAYLOAD_BYTES + 1), "too_large"),
    (b"42", "bad_shape"),
    (b'"text"', "bad_shape"),
    (b"[]", "empty"),
    (b"{}", "empty"),
    (b"[1, 2]", "bad_shape"),
    (b'{"ts": 1764300000000, "values": 5}', "bad_shape"),
    (b'{"values": {"temperature": 1}}', "bad_timestamp"),
    (b'{"wind": 3}', "unknown_metric"),
    (b'{"temperature": "warm"}', "not_a_number"),
    (b'{"temperature": true}', "not_a_number"),
    (b'{"temperature": null}', "not_a_number"),
    (b'{"temperature": NaN}', "not_finite"),
    (b'{"temperature": Infinity}', "not_finite"),
    (b'{"temperature": 1e400}', "not_finite"),
    (b'{"temperature": 81}', "out_of_range"),
    (b'{"temperature": -50.1}', "out_of_range"),
    (b'{"humidity": -1}', "out_of_range"),
    (b'{"co2": 10001}', "out_of_range"),
    (b'{"light": 200001}', "out_of_range"),
    (b'{"ts": "yesterday", "values": {"co2": 400}}', "bad_timestamp"),
    (b'{"ts": "2026-11-28T08:00:00", "values": {"co2": 400}}', "bad_timestamp"),
    (b'{"ts": 1764300000, "values": {"co2": 400}}', "bad_timestamp"),
    (b'{"ts": 1e300, "values": {"co2": 400}}', "bad_timestamp"),
    (b'{"ts": "2026-11-30T12:00:00+00:00", "values": {"co2": 400}}', "future_timestamp"),
])
def test_payloads_bad_message_becomes_reject_with_reason(payload, reason):
    result = p(payload)
    assert isinstance(result, Reject), result
    assert result.reason == reason
    assert result.reason in REASONS


@pytest.mark.parametrize("topic", [
    "farm/yawei/GH-007/th-01", "farm/other/GH-007/th-01/telemetry", "farm/yawei/GH-007/th-01/telemetry/x",
    "farm/yawei//th-01/telemetry", "farm/yawei/GH-007//telemetry", "x/yawei/GH-007/th-01/telemetry",
])
def test_payloads_bad_topic(topic):
    assert p({"temperature": 20}, topic=topic).reason == "bad_topic"


def test_payloads_ts_up_to_a_day_ahead_is_accepted():
    ahead = NOW + timedelta(hours=23)
    msg = p({"ts": int(ahead.timestamp() * 1000), "values": {"temperature": 20}})
    assert msg.readings[0].ts == ahead


def test_payloads_range_limits_are_inclusive():
    for metric, (low, high) in METRICS.items():
        assert isinstance(p({metric: low}), Message) and isinstance(p({metric: high}), Message)


def test_payloads_metrics_are_the_metric_vocabulary():
    """The ingest's physical ranges and the app's Metric vocabulary name the same metrics, each with a unit."""
    assert set(METRICS) == set(Metric.values())
    assert set(UNITS) == set(METRICS)


def test_payloads_every_reason_the_parser_and_ingest_give_is_a_vocabulary_value():
    """Reasons are string literals in the parser and the ingest; each must be a RejectReason (shown with a label)."""
    root = Path(__file__).resolve().parents[2] / "sensors"
    found = set()
    for name in ("payloads.py", "ingest.py"):
        found |= set(re.findall(r'(?:_Bad|Reject)\(\s*"([a-z0-9_]+)"', (root / name).read_text()))
    assert len(found) == len(REASONS)  # every reason is used somewhere, and the scan sees them all
    assert found == set(REASONS)


def test_payloads_unknown_reason_is_not_a_vocabulary_value():
    assert RejectReason.get("no_such_reason") is None
    assert RejectReason.get("bad_topic") is RejectReason.BAD_TOPIC


def test_payloads_shown_payload_escapes_binary_and_cuts_long():
    assert shown_payload(b"\xff\x00a") == "\\xff\\x00a"
    assert shown_payload(b"a" * 3000).endswith("(3000 bytes)")


# --- property tests -----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_payloads_any_bytes_never_raise(raw):
    result = parse(TOPIC, raw, "yawei", NOW)
    assert isinstance(result, (Message, Reject))
    if isinstance(result, Reject):
        assert result.reason in REASONS


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_payloads_any_json_never_raises_and_keeps_only_valid_readings(data):
    result = p(json.dumps(data).encode())
    assert isinstance(result, (Message, Reject))
    if isinstance(result, Message):
        for r in result.readings:
            low, high = METRICS[r.metric]
            assert math.isfinite(r.value) and low <= r.value <= high
            assert r.ts.tzinfo is not None and r.ts - NOW <= timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(METRICS)), st.floats(allow_nan=True, allow_infinity=True),
       st.integers(min_value=946684800000, max_value=4102444800000))
def test_payloads_value_accepted_exactly_when_finite_and_in_range(metric, value, ts):
    result = p(json.dumps({"ts": ts, "values": {metric: value}}).encode())
    low, high = METRICS[metric]
    in_future = ts / 1000 - NOW.timestamp() > 86400
    if in_future:
        assert isinstance(result, Reject) and result.reason == "future_timestamp"
    elif math.isfinite(value) and low <= value <= high:
        assert isinstance(result, Message) and result.readings[0].value == value
        assert result.readings[0].ts == datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ts)
    else:
        assert isinstance(result, Reject) and result.reason in ("not_finite", "out_of_range")
