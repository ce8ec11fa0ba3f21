"""A household's record: members, labour, the poverty category with its kind of monitoring; changing it through
PATCH /api/v1/households/{id} and the edit form (one service), the household page with its workers."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from farm.inputs.land import HouseholdChange
from farm.models.land import Household
from farm.models.people import Worker
from farm.services import land
from farm.vocab import MonitorKind
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.land.factories import assert_kept_in_vocabulary, make_household

pytestmark = pytest.mark.usefixtures("frozen_clock")

FIELDS = ("name", "village_group", "members", "labour", "status", "monitor_kind", "phone", "id_number",
          "bank_account", "contract_period_end", "notes")


def _record(session, household_id) -> dict:
    session.expire_all()
    household = session.get(Household, household_id)
    return {name: getattr(household, name) for name in FIELDS}


@pytest.fixture
def household(session, users):
    made = make_household(session, status="monitored", monitor_kind="edge", labour=2, notes="低保")
    session.commit()
    return made


def _patch(client, tokens, household_id, body, role="manager", **kwargs):
    return client.patch(f"/api/v1/households/{household_id}", json=body, headers=tokens[role], **kwargs)


# --- the API ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"members": 6}, {"labour": 0}, {"labour": 5}, {"status": "lifted"}, {"status": "none"},
    {"monitor_kind": "hardship"}, {"monitor_kind": None}, {"name": "王建军"}, {"notes": None},
    {"members": 2, "labour": 2, "status": "monitored", "monitor_kind": "unstable"},
])
def test_patch_changes_only_the_fields_sent(client, session, tokens, household, body):
    before = _record(session, household.id)
    response = _patch(client, tokens, household.id, body)
    assert response.status_code == 200, response.get_json()
    expected = dict(before, **{k: ("" if k == "notes" and v is None else v) for k, v in body.items()})
    if expected["status"] != "monitored":
        expected["monitor_kind"] = None
    assert _record(session, household.id) == expected
    answer = response.get_json()
    assert answer["id"] == household.id
    assert {k: answer[k] for k in ("members", "labour", "status", "monitor_kind")} == {
        k: expected[k] for k in ("members", "labour", "status", "monitor_kind")}
    assert answer["id_number"] == "1503**********1234"  # only an admin reads it unmasked


def test_patch_labour_is_not_checked_against_the_workers(client, session, tokens, household):
    # Labour is what the household says; how many of its members work in the park does not bound it.
    assert _patch(client, tokens, household.id, {"labour": 4}).status_code == 200
    assert _record(session, household.id)["labour"] == 4


def test_patch_monitor_kind_cleared_when_status_leaves_monitored(client, session, tokens, household):
    assert _patch(client, tokens, household.id, {"status": "lifted"}).get_json()["monitor_kind"] is None
    assert _record(session, household.id)["monitor_kind"] is None
    # A kind sent for a household that is not monitored is not kept either.
    answer = _patch(client, tokens, household.id, {"monitor_kind": "edge"}).get_json()
    assert (answer["status"], answer["monitor_kind"]) == ("lifted", None)
    # Monitored again: it may have no kind yet, then get one.
    answer = _patch(client, tokens, household.id, {"status": "monitored"}).get_json()
    assert (answer["status"], answer["monitor_kind"]) == ("monitored", None)
    answer = _patch(client, tokens, household.id, {"monitor_kind": "hardship"}).get_json()
    assert (answer["status"], answer["monitor_kind"]) == ("monitored", "hardship")


@pytest.mark.parametrize("role", ["worker", "viewer"])
def test_patch_refused_to_workers_and_viewers(client, session, tokens, household, role):
    before = _record(session, household.id)
    response = _patch(client, tokens, household.id, {"members": 1}, role=role)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert _record(session, household.id) == before


@pytest.mark.parametrize("body, field", [
    ({"members": 0}, "members"),
    ({"members": -1}, "members"),
    ({"members": "3"}, "members"),
    ({"members": True}, "members"),
    ({"members": 3.5}, "members"),
    ({"members": None}, "members"),
    ({"labour": -1}, "labour"),
    ({"labour": "2"}, "labour"),
    ({"labour": False}, "labour"),
    ({"status": "poor"}, "status"),
    ({"status": None}, "status"),
    ({"monitor_kind": "sometimes"}, "monitor_kind"),
    ({"name": None}, "name"),
    ({"labour": 1, "members": 0}, "members"),  # a good field beside a bad one is not stored either
    ({"contract_period_end": "someday"}, "contract_period_end"),
])
def test_patch_bad_input_changes_nothing(client, session, tokens, household, body, field):
    before = _record(session, household.id)
    response = _patch(client, tokens, household.id, body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"] and field in error["fields"]
    assert _record(session, household.id) == before


def test_patch_members_message_is_clear_and_translated(client, session, tokens, household):
    fields = _patch(client, tokens, household.id, {"members": 0}).get_json()["error"]["fields"]
    assert fields["members"] == "每户至少有一名家庭成员。"  # the park's language
    response = client.patch(f"/api/v1/households/{household.id}?lang=en", json={"members": -1},
                            headers=tokens["manager"])
    assert response.get_json()["error"]["fields"]["members"] == "A household has at least one member."


def test_patch_unknown_household_and_non_json(client, session, tokens, household):
    before = _record(session, household.id)
    response = _patch(client, tokens, 4242, {"members": 2})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.patch(f"/api/v1/households/{household.id}", data="members=2", headers=tokens["manager"],
                            content_type="text/plain")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed"
    response = _patch(client, tokens, household.id, [1, 2])
    assert response.status_code == 400
    assert _record(session, household.id) == before


def test_patch_period_end_before_a_contract_refused(client, session, tokens, household):
    from tests.land.factories import make_contract

    make_contract(session, household)
    session.commit()
    before = _record(session, household.id)
    response = _patch(client, tokens, household.id, {"contract_period_end": "2025-01-01"})
    assert response.status_code == 422 and "contract_period_end" in response.get_json()["error"]["fields"]
    assert _record(session, household.id) == before


# --- the service and the database -------------------------------------------------------------------

def test_service_keeps_monitor_kind_only_while_monitored(session, users):
    made = make_household(session, status="lifted", monitor_kind="edge")
    assert made.monitor_kind is None
    land.update_household(session, made.id, HouseholdChange(status="monitored", monitor_kind="unstable"))
    assert (made.status, made.monitor_kind) == ("monitored", "unstable")
    land.update_household(session, made.id, HouseholdChange(status="none"))
    assert (made.status, made.monitor_kind) == ("none", None)


def test_database_refuses_a_monitor_kind_outside_its_vocabulary(session, household):
    assert_kept_in_vocabulary(session, "households", "monitor_kind", MonitorKind, nullable=True)
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE households SET monitor_kind = 'poor'"))
        session.flush()
    session.rollback()


def test_new_household_has_no_labour_until_given(session, users):
    session.execute(text("INSERT INTO households (name, village_group, members, status, phone, id_number, address, "
                         "bank_name, bank_account, notes, created_at) VALUES ('李', '', 1, 'none', '', '', '', '', "
                         "'', '', '2026-01-01')"))
    assert session.execute(text("SELECT labour, monitor_kind FROM households")).one() == (0, None)
    session.rollback()


# --- the pages -------------------------------------------------------------------------------------

def _as(client, role):
    login(client, role, PASSWORD)
    return csrf_token(client, "/dashboard")


def test_page_shows_labour_category_kind_and_workers(client, session, household):
    other = make_household(session, name="赵有福")
    session.add_all([
        Worker(name="王小红", household_id=household.id, started_on=date(2025, 4, 1)),
        Worker(name="王大力", household_id=household.id, status="left", started_on=date(2024, 3, 1)),
        Worker(name="王二丫", household_id=household.id, started_on=date(2025, 5, 1)),
        Worker(name="赵小兵", household_id=other.id),
    ])
    session.commit()
    _as(client, "manager")
    page = client.get(f"/land/households/{household.id}").get_data(as_text=True)
    assert "household-status-monitored" in page and "monitor-kind-edge" in page
    for name in ("王小红", "王大力", "王二丫"):
        assert name in page
    assert "赵小兵" not in page
    assert "/workers/" in page  # each worker links to their page
    assert "2025" in page
    # 2 working, labour 2: no note; a third working is more than the labour recorded.
    assert "work in the park, more than" not in page and "多于登记的劳动力" not in page
    session.execute(text("UPDATE households SET labour = 1 WHERE id = :id"), {"id": household.id})
    session.commit()
    page = client.get(f"/land/households/{household.id}").get_data(as_text=True)
    assert "work in the park, more than" in page or "多于登记的劳动力" in page


def test_page_viewer_sees_the_category_but_not_the_workers(client, session, household):
    session.add(Worker(name="王小红", household_id=household.id))
    session.commit()
    _as(client, "viewer")
    page = client.get(f"/land/households/{household.id}").get_data(as_text=True)
    assert "monitor-kind-edge" in page and "王小红" not in page


def test_edit_form_saves_labour_and_monitor_kind(client, session, household):
    token = _as(client, "manager")
    url = f"/land/households/{household.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'name="labour"' in form and 'name="monitor_kind"' in form and '<option value="" ' in form
    base = {"csrf_token": token, "name": household.name, "members": "5", "status": "monitored",
            "contract_period_end": "2057-12-31"}
    response = client.post(url, data={**base, "labour": "3", "monitor_kind": "hardship"})
    assert response.status_code == 302
    record = _record(session, household.id)
    assert (record["members"], record["labour"], record["monitor_kind"], record["notes"]) == (5, 3, "hardship", "")
    # the empty choice clears the kind; leaving monitored clears it too
    assert client.post(url, data={**base, "labour": "3", "monitor_kind": ""}).status_code == 302
    assert _record(session, household.id)["monitor_kind"] is None
    client.post(url, data={**base, "labour": "3", "monitor_kind": "edge"})
    client.post(url, data={**base, "status": "lifted", "labour": "3", "monitor_kind": "edge"})
    assert _record(session, household.id)["monitor_kind"] is None


@pytest.mark.parametrize("change, field", [({"members": "0"}, "members"), ({"labour": "-1"}, "labour"),
                                           ({"monitor_kind": "bogus"}, "monitor_kind")])
def test_edit_form_bad_input_changes_nothing(client, session, household, change, field):
    token = _as(client, "manager")
    before = _record(session, household.id)
    data = {"csrf_token": token, "name": household.name, "members": "4", "labour": "2", "status": "monitored",
            **change}
    response = client.post(f"/land/households/{household.id}/edit", data=data)
    assert response.status_code == 422
    assert _record(session, household.id) == before
