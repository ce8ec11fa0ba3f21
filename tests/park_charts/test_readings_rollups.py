"""GET /api/v1/readings rolled up: read from the rollups, merged over devices, periods picked by their start, and the
raw tail after the rollup mark folded into the newest periods."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from farm.models.rollups import ReadingRollup, RollupMark
from farm.models.sensors import Device, Reading
from farm.services import rollups
from tests.factories import bearer, make_park, make_users, token_for

UTC = timezone.utc


def t(h, m=0, s=0, day=20):
    return datetime(2026, 11, day, h, m, s, tzinfo=UTC)


def rollup(device, resolution, start, lo, hi, mean, n, metric="temperature", greenhouse=None):
    return {"device_id": device.id, "metric": metric, "resolution": resolution, "period_start": start,
            "greenhouse_id": greenhouse or device.greenhouse_id, "min": lo, "max": hi, "mean": mean, "count": n}


def raw(device, ts, value, metric="temperature"):
    return {"device_id": device.id, "metric": metric, "ts": ts, "greenhouse_id": device.greenhouse_id, "value": value}


@pytest.fixture
def park(session):
    """GH-001 with devices a and b, GH-002 with device c; rollups done until 12:00."""
    p = make_park(session, greenhouses=2)
    gh1, gh2 = p.greenhouses
    a, b = Device(code="th-a", greenhouse_id=gh1.id), Device(code="th-b", greenhouse_id=gh1.id)
    c = Device(code="th-c", greenhouse_id=gh2.id)
    session.add_all([a, b, c])
    session.flush()
    session.add(RollupMark(name=rollups.MARK, done_until=t(12)))
    tokens = {role: token_for(session, user) for role, user in make_users(session).items()}
    session.commit()
    return {"a": a, "b": b, "c": c, "gh2": gh2, "tokens": tokens}


def points(client, park, query, role="viewer"):
    r = client.get("/api/v1/readings?" + query, headers=bearer(park["tokens"][role]))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["points"]


def test_hourly_point_is_the_hand_computed_merge_of_two_devices(client, session, park):
    a, b, c = park["a"], park["b"], park["c"]
    session.execute(insert(ReadingRollup), [
        rollup(a, "1h", t(10), 10.0, 20.0, 15.0, 60), rollup(b, "1h", t(10), 5.0, 18.0, 12.0, 30),
        rollup(a, "1h", t(11), 11.0, 13.0, 12.0, 60),
        rollup(c, "1h", t(10), -5.0, 40.0, 30.0, 60),  # another greenhouse's device
        rollup(a, "1h", t(9), -9.0, 99.0, 50.0, 60, greenhouse=park["gh2"].id),  # taken while a was elsewhere
        rollup(a, "5m", t(10), 0.0, 0.0, 0.0, 5),  # another resolution
        rollup(a, "1h", t(10), 700.0, 900.0, 800.0, 60, metric="co2"),  # another metric
    ])
    session.commit()
    got = points(client, park, "greenhouse=GH-001&metric=temperature&resolution=1h"
                               "&from=2026-11-20T09:00:00Z&to=2026-11-20T12:00:00Z")
    # 10:00: min of mins, max of maxes, count-weighted mean (15*60 + 12*30) / 90, sum of counts.
    assert got == [
        {"ts": "2026-11-20T10:00:00+00:00", "min": 5.0, "mean": 14.0, "max": 20.0, "count": 90},
        {"ts": "2026-11-20T11:00:00+00:00", "min": 11.0, "mean": 12.0, "max": 13.0, "count": 60},
    ]
    one = points(client, park, "greenhouse=GH-001&metric=temperature&resolution=1h&device=th-b"
                               "&from=2026-11-20T09:00:00Z&to=2026-11-20T12:00:00Z")
    assert one == [{"ts": "2026-11-20T10:00:00+00:00", "min": 5.0, "mean": 12.0, "max": 18.0, "count": 30}]


@pytest.mark.parametrize("start, end, expected", [
    ("10:00:00", "12:00:00", ["10:00", "11:00"]),
    ("10:30:00", "12:00:00", ["11:00"]),  # the 10:00 period starts before the range
    ("10:00:00", "11:00:00", ["10:00"]),  # `to` is exclusive: 11:00 starts at it
    ("09:59:59", "11:00:01", ["10:00", "11:00"]),  # 11:00 starts inside, so it counts whole
])
def test_periods_are_selected_by_their_start_inside_from_to(client, session, park, start, end, expected):
    session.execute(insert(ReadingRollup), [rollup(park["a"], "1h", t(h), 1.0, 3.0, 2.0, 60) for h in (10, 11)])
    session.commit()
    got = points(client, park, f"greenhouse=GH-001&metric=temperature&resolution=1h"
                               f"&from=2026-11-20T{start}Z&to=2026-11-20T{end}Z")
    assert [p["ts"][11:16] for p in got] == expected
    assert all(p["count"] == 60 for p in got)


def test_tail_after_the_mark_comes_from_raw_readings_and_joins_its_period(client, session, park):
    a, b = park["a"], park["b"]
    session.execute(insert(ReadingRollup), [
        rollup(a, "5m", t(11, 55), 4.0, 6.0, 5.0, 5),
        rollup(a, "1h", t(11), 4.0, 6.0, 5.0, 60),
    ])
    session.execute(insert(Reading), [
        raw(a, t(11, 57), 100.0),  # before the mark: already in the rollups, never counted twice
        raw(a, t(12, 0, 30), 7.0), raw(b, t(12, 3), 9.0), raw(a, t(12, 6), 20.0),
        raw(park["c"], t(12, 1), 50.0),  # another greenhouse
    ])
    session.commit()
    base = "greenhouse=GH-001&metric=temperature&from=2026-11-20T11:55:00Z&to=2026-11-20T12:10:00Z"
    assert points(client, park, base + "&resolution=5m") == [
        {"ts": "2026-11-20T11:55:00+00:00", "min": 4.0, "mean": 5.0, "max": 6.0, "count": 5},
        {"ts": "2026-11-20T12:00:00+00:00", "min": 7.0, "mean": 8.0, "max": 9.0, "count": 2},
        {"ts": "2026-11-20T12:05:00+00:00", "min": 20.0, "mean": 20.0, "max": 20.0, "count": 1},
    ]
    hourly = points(client, park, "greenhouse=GH-001&metric=temperature&resolution=1h"
                                  "&from=2026-11-20T11:00:00Z&to=2026-11-20T13:00:00Z")
    assert hourly == [
        {"ts": "2026-11-20T11:00:00+00:00", "min": 4.0, "mean": 5.0, "max": 6.0, "count": 60},
        {"ts": "2026-11-20T12:00:00+00:00", "min": 7.0, "mean": 12.0, "max": 20.0, "count": 3},
    ]


def test_partly_rolled_hour_and_park_day_merge_rollup_and_tail(client, session, park):
    a = park["a"]
    session.get(RollupMark, rollups.MARK).done_until = t(12, 30)
    # The park day of 20 November (UTC+8) starts at 16:00 UTC on the 19th.
    session.execute(insert(ReadingRollup), [
        rollup(a, "1h", t(12), 1.0, 3.0, 2.0, 30),
        rollup(a, "1d", t(16, day=19), -1.0, 30.0, 10.0, 1230),
        rollup(a, "1d", t(16, day=18), 0.0, 1.0, 0.5, 1440),  # the day before: outside the range
    ])
    session.execute(insert(Reading), [raw(a, t(12, 40), 5.0), raw(a, t(16, 0), 99.0)])  # 16:00 opens the 21st
    session.commit()
    hourly = points(client, park, "greenhouse=GH-001&metric=temperature&resolution=1h"
                                  "&from=2026-11-20T12:00:00Z&to=2026-11-20T13:00:00Z")
    assert hourly == [{"ts": "2026-11-20T12:00:00+00:00", "min": 1.0, "mean": round(65 / 31, 3), "max": 5.0,
                       "count": 31}]
    daily = points(client, park, "greenhouse=GH-001&metric=temperature&resolution=1d&from=2026-11-20&to=2026-11-22")
    assert daily == [
        {"ts": "2026-11-19T16:00:00+00:00", "min": -1.0, "mean": round((10 * 1230 + 5) / 1231, 3), "max": 30.0,
         "count": 1231},
        {"ts": "2026-11-20T16:00:00+00:00", "min": 99.0, "mean": 99.0, "max": 99.0, "count": 1},
    ]


def test_rolled_up_history_is_read_from_rollups_not_from_raw_readings(client, session, park):
    # Raw readings before the mark that no rollup holds (say, rollups rebuilt without them) are not looked at.
    session.execute(insert(Reading), [raw(park["a"], t(10, m), 50.0) for m in range(60)])
    session.execute(insert(ReadingRollup), [rollup(park["a"], "1h", t(11), 1.0, 3.0, 2.0, 60)])
    session.commit()
    got = points(client, park, "greenhouse=GH-001&metric=temperature&resolution=1h"
                               "&from=2026-11-20T10:00:00Z&to=2026-11-20T12:00:00Z")
    assert got == [{"ts": "2026-11-20T11:00:00+00:00", "min": 1.0, "mean": 2.0, "max": 3.0, "count": 60}]
    # The raw resolution still reads the raw readings.
    assert len(points(client, park, "greenhouse=GH-001&metric=temperature"
                                    "&from=2026-11-20T10:00:00Z&to=2026-11-20T12:00:00Z")) == 60


def test_before_the_first_rollup_run_everything_comes_from_raw(client, session, park):
    session.delete(session.get(RollupMark, rollups.MARK))
    session.execute(insert(Reading), [raw(park["a"], t(10, m), float(m)) for m in range(0, 60, 10)])
    session.commit()
    assert points(client, park, "greenhouse=GH-001&metric=temperature&resolution=1h"
                                "&from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z") == [
        {"ts": "2026-11-20T10:00:00+00:00", "min": 0.0, "mean": 25.0, "max": 50.0, "count": 6}]


def test_rollup_job_output_reads_back_the_same_as_raw(client, session, park):
    """The job's rollups and the tail give what the raw readings give, whatever side of the mark they are."""
    a, b = park["a"], park["b"]
    session.delete(session.get(RollupMark, rollups.MARK))
    values = [raw(a, t(10) + timedelta(minutes=i), 10 + (i * 7) % 13) for i in range(120)]
    values += [raw(b, t(10) + timedelta(minutes=i, seconds=20), 20 - (i * 5) % 11) for i in range(0, 120, 3)]
    session.execute(insert(Reading), values)
    session.commit()
    query = ("greenhouse=GH-001&metric=temperature&resolution={}&from=2026-11-20T10:00:00Z"
             "&to=2026-11-20T12:00:00Z")
    from_raw = {res: points(client, park, query.format(res)) for res in ("5m", "1h")}
    rollups.run_rollups(session, t(11, 17))  # rolled up to 11:15; the rest is the tail
    session.commit()
    for res in ("5m", "1h"):
        assert points(client, park, query.format(res)) == from_raw[res]
    assert [p["count"] for p in from_raw["1h"]] == [60 + 20, 60 + 20]


