"""Privacy for the village official and the viewer, through pages and API: ID numbers and bank accounts in full
for an admin only, phones for those who call households, a household member's payslip and no one else's, and
nothing of the park's operations for the official."""
from __future__ import annotations

import pytest

from farm import clock
from farm.models.land import Household
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.linkage.park import NOW, make_linkage_park

ID, BANK, PHONE = "150303196805121234", "6228480123456781234", "13847312345"


@pytest.fixture
def park(session, users):
    with clock.frozen(NOW):
        yield make_linkage_park(session)


def _as(client, role):
    client.get("/logout")
    login(client, role, PASSWORD)
    return client


@pytest.mark.parametrize("role, id_full, bank_full, phone_full, phone_masked", [
    ("admin", True, True, True, False), ("manager", False, False, True, False),
    ("official", False, False, True, False), ("viewer", False, False, False, False),
])
def test_household_page_per_role(client, park, role, id_full, bank_full, phone_full, phone_masked):
    household = park["households"]["a"]
    page = _as(client, role).get(f"/land/households/{household.id}").get_data(as_text=True)
    assert (ID in page, BANK in page, PHONE in page) == (id_full, bank_full, phone_full)
    if role in ("manager", "official"):
        assert "1503**********1234" in page and "6228***********1234" in page
    if role == "viewer":  # never a digit of them
        assert "1503**" not in page and "6228**" not in page and "138**" not in page


def test_the_official_reads_a_household_members_payslip(client, tokens, park):
    member = park["workers"][0]  # 王一, of 王建国's household
    response = client.get(f"/api/v1/payroll/2025-01/workers/{member.id}", headers=tokens["official"])
    assert response.status_code == 200 and response.get_json()["total"] == 300.0
    page = _as(client, "official").get(f"/payroll/2025-01/workers/{member.id}")
    assert page.status_code == 200 and "王一" in page.get_data(as_text=True)


def test_the_official_may_not_read_the_pay_of_a_worker_in_no_household(client, tokens, park):
    outsider = park["workers"][4]  # 外一
    response = client.get(f"/api/v1/payroll/2025-04/workers/{outsider.id}", headers=tokens["official"])
    assert response.status_code == 404
    why = f"工人 {outsider.id} 不是任何农户的成员：村镇干部只能查看农户成员的工资。"
    assert response.get_json()["error"]["message"] == why
    # a worker that does not exist reads the same: ids tell the official nothing
    missing = client.get("/api/v1/payroll/2025-04/workers/99999", headers=tokens["official"])
    assert missing.status_code == 404 and "99999" in missing.get_json()["error"]["message"]
    page = _as(client, "official").get(f"/payroll/2025-04/workers/{outsider.id}")
    assert page.status_code == 404 and why in page.get_data(as_text=True)
    assert "外一" not in page.get_data(as_text=True)
    assert client.get(f"/payroll/2025-04/workers/{outsider.id}/print").status_code == 404
    # a manager reads anyone's, a viewer no one's
    assert client.get(f"/api/v1/payroll/2025-04/workers/{outsider.id}", headers=tokens["manager"]).status_code == 200
    assert client.get(f"/api/v1/payroll/2025-04/workers/{outsider.id}", headers=tokens["viewer"]).status_code == 403


@pytest.mark.parametrize("path", ["/park", "/crops", "/harvests", "/alerts", "/jobs",
                                  "/payroll", "/workers", "/reports/yield", "/reports/daily/", "/devices"])
def test_the_official_reaches_nothing_of_the_parks_operations(client, park, path):
    response = _as(client, "official").get(path, follow_redirects=True)
    assert response.status_code == 403, path


@pytest.mark.parametrize("path", ["/api/v1/greenhouses", "/api/v1/harvests", "/api/v1/readings", "/api/v1/alerts",
                                  "/api/v1/workers", "/api/v1/payroll?month=2025-01", "/api/v1/jobs",
                                  "/api/v1/reports/yield", "/api/v1/harvests/1"])
def test_the_official_reaches_nothing_of_the_parks_operations_in_the_api(client, tokens, park, path):
    assert client.get(path, headers=tokens["official"]).status_code == 403, path


def test_the_officials_menu_shows_only_what_they_may_open(client, park):
    page = _as(client, "official").get("/livelihoods").get_data(as_text=True)
    menu = page.split("</nav>")[0]
    for shown in ("/livelihoods", "/reports/linkage", "/land/households", "/land/contracts"):
        assert f'href="{shown}"' in menu, shown
    for hidden in ("/park", "/payroll", "/workers", "/reports/yield", "/harvests", "/sensors"):
        assert f'href="{hidden}"' not in menu, hidden


def test_a_manager_saving_a_household_keeps_the_numbers_they_cannot_read(client, session, park):
    household = park["households"]["a"]
    _as(client, "manager")
    form = client.get(f"/land/households/{household.id}/edit").get_data(as_text=True)
    assert ID not in form and BANK not in form and "1503**********1234" in form
    data = {"csrf_token": csrf_token(client, f"/land/households/{household.id}/edit"), "name": "王建国",
            "village_group": "一组", "members": "5", "labour": "2", "status": "lifted", "phone": PHONE,
            "id_number": "", "bank_account": "", "bank_name": "乌海农商银行", "address": "",
            "contract_period_end": "2057-12-31", "notes": ""}
    response = client.post(f"/land/households/{household.id}/edit", data=data)
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Household, household.id)
    assert (saved.members, saved.id_number, saved.bank_account) == (5, ID, BANK)
    # a typed number replaces the one on record
    data.update(bank_account="6228480000000000001")
    assert client.post(f"/land/households/{household.id}/edit", data=data).status_code == 302
    session.expire_all()
    assert session.get(Household, household.id).bank_account == "6228480000000000001"


def test_the_household_page_shows_the_members_at_work_to_the_official(client, park):
    household = park["households"]["a"]
    with clock.frozen(NOW):
        page = _as(client, "official").get(f"/land/households/{household.id}").get_data(as_text=True)
    assert "王一" in page and "王二" in page
    assert f'href="/payroll/2026-05/workers/{park["workers"][0].id}"' in page
    # two members at work, labour recorded as none: allowed, and shown as a note
    assert "2 人在园区务工，多于登记的劳动力人数" in page
    viewer = _as(client, "viewer").get(f"/land/households/{household.id}").get_data(as_text=True)
    assert "王一" not in viewer
