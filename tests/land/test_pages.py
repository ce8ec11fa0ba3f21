"""Land pages: forms with good and bad input, filters, the printed contract, the ledger, the dashboard panel."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from farm import clock
from farm.models.land import Household, LandContract, RentPayment
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_park
from tests.land.factories import make_contract, make_household

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")


def _as(client, role):
    login(client, role, PASSWORD)
    return csrf_token(client, "/dashboard")


def _contract_now(session, household, **extra):
    """A contract whose first full rent year began 10 days ago, so its first due is overdue today."""
    start = clock.today() - timedelta(days=10)
    values = {"start_date": start.isoformat(), "end_date": (start + timedelta(days=3 * 365)).isoformat(),
              "payment_month_day": start.strftime("%m-%d")}
    values.update(extra)
    return make_contract(session, household, **values)


def test_pages_household_form(client, session, users):
    token = _as(client, "manager")
    bad = client.post("/land/households/new", data={"csrf_token": token, "name": "", "members": "0",
                                                   "id_number": "123"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "必填" in page or "required" in page
    assert session.query(Household).count() == 0
    good = client.post("/land/households/new", data={"csrf_token": token, "name": "刘桂芳", "village_group": "曙光村二组",
                                                    "members": "3", "status": "lifted",
                                                    "contract_period_end": "2057-12-31"})
    assert good.status_code == 302
    household = session.query(Household).one()
    assert (household.name, household.status, household.contract_period_end) == ("刘桂芳", "lifted", date(2057, 12, 31))


def test_pages_contract_form_two_parcels_then_payment(client, session, users):
    make_park(session, greenhouses=2)
    household = make_household(session)
    session.commit()
    token = _as(client, "manager")
    start = clock.today() - timedelta(days=5)
    form = {"csrf_token": token, "number": "SG-2026-01", "household_id": str(household.id),
            "start_date": start.isoformat(), "end_date": (start + timedelta(days=1000)).isoformat(),
            "rent_per_mu_year": "800", "payment_month_day": start.strftime("%m-%d"), "payment_method": "bank",
            "status": "active", "greenhouses": "gh-001，GH-002",
            "parcels.0.name": "东坝地", "parcels.0.code": "P-A", "parcels.0.area_mu": "5.5",
            "parcels.2.name": "西梁地", "parcels.2.code": "P-B", "parcels.2.area_mu": "4.5"}
    # a bad area in the third form row is reported on that row
    bad = client.post("/land/contracts/new", data={**form, "parcels.2.area_mu": "-1"})
    assert bad.status_code == 422
    assert 'id="e-parcels.2.area_mu"' in bad.get_data(as_text=True)
    assert session.query(LandContract).count() == 0
    response = client.post("/land/contracts/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    contract = session.query(LandContract).one()
    assert contract.area_mu == 10 and [g.code for g in contract.greenhouses] == ["GH-001", "GH-002"]
    page = client.get(f"/land/contracts/{contract.id}").get_data(as_text=True)
    assert "due-row-overdue" in page and "8,000.00" in page
    bad = client.post(f"/land/contracts/{contract.id}/payments/new",
                      data={"csrf_token": token, "paid_on": (clock.today() + timedelta(days=1)).isoformat(),
                            "amount": "100"})
    assert bad.status_code == 422 and session.query(RentPayment).count() == 0
    ok = client.post(f"/land/contracts/{contract.id}/payments/new",
                     data={"csrf_token": token, "paid_on": clock.today().isoformat(), "amount": "8000",
                           "method": "cash", "receipt_no": "SJ-001"})
    assert ok.status_code == 302
    page = client.get(f"/land/contracts/{contract.id}").get_data(as_text=True)
    assert "due-row-paid" in page and "SJ-001" in page


def test_pages_contract_parcel_conflict_409(client, session, users):
    household = make_household(session)
    make_contract(session, household, codes=("P-TAKEN",))
    session.commit()
    token = _as(client, "manager")
    form = {"csrf_token": token, "number": "NEW", "household_id": str(household.id), "start_date": "2024-03-01",
            "end_date": "2026-02-28", "rent_per_mu_year": "800", "payment_month_day": "03-01",
            "parcels.0.name": "a", "parcels.0.code": "P-TAKEN", "parcels.0.area_mu": "3"}
    response = client.post("/land/contracts/new", data=form)
    assert response.status_code == 409
    assert "TZ-2024-001" in response.get_data(as_text=True)


def test_pages_lists_filters_and_reminders(client, session, users):
    one = make_household(session, group="曙光村一组")
    two = make_household(session, name="赵有福", group="曙光村四组")
    _contract_now(session, one, number="LATE")
    make_contract(session, two, number="DRAFTY", codes=("P-Z",), status="draft")
    session.commit()
    _as(client, "viewer")
    page = client.get("/land/contracts?due=overdue").get_data(as_text=True)
    assert "LATE" in page and "DRAFTY" not in page
    page = client.get("/land/contracts?group=曙光村四组&status=draft").get_data(as_text=True)
    assert "DRAFTY" in page and "LATE" not in page
    assert client.get("/land/contracts?status=bogus&due=bogus").status_code == 200
    page = client.get("/land/reminders").get_data(as_text=True)
    assert "LATE" in page and "租金逾期" in page
    page = client.get("/dashboard").get_data(as_text=True)
    assert "land-panel" in page and "LATE" in page
    page = client.get("/land/households").get_data(as_text=True)
    assert "赵有福" in page and "13847312345" not in page and "138****2345" not in page and "*" * 11 in page
    assert "/land/households/new" not in page  # a viewer gets no register button
    assert client.get("/land/contracts/new").status_code == 403


def test_pages_print_has_every_section_with_its_data(client, session, users):
    park = make_park(session, greenhouses=2)
    park.name = "曙光村示范园"
    household = make_household(session, address="曙光村一组12号")
    contract = make_contract(session, household, codes=("1503031012030100001", "1503031012030100002"), area="7.25",
                             escalation={"every_years": 3, "percent": "5"}, late_fee_per_10k="5", deposit="2000",
                             delivery_date="2024-02-20", use="日光温室蔬菜种植", greenhouses=["GH-001"],
                             village_filed_on="2024-03-05", township_filed_on="2024-03-15")
    session.commit()
    _as(client, "admin")
    page = client.get(f"/land/contracts/{contract.id}/print").get_data(as_text=True)
    for section in ("parties", "land", "use", "term", "rent", "lessor", "lessee", "filing", "deposit", "subsidy",
                    "change", "liability", "disputes", "other", "signatures", "schedule"):
        assert f'data-section="{section}"' in page, section
    for text in ("农村土地经营权出租合同", "TZ-2024-001", "王建国", "150303196805121234", "曙光村示范园",
                 "1503031012030100002", "14.50", "渠", "林带", "水浇地", "GH-001", "日光温室蔬菜种植",
                 "2024年3月1日", "2027年2月28日", "2024年2月20日", "800.00", "11,600.00", "每满 <span class=\"filled\" "
                 "data-field=\"every\">3</span> 年", "5.00</span>%", "3月1日", "6228480123456781234",
                 "2024年3月5日", "2024年3月15日", "2,000.00", "万分之 <span class=\"filled\" data-field=\"late\">5.00",
                 "34,800.00", "壹万壹仟陆佰元整", "贰仟元整"):
        assert text in page, text
    client.get("/logout")
    _as(client, "manager")
    page = client.get(f"/land/contracts/{contract.id}/print").get_data(as_text=True)
    assert "150303196805121234" not in page and "1503**********1234" in page
    assert "6228480123456781234" not in page and "6228***********1234" in page
    client.get("/logout")
    _as(client, "viewer")
    page = client.get(f"/land/contracts/{contract.id}/print").get_data(as_text=True)
    assert "150303196805121234" not in page and "1503**********1234" not in page
    assert "6228480123456781234" not in page


def test_pages_ledger_export_masks_for_viewers(client, session, users):
    household = make_household(session)
    contract = make_contract(session, household, codes=("P-1", "P-2"))
    session.add(RentPayment(contract=contract, paid_on=date(2024, 3, 1), amount=8000, receipt_no="R-9"))
    session.commit()
    for role, visible in (("admin", True), ("manager", False), ("viewer", False)):
        client = client.application.test_client()
        _as(client, role)
        response = client.get("/land/ledger.xlsx")
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
        book = load_workbook(io.BytesIO(response.data))
        assert len(book.worksheets) == 3
        cells = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
        assert ("150303196805121234" in cells) is visible
        assert ("6228480123456781234" in cells) is visible
        assert ("13847312345" in cells) is (role != "viewer")
        if role == "manager":
            assert "1503**********1234" in cells and "6228***********1234" in cells
        if role == "viewer":
            assert "*" * 18 in cells and "*" * 11 in cells
        assert "TZ-2024-001" in cells
        parcels = [r[3] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
        assert parcels == ["P-1", "P-2"]
        assert [r[5] for r in book.worksheets[2].iter_rows(min_row=2, values_only=True)] == ["R-9"]


def test_pages_contract_status_and_filing(client, session, users):
    household = make_household(session)
    contract = make_contract(session, household, status="draft")
    session.commit()
    token = _as(client, "manager")
    client.post(f"/land/contracts/{contract.id}/filing", data={"csrf_token": token, "village_filed_on": "2024-03-02",
                                                               "township_filed_on": "bad"})
    session.expire_all()
    assert contract.village_filed_on is None  # a bad date changes nothing
    client.post(f"/land/contracts/{contract.id}/filing", data={"csrf_token": token, "village_filed_on": "2024-03-02"})
    client.post(f"/land/contracts/{contract.id}/status", data={"csrf_token": token, "status": "active"})
    session.expire_all()
    assert (contract.status, contract.village_filed_on) == ("active", date(2024, 3, 2))


def test_pages_contract_edit_keeps_payments(client, session, users):
    household = make_household(session)
    contract = make_contract(session, household, codes=("P-1", "P-2"), escalation={"every_years": 2, "percent": "5"})
    session.add(RentPayment(contract=contract, paid_on=date(2024, 3, 1), amount=8000))
    session.commit()
    token = _as(client, "manager")
    page = client.get(f"/land/contracts/{contract.id}/edit").get_data(as_text=True)
    assert 'value="P-2"' in page and 'name="escalation.every_years"' in page
    form = {"csrf_token": token, "number": contract.number, "household_id": str(household.id),
            "start_date": "2024-03-01", "end_date": "2027-02-28", "rent_per_mu_year": "900",
            "payment_month_day": "03-01", "parcels.0.name": "a", "parcels.0.code": "P-1", "parcels.0.area_mu": "10"}
    assert client.post(f"/land/contracts/{contract.id}/edit", data=form).status_code == 302
    session.expire_all()
    assert (contract.rent_per_mu_year, [p.code for p in contract.parcels], contract.escalation_every_years) == (
        900, ["P-1"], None)
    assert len(contract.payments) == 1


def test_pages_household_period_cannot_end_before_its_contracts(client, session, users):
    household = make_household(session)
    make_contract(session, household)
    session.commit()
    token = _as(client, "manager")
    response = client.post(f"/land/households/{household.id}/edit",
                           data={"csrf_token": token, "name": household.name, "members": "4",
                                 "contract_period_end": "2026-12-31"})
    assert response.status_code == 422 and "TZ-2024-001" in response.get_data(as_text=True)
    session.expire_all()
    assert household.contract_period_end == date(2057, 12, 31)