@pytest.mark.parametrize("query, field, message", [
    ("greenhouse=GH-001&metric=wind&resolution=1h", "metric", "未知的测量项"),
    ("greenhouse=GH-001&metric=co2&resolution=2h", "resolution", "未知的时间粒度"),
])
def test_bad_metric_or_resolution_is_a_translated_422(client, park, query, field, message):
    r = client.get("/api/v1/readings?" + query, headers=bearer(park["tokens"]["viewer"]))
    assert r.status_code == 422
    body = r.get_json()["error"]
    assert field in body["fields"] and message in body["message"]


@pytest.mark.parametrize("resolution", ["raw", "1h"])
def test_answer_without_per_point_validation_equals_the_validated_one(client, session, park, resolution):
    """The API adds the service's points to its answer unvalidated (they cost most per point): they must be exactly
    what ReadingsOut's Point would give, for raw and rolled-up points, on the same service output."""
    from farm.api import out
    from farm.api.readings import ReadingsOut, readings_answer
    from farm.services import readings as reading_service

    a = park["a"]
    session.execute(insert(ReadingRollup), [rollup(a, "1h", t(10), 10.0, 20.0, 15.0, 60),
                                            rollup(a, "1h", t(11), 11.0, 13.5, 12.25, 59)])
    session.execute(insert(Reading), [raw(a, t(12, 1), 21.5), raw(a, t(12, 2, 30), 22.0)])
    session.commit()
    q = reading_service.ReadingQuery(greenhouse="GH-001", metric="temperature", start=t(9), end=t(13),
                                     resolution=resolution)
    got = reading_service.points(session, q)
    assert len(got) >= 2
    assert readings_answer(q, "GH-001", got) == out(ReadingsOut, q, greenhouse="GH-001", points=got)


