"""People pages: workers, the job board with attendance in one pass, payroll month, export and payslips."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from farm import clock
from farm.models.people import Assignment, Job, PayrollMonth, Worker
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")


def manager(client):
    login(client, "manager", PASSWORD)
    return csrf_token(client, "/jobs")


def test_workers_list_masks_id_numbers_and_edit_shows_them_to_admins_only(client, session, farm):
    csrf = manager(client)
    page = client.get("/workers").get_data(as_text=True)
    assert "李建国" in page and "150303198001011234" not in page and "1503**********1234" in page
    edit = client.get(f"/workers/{farm.bob.id}").get_data(as_text=True)
    assert "150303198001011234" not in edit and "1503**********1234" in edit
    # the manager saves the form with the ID number left empty: the number on record stays
    r = client.post(f"/workers/{farm.bob.id}", data={"csrf_token": csrf, "name": "李建国", "id_number": "",
                                                      "status": "active", "phone": "13900001111"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Worker, farm.bob.id).id_number == "150303198001011234"
    client.get("/logout")
    login(client, "admin", PASSWORD)
    assert "150303198001011234" in client.get(f"/workers/{farm.bob.id}").get_data(as_text=True)


def test_worker_form_bad_wage_rerenders_with_error(client, session, farm):
    csrf = manager(client)
    r = client.post("/workers/new", data={"csrf_token": csrf, "name": "赵六", "daily_wage": "-5", "status": "active"})
    assert r.status_code == 422 and "赵六" in r.get_data(as_text=True)
    assert session.scalar(select(Worker).where(Worker.name == "赵六")) is None
    ok = client.post("/workers/new", data={"csrf_token": csrf, "name": "赵六", "daily_wage": "140", "status": "active"})
    assert ok.status_code == 302


def test_job_board_plan_attend_copy_and_done(client, session, farm):
    csrf = manager(client)
    day = date(2026, 10, 5)
    r = client.post(f"/jobs?date={day}", data={"csrf_token": csrf, "kind": "harvest", "greenhouse": "GH-001",
                                              "date": day.isoformat(), "hours": "8",
                                              "workers": [str(farm.alice.id), str(farm.bob.id)]})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get(f"/jobs?date={day}").get_data(as_text=True)
    assert "王秀英" in page and "李建国" in page
    a, b = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    # attendance in one pass: alice present 7.5 h, bob absent
    r = client.post(f"/jobs/attendance?date={day}", data={"csrf_token": csrf, f"booking_{a.id}": "1",
                                                         f"booking_{b.id}": "1", f"present_{a.id}": "1",
                                                         f"hours_{a.id}": "7.5", f"hours_{b.id}": "8"})
    assert r.status_code == 302
    session.expire_all()
    assert (session.get(Assignment, a.id).present, session.get(Assignment, a.id).hours) == (True, Decimal("7.5"))
    assert (session.get(Assignment, b.id).present, session.get(Assignment, b.id).hours) == (False, 0)
    bad = client.post(f"/jobs/attendance?date={day}", data={"csrf_token": csrf, f"booking_{a.id}": "1",
                                                           f"present_{a.id}": "1", f"hours_{a.id}": "-3"})
    assert bad.status_code == 422
    session.expire_all()
    assert session.get(Assignment, a.id).hours == Decimal("7.5")
    copy = client.post(f"/jobs/copy?date={day + timedelta(days=1)}", data={"csrf_token": csrf,
                                                                           "from": day.isoformat()})
    assert copy.status_code == 302
    assert session.scalar(select(Job).where(Job.day == day + timedelta(days=1))) is not None
    again = client.post(f"/jobs/copy?date={day + timedelta(days=1)}", data={"csrf_token": csrf,
                                                                            "from": day.isoformat()})
    assert again.status_code == 409
    job = session.scalar(select(Job).where(Job.day == day))
    assert client.post(f"/jobs/{job.id}/done?date={day}", data={"csrf_token": csrf}).status_code == 302
    session.expire_all()
    assert session.get(Job, job.id).done_at is not None


def test_job_board_with_a_bad_date_says_so_and_copies_nothing(client, session, farm):
    csrf = manager(client)
    page = client.get("/jobs?date=2026-13-40")
    assert page.status_code == 400 and "2026-13-40" in page.get_data(as_text=True)
    r = client.post("/jobs/copy?date=yesterday", data={"csrf_token": csrf, "from": "2026-10-05"})
    assert r.status_code == 422
    assert session.scalar(select(Job)) is None


def test_job_board_unknown_greenhouse_is_an_error_on_the_form(client, session, farm):
    csrf = manager(client)
    r = client.post("/jobs?date=2026-10-05", data={"csrf_token": csrf, "kind": "harvest", "greenhouse": "GH-404",
                                                   "date": "2026-10-05", "hours": "8"})
    assert r.status_code == 422 and "GH-404" in r.get_data(as_text=True)
    assert session.scalar(select(Job)) is None


def test_payroll_month_close_and_export(client, session, farm):
    csrf = manager(client)
    day = date(2026, 9, 14)
    client.post(f"/jobs?date={day}", data={"csrf_token": csrf, "kind": "packing", "date": day.isoformat(),
                                          "hours": "8", "workers": [str(farm.alice.id)]})
    a = session.scalar(select(Assignment))
    client.post(f"/jobs/attendance?date={day}", data={"csrf_token": csrf, f"booking_{a.id}": "1",
                                                     f"present_{a.id}": "1", f"hours_{a.id}": "8"})
    page = client.get("/payroll?month=2026-09").get_data(as_text=True)
    assert "王秀英" in page and "150.00" in page
    r = client.post("/payroll/2026-09/close", data={"csrf_token": csrf})
    assert r.status_code == 302 and session.scalar(select(PayrollMonth)) is not None
    again = client.post("/payroll/2026-09/close", data={"csrf_token": csrf})
    assert again.status_code == 409
    now = clock.month_of(clock.today())
    assert client.post(f"/payroll/{now}/close", data={"csrf_token": csrf}).status_code == 409
    xlsx = client.get("/payroll/2026-09.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("sheet")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(2, 1).value == "王秀英" and sheet.cell(2, 10).value == 150
    adj = client.post("/payroll/adjustments", data={"csrf_token": csrf, "worker_id": farm.alice.id,
                                                    "month": "2026-09", "amount": "5", "reason": "补发",
                                                    "shown": "2026-09"})
    assert adj.status_code == 409


def test_worker_sees_own_payslip_only(client, session, farm):
    login(client, "worker", PASSWORD)
    month = clock.month_of(clock.today())
    mine = client.get(f"/payroll/{month}/workers/{farm.alice.id}")
    assert mine.status_code == 200 and "王秀英" in mine.get_data(as_text=True)
    assert client.get(f"/payroll/{month}/workers/{farm.bob.id}").status_code == 403
    assert client.get(f"/payroll/{month}/workers/{farm.bob.id}/print").status_code == 403
    assert client.get("/payroll").status_code == 403
    assert client.get("/jobs").status_code == 403
    assert client.get("/me/payslip").status_code == 302
    home = client.get("/me").get_data(as_text=True)
    assert "my-payslip" in home


def test_piece_rate_form_saves_and_refuses_bad_rates(client, session, farm):
    from farm.models.people import PayRate

    csrf = manager(client)
    ok = client.post("/payroll/piece-rates", data={"csrf_token": csrf, "crop": "cucumber", "grade": "premium",
                                                   "valid_from": "2026-10-01", "rate": "0.25", "shown": "2026-10"})
    assert ok.status_code == 302
    bad = client.post("/payroll/piece-rates", data={"csrf_token": csrf, "crop": "cucumber", "grade": "premium",
                                                    "valid_from": "2026-10-01", "rate": "-1", "shown": "2026-10"})
    assert bad.status_code == 422
    session.expire_all()
    assert [r.amount for r in session.scalars(select(PayRate))] == [Decimal("0.25")]
    assert "0.25" in client.get("/payroll?month=2026-10").get_data(as_text=True)


def test_attendance_form_with_odd_booking_keys_changes_nothing(client, session, farm):
    """A booking number beyond a database integer or in other digits ("²") is no booking: never a 500."""
    csrf = manager(client)
    for key in ("booking_99999999999999999999", "booking_2147483648", "booking_²"):
        r = client.post("/jobs/attendance?date=2026-10-05", data={"csrf_token": csrf, key: "1"})
        assert r.status_code in (302, 422), key
    assert session.scalar(select(func.count()).select_from(Assignment)) == 0
