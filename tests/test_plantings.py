"""Plantings: the service rules, and starting, editing and ending one through the pages."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from farm import clock
from farm.errors import Conflict, Invalid, NotFound
from farm.inputs import parse
from farm.inputs.park import PlantingChange, PlantingEnd, PlantingIn
from farm.models.crops import Planting
from farm.models.park import Greenhouse
from farm.services import plantings
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_crop, make_park, make_planting, make_users

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def park(session):
    p = make_park(session)
    crop = make_crop(session)
    make_crop(session, "tomato", "西红柿", "Tomato")
    planting = make_planting(session, p.greenhouses[0], crop)
    make_users(session)
    session.commit()
    return {"park": p, "planting_id": planting.id}


def _manager(client):
    assert login(client, "manager", PASSWORD).status_code == 302
    return csrf_token(client, "/park")


def _gh(session, code):
    session.expire_all()
    return session.scalar(select(Greenhouse).where(Greenhouse.code == code))


def _count(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Planting))


def _field_error(page: str, name: str) -> bool:
    return f'id="e-{name}"' in page or (f'name="{name}"' in page and "has-error" in page)


# --- the service ------------------------------------------------------------------------------------

def test_plantings_service_start_and_end(session, park):
    data = PlantingIn(greenhouse="GH-002", crop="Tomato", planted_on=date(2026, 10, 1), area_m2=Decimal("400"))
    planting = plantings.start_planting(session, data)
    assert planting.crop.code == "tomato" and planting.greenhouse.status == "active"
    plantings.end_planting(session, planting.id, PlantingEnd(ended_on=date(2026, 10, 20)))
    assert planting.status == "ended" and planting.greenhouse.status == "idle"


def test_plantings_service_refusals(session, park):
    def start(**kw):
        values = dict(greenhouse="GH-001", crop="cucumber", planted_on=date(2026, 10, 1), area_m2=Decimal("100"))
        values.update(kw)
        return plantings.start_planting(session, PlantingIn(**values))

    with pytest.raises(Conflict):
        start()
    with pytest.raises(Invalid) as info:
        start(greenhouse="GH-002", area_m2=Decimal("800.01"))
    assert "area_m2" in info.value.fields
    with pytest.raises(Invalid) as info:
        start(greenhouse="GH-002", expected_harvest_on=date(2026, 9, 1))
    assert "expected_harvest_on" in info.value.fields
    with pytest.raises(Invalid) as info:
        start(greenhouse="GH-002", crop="banana")
    assert "crop" in info.value.fields
    with pytest.raises(NotFound):
        start(greenhouse="GH-100")
    with pytest.raises(NotFound):
        plantings.get_planting(session, 12345)


def test_plantings_service_ended_planting_frees_area_for_a_new_one(session, park):
    plantings.end_planting(session, park["planting_id"], PlantingEnd(ended_on=date(2026, 10, 1)))
    again = plantings.start_planting(session, PlantingIn(greenhouse="GH-001", crop="tomato",
                                                         planted_on=date(2026, 10, 2), area_m2=Decimal("800")))
    assert plantings.is_active(again)


def test_plantings_service_end_keeps_greenhouse_active_while_another_grows(session, park):
    gh = park["park"].greenhouses[1]
    crop = plantings.find_crop(session, "tomato")
    a = make_planting(session, gh, crop, area="400")
    make_planting(session, gh, crop, area="400")
    plantings.end_planting(session, a.id, PlantingEnd(ended_on=clock.today()))
    assert gh.status == "active"


def test_plantings_service_end_in_the_future_or_before_planting(session, park):
    with pytest.raises(Invalid):
        plantings.end_planting(session, park["planting_id"], PlantingEnd(ended_on=clock.today() + timedelta(days=1)))
    with pytest.raises(Invalid):
        plantings.end_planting(session, park["planting_id"], PlantingEnd(ended_on=date(2026, 8, 31)))


def test_plantings_service_patch_null_clears_text_and_date_but_not_required_fields(session, park):
    pid = park["planting_id"]
    plantings.update_planting(session, pid, parse(PlantingChange, {"notes": "x", "expected_harvest_on": "2026-11-01"}))
    plantings.update_planting(session, pid, PlantingChange.model_validate({"notes": None, "expected_harvest_on": None}))
    planting = session.get(Planting, pid)
    assert planting.notes == "" and planting.expected_harvest_on is None
    for name in ("area_m2", "planted_on", "status"):
        with pytest.raises(Invalid) as info:
            plantings.update_planting(session, pid, PlantingChange.model_validate({name: None}))
        assert name in info.value.fields


# --- the pages --------------------------------------------------------------------------------------

def test_plantings_page_start(client, session, park):
    token = _manager(client)
    assert client.get("/greenhouses/GH-002/plantings/new").status_code == 200
    response = client.post("/greenhouses/GH-002/plantings/new", data={
        "csrf_token": token, "crop": "tomato", "variety": "普罗旺斯", "planted_on": "2026-10-01",
        "area_m2": "750.5", "expected_harvest_on": "", "notes": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/greenhouses/GH-002")
    gh = _gh(session, "GH-002")
    assert gh.status == "active"
    [planting] = gh.plantings
    assert planting.area_m2 == Decimal("750.50") and planting.expected_harvest_on is None
    page = client.get("/greenhouses/GH-002").get_data(as_text=True)
    assert "普罗旺斯" in page


@pytest.mark.parametrize("form,status,field", [
    ({"area_m2": "900"}, 422, "area_m2"),
    ({"area_m2": "abc"}, 422, "area_m2"),
    ({"expected_harvest_on": "2026-09-01"}, 422, "expected_harvest_on"),
    ({"crop": ""}, 422, "crop"),
    ({"planted_on": ""}, 422, "planted_on"),
])
def test_plantings_page_start_invalid_shows_field_error(client, session, park, form, status, field):
    token = _manager(client)
    data = {"csrf_token": token, "crop": "tomato", "planted_on": "2026-10-01", "area_m2": "500"}
    data.update(form)
    before = _count(session)
    response = client.post("/greenhouses/GH-002/plantings/new", data=data)
    assert response.status_code == status
    assert _field_error(response.get_data(as_text=True), field)
    assert _count(session) == before
    assert _gh(session, "GH-002").status == "idle"


def test_plantings_page_start_in_a_full_greenhouse_gives_409(client, session, park):
    token = _manager(client)
    before = _count(session)
    response = client.post("/greenhouses/GH-001/plantings/new", data={
        "csrf_token": token, "crop": "tomato", "planted_on": "2026-10-01", "area_m2": "10"})
    assert response.status_code == 409
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _count(session) == before


def test_plantings_page_without_csrf_changes_nothing(client, session, park):
    _manager(client)
    before = _count(session)
    response = client.post("/greenhouses/GH-002/plantings/new", data={
        "crop": "tomato", "planted_on": "2026-10-01", "area_m2": "500"})
    assert response.status_code == 400
    assert _count(session) == before


def test_plantings_page_unknown_greenhouse_gives_404(client, park):
    _manager(client)
    assert client.get("/greenhouses/GH-999/plantings/new").status_code == 404
    assert client.get("/plantings/9999/edit").status_code == 404


def test_plantings_page_edit(client, session, park):
    token = _manager(client)
    pid = park["planting_id"]
    assert client.get(f"/plantings/{pid}/edit").status_code == 200
    response = client.post(f"/plantings/{pid}/edit", data={
        "csrf_token": token, "variety": "中农26号", "planted_on": "2026-09-01", "area_m2": "700",
        "expected_harvest_on": "2026-10-20", "status": "harvesting", "notes": "第一茬"})
    assert response.status_code == 302
    session.expire_all()
    planting = session.get(Planting, pid)
    assert (planting.variety, planting.area_m2, planting.status, planting.notes) == (
        "中农26号", Decimal("700.00"), "harvesting", "第一茬")
    # Emptying the notes and the expected date clears them.
    response = client.post(f"/plantings/{pid}/edit", data={
        "csrf_token": token, "variety": "中农26号", "planted_on": "2026-09-01", "area_m2": "700",
        "expected_harvest_on": "", "status": "harvesting", "notes": ""})
    assert response.status_code == 302
    session.expire_all()
    planting = session.get(Planting, pid)
    assert planting.notes == "" and planting.expected_harvest_on is None


def test_plantings_page_edit_invalid_keeps_the_planting(client, session, park):
    token = _manager(client)
    pid = park["planting_id"]
    response = client.post(f"/plantings/{pid}/edit", data={
        "csrf_token": token, "planted_on": "2026-09-01", "area_m2": "801", "status": "growing"})
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "area_m2")
    session.expire_all()
    assert session.get(Planting, pid).area_m2 == Decimal("800.00")


def test_plantings_page_end(client, session, park):
    token = _manager(client)
    pid = park["planting_id"]
    assert client.get(f"/plantings/{pid}/end").status_code == 200
    bad = client.post(f"/plantings/{pid}/end", data={"csrf_token": token, "ended_on": "2026-08-01"})
    assert bad.status_code == 422 and _field_error(bad.get_data(as_text=True), "ended_on")
    response = client.post(f"/plantings/{pid}/end", data={"csrf_token": token, "ended_on": "2026-10-10"})
    assert response.status_code == 302
    session.expire_all()
    planting = session.get(Planting, pid)
    assert planting.status == "ended" and planting.ended_on == date(2026, 10, 10)
    assert planting.greenhouse.status == "idle"
    again = client.post(f"/plantings/{pid}/end", data={"csrf_token": token, "ended_on": "2026-10-11"})
    assert again.status_code == 409


@pytest.mark.parametrize("role", ["viewer", "worker"])
def test_plantings_pages_refused_to_viewer_and_worker(client, session, park, role):
    login(client, role, PASSWORD)
    token = csrf_token(client, "/login")
    pid = park["planting_id"]
    assert client.get("/greenhouses/GH-002/plantings/new").status_code == 403
    assert client.get(f"/plantings/{pid}/edit").status_code == 403
    response = client.post(f"/plantings/{pid}/end", data={"csrf_token": token, "ended_on": "2026-10-10"})
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Planting, pid).status == "growing"


def test_plantings_page_park_overview_counts(client, session, park):
    _manager(client)
    page = client.get("/park").get_data(as_text=True)
    assert "GH-001" in page and "GH-003" in page
    filtered = client.get("/park?crop=cucumber").get_data(as_text=True)
    assert "GH-001" in filtered


def test_plantings_two_at_once_cannot_fill_the_same_area(database, session, park):
    """Two managers starting a planting in the same greenhouse at the same moment: one wins, the other gets 409."""
    if database.dialect != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite lets one writer at a time")
    import threading

    first, second = database.session(), database.session()
    data = PlantingIn(greenhouse="GH-002", crop="tomato", planted_on=date(2026, 10, 1), area_m2=Decimal("800"))
    plantings.start_planting(first, data)
    outcome = {}

    def other():
        try:
            plantings.start_planting(second, data)
            second.commit()
            outcome["result"] = "stored"
        except Conflict:
            second.rollback()
            outcome["result"] = "conflict"

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(1)
    assert thread.is_alive(), "the second request waits for the first"
    first.commit()
    thread.join(30)
    first.close()
    second.close()
    assert outcome["result"] == "conflict"
    assert len(_gh(session, "GH-002").plantings) == 1


# --- the rule: which plantings are active ------------------------------------------------------------

PLANTED = date(2026, 10, 10)
ENDED = date(2026, 10, 20)
# (name, planted on, status, ended on)
RULE_CASES = [
    ("growing", PLANTED, "growing", None),
    ("harvesting", PLANTED, "harvesting", None),
    ("planned_later", PLANTED, "planned", None),
    ("ended_on_a_day", PLANTED, "ended", ENDED),
    ("ended_without_date", PLANTED, "ended", None),
]
# day -> the cases active that day (None: not ended, whatever the date)
RULE_EXPECTED = {
    None: {"growing", "harvesting", "planned_later"},
    PLANTED - timedelta(days=1): set(),  # nothing is in the ground before it is planted, planned or not
    PLANTED: {"growing", "harvesting", "planned_later", "ended_on_a_day"},  # the planting day counts
    ENDED: {"growing", "harvesting", "planned_later", "ended_on_a_day"},  # and so does the end day
    ENDED + timedelta(days=1): {"growing", "harvesting", "planned_later"},  # ended before the day: not
}


@pytest.fixture
def rule_plantings(session):
    p = make_park(session, greenhouses=len(RULE_CASES))
    crop = make_crop(session)
    made = {}
    for (name, planted_on, status, ended_on), gh in zip(RULE_CASES, p.greenhouses):
        planting = make_planting(session, gh, crop, planted_on=planted_on, status=status)
        planting.ended_on = ended_on
        made[name] = planting
    session.commit()
    return made


@pytest.mark.parametrize("day", list(RULE_EXPECTED), ids=lambda d: str(d))
def test_plantings_rule_active_on_a_day(session, rule_plantings, day):
    by_id = {p.id: name for name, p in rule_plantings.items()}
    in_query = {by_id[i] for i in session.scalars(select(Planting.id).where(plantings.active_on(day)))}
    loaded = {name for name, p in rule_plantings.items() if plantings.is_active(p, day)}
    assert in_query == loaded == RULE_EXPECTED[day]


def test_plantings_rule_active_plantings_and_current_planting_of_a_greenhouse(session, park):
    gh = park["park"].greenhouses[1]
    crop = plantings.find_crop(session, "tomato")
    small = make_planting(session, gh, crop, area="200", planted_on=date(2026, 9, 1))
    large = make_planting(session, gh, crop, area="500", planted_on=date(2026, 9, 5))
    later = make_planting(session, gh, crop, area="100", planted_on=date(2026, 12, 1), status="planned")
    session.commit()
    assert plantings.active_plantings(gh) == [large, small, later]  # largest first; planned ones hold area
    assert plantings.current_planting(gh) is large
    assert plantings.active_plantings(gh, date(2026, 9, 3)) == [small]
    assert plantings.current_planting(gh, date(2026, 8, 1)) is None
    assert plantings.active_plantings(gh, date(2026, 12, 1)) == [large, small, later]


def test_plantings_rule_ended_today_gives_its_area_back_but_was_active_today(session, park):
    pid = park["planting_id"]
    plantings.end_planting(session, pid, PlantingEnd(ended_on=clock.today()))
    planting = plantings.get_planting(session, pid)
    assert not plantings.is_active(planting) and plantings.active_plantings(planting.greenhouse) == []
    assert plantings.is_active(planting, clock.today())
    assert not plantings.is_active(planting, clock.today() + timedelta(days=1))