def test_raw_window_over_the_limit_is_refused_not_cut_short(client, session, park, monkeypatch):
    """A raw window holding more readings than an answer may carry is a translated 422 naming the resolution; one
    at the limit is answered whole (before, the oldest 50,000 came back as if they were the whole window)."""
    from farm.services import readings as reading_service

    a = park["a"]
    session.execute(insert(Reading), [raw(a, t(10, m), float(m)) for m in range(4)])
    session.commit()
    query = "greenhouse=GH-001&metric=temperature&from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z"
    monkeypatch.setattr(reading_service, "MAX_POINTS", 4)
    assert [p["value"] for p in points(client, park, query)] == [0.0, 1.0, 2.0, 3.0]
    monkeypatch.setattr(reading_service, "MAX_POINTS", 3)
    r = client.get("/api/v1/readings?" + query, headers=bearer(park["tokens"]["viewer"]))
    assert r.status_code == 422
    body = r.get_json()["error"]
    assert "resolution" in body["fields"] and "原始读数超过 3 条" in body["message"]
    # Rolled up, the same window is answered (from the rollups: none here, the fixture's mark is past these minutes).
    assert client.get("/api/v1/readings?" + query + "&resolution=5m",
                      headers=bearer(park["tokens"]["viewer"])).status_code == 200
