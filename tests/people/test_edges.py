"""Changing the workers of an existing job, and making a worker's login from the worker's page (issue 17)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from farm.errors import Invalid
from farm.inputs.people import JobIn
from farm.models.auth import User
from farm.models.people import Assignment, PayrollMonth, Worker
from farm.services import people
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

DAY = date(2026, 11, 20)


@pytest.fixture
def job(session, farm):
    carol = Worker(name="赵兰", daily_wage=Decimal("150.00"), started_on=date(2026, 1, 1))
    session.add(carol)
    session.flush()
    made = people.create_job(session, JobIn(kind="harvest", greenhouse="GH-001", day=DAY,
                                            workers=[farm.alice.id, farm.bob.id], hours=Decimal(8)))
    session.commit()
    return made, carol


def _on_job(session, job_id) -> dict:
    session.expire_all()
    return {a.worker.name: (a.present, a.hours) for a in
            session.scalars(select(Assignment).where(Assignment.job_id == job_id))}


def _post_workers(client, job_id, ids):
    token = csrf_token(client, f"/jobs/{job_id}/workers")
    return client.post(f"/jobs/{job_id}/workers", data={"csrf_token": token, "workers": [str(i) for i in ids]})


def test_change_the_workers_of_a_job_keeps_the_others_attendance(client, session, farm, job):
    made, carol = job
    a_bob = next(a for a in made.assignments if a.worker_id == farm.bob.id)
    people.record_attendance(session, [(a_bob.id, True, Decimal(6))])
    session.commit()
    login(client, "manager", PASSWORD)
    board = client.get(f"/jobs?date={DAY.isoformat()}").get_data(as_text=True)
    assert f'/jobs/{made.id}/workers"' in board
    page = client.get(f"/jobs/{made.id}/workers").get_data(as_text=True)
    assert "调整人员" in page and f'value="{farm.bob.id}" checked' in page and f'value="{carol.id}">' in page
    response = _post_workers(client, made.id, [farm.bob.id, carol.id])  # Alice off, Carol on
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#job-{made.id}")
    assert _on_job(session, made.id) == {"李建国": (True, Decimal(6)), "赵兰": (None, Decimal(8))}


@pytest.mark.parametrize("ids, why", [
    (lambda f, c: [f.alice.id, 4242], "4242"),  # no such worker
    (lambda f, c: [f.alice.id], "李建国"),  # Bob was present: record him absent first
])
def test_change_workers_refused_changes_nothing(client, session, farm, job, ids, why):
    made, carol = job
    a_bob = next(a for a in made.assignments if a.worker_id == farm.bob.id)
    people.record_attendance(session, [(a_bob.id, True, Decimal(6))])
    session.commit()
    before = _on_job(session, made.id)
    login(client, "manager", PASSWORD)
    response = _post_workers(client, made.id, ids(farm, carol))
    assert response.status_code == 422 and why in response.get_data(as_text=True)
    assert _on_job(session, made.id) == before


def test_change_workers_refused_in_a_closed_month_and_to_other_roles(client, session, farm, job):
    made, _carol = job
    before = _on_job(session, made.id)
    for role in ("viewer", "worker", "official"):
        login(client, role, PASSWORD)
        assert client.get(f"/jobs/{made.id}/workers").status_code == 403
    login(client, "manager", PASSWORD)
    assert client.get("/jobs/4242/workers").status_code == 404
    session.add(PayrollMonth(month="2026-11", closed_by_id=farm.users["manager"].id))
    session.commit()
    assert "本月工资已结算" in client.get(f"/jobs/{made.id}/workers").get_data(as_text=True)
    response = _post_workers(client, made.id, [farm.bob.id])
    assert response.status_code in (409, 422)
    assert _on_job(session, made.id) == before


def test_make_a_worker_login_from_the_worker_page(client, session, farm):
    login(client, "admin", PASSWORD)
    page = client.get(f"/workers/{farm.bob.id}").get_data(as_text=True)
    assert "开通账号" in page
    own = client.get(f"/workers/{farm.alice.id}").get_data(as_text=True)
    assert "开通账号" not in own and "登录名：worker" in own  # Alice has one already
    token = csrf_token(client, f"/workers/{farm.bob.id}")
    response = client.post(f"/workers/{farm.bob.id}/login",
                           data={"csrf_token": token, "username": "lijianguo", "password": "long-enough-2"})
    assert response.status_code == 302
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "lijianguo"))
    assert (user.role, user.worker_id) == ("worker", farm.bob.id)
    assert "登录名：lijianguo" in client.get(f"/workers/{farm.bob.id}").get_data(as_text=True)
    # The worker signs in with it and sees their own page.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(client, "lijianguo", "long-enough-2")
    assert client.get("/me").status_code == 200


@pytest.mark.parametrize("form, why", [
    ({"username": "manager", "password": "long-enough-2"}, "manager"),  # taken
    ({"username": "", "password": "long-enough-2"}, ""),
    ({"username": "bob2", "password": "short"}, ""),
])
def test_worker_login_bad_input_stores_nothing(client, session, farm, form, why):
    login(client, "admin", PASSWORD)
    count = len(session.scalars(select(User)).all())
    token = csrf_token(client, f"/workers/{farm.bob.id}")
    response = client.post(f"/workers/{farm.bob.id}/login", data={"csrf_token": token, **form},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'class="flash flash-error"' in page and why in page
    session.expire_all()
    assert len(session.scalars(select(User)).all()) == count


def test_worker_login_refused_to_roles_without_it(client, session, farm):
    for role in ("manager", "viewer", "worker", "official"):
        login(client, role, PASSWORD)
        token = csrf_token(client, "/login")
        response = client.post(f"/workers/{farm.bob.id}/login",
                               data={"csrf_token": token, "username": "x1", "password": "long-enough-2"})
        assert response.status_code == 403
    login(client, "admin", PASSWORD)
    token = csrf_token(client, f"/workers/{farm.bob.id}")
    response = client.post("/workers/4242/login", data={"csrf_token": token, "username": "x1",
                                                        "password": "long-enough-2"})
    assert response.status_code == 302  # back to the page, with the refusal flashed
    session.expire_all()
    assert session.scalar(select(User).where(User.username == "x1")) is None


def test_worker_choices_one_rule_for_every_picker(session, farm):
    """The job board, the harvest, spray and packing forms and the harvest filters all pick from this list."""
    gone = Worker(name="钱二", village_group="一组", status="left", started_on=date(2025, 3, 1))
    late = Worker(name="孙三", village_group="一组", started_on=date(2026, 12, 1))
    session.add_all([gone, late])
    session.flush()
    everyone = sorted([farm.alice, farm.bob, gone, late], key=lambda w: (w.village_group, w.name))
    assert people.worker_choices(session, active_only=False) == everyone
    assert people.worker_choices(session) == [w for w in everyone if w is not gone]
    assert people.worker_choices(session, DAY) == [w for w in everyone if w not in (gone, late)]


@pytest.mark.parametrize("code", ["GH-999", " gh-998 "])
def test_a_job_in_a_greenhouse_that_does_not_exist_is_refused_on_its_field(session, farm, code):
    with pytest.raises(Invalid) as refused:
        people.create_job(session, JobIn(kind="harvest", greenhouse=code, day=DAY, workers=[farm.alice.id],
                                         hours=Decimal(8)))
    assert list(refused.value.fields) == ["greenhouse"]
    assert code.strip() in str(refused.value.fields["greenhouse"])
    job = people.create_job(session, JobIn(kind="harvest", greenhouse=" gh-001 ", day=DAY, workers=[farm.alice.id],
                                           hours=Decimal(8)))
    assert job.greenhouse.code == "GH-001"
