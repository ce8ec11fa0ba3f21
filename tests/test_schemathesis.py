"""Schemathesis against the app, bounded: for every operation in openapi.json, generated requests with each role's
token (a small park) never make a server error, and every answer fits its documented schema.

Skipped when schemathesis is not installed. /healthz is left out: it answers 503 by design when the ingest and the
scheduler are not running, as in a test.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from tests.factories import bearer, make_crop, make_device, make_park, make_planting, make_users, token_for  # noqa: E402

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def small_park(session):
    """Three greenhouses, one planted with a sensor and a reading; a token per role."""
    from farm.models.sensors import Reading

    park = make_park(session)
    make_planting(session, park.greenhouses[0], make_crop(session))
    device = make_device(session, park.greenhouses[0], "th-001", last_seen_at=NOW)
    session.add(Reading(device_id=device.id, metric="temperature", ts=NOW - timedelta(minutes=1),
                        greenhouse_id=park.greenhouses[0].id, value=21.5))
    session.commit()
    return {role: bearer(token_for(session, user)) for role, user in make_users(session).items()}


# Examples per operation: a few shapes of each body and parameter, each sent with every role's token (generating a
# case costs far more than sending it), few enough to keep the run bounded. `run` with more examples is the wider
# search done by hand (docs/api.md, Fuzzing).
EXAMPLES = 3


def run(app, tokens: dict, examples: int) -> int:
    """Every operation, `examples` generated requests each, every one sent with each token; the operations run."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/healthz":
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def check(case):
            for headers in tokens.values():
                case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        check()
        tested += 1
    return tested


def test_generated_requests_answer_as_documented(app, small_park):
    assert set(small_park) == {"admin", "manager", "worker", "official", "viewer"}
    assert run(app, small_park, EXAMPLES) >= 40
