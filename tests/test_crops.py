"""Crops and their climate ranges: the list, and the manager's edit form."""
from __future__ import annotations

from decimal import Decimal

import pytest

from farm.errors import Invalid
from farm.inputs.park import CropIn
from farm.models.crops import Crop
from farm.services import crops
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_crop

RANGES = {"day_temp_min": Decimal(25), "day_temp_max": Decimal(29), "night_temp_min": Decimal(18),
          "night_temp_max": Decimal(22), "humidity_min": Decimal(60), "humidity_max": Decimal(85)}


@pytest.fixture
def cucumber(session, users):
    crop = make_crop(session, **RANGES)
    session.commit()
    return crop


def _form(token, **changes):
    data = {"csrf_token": token, "name_zh": "黄瓜", "name_en": "Cucumber", "varieties": "津优35号、中农26号",
            "day_temp_min": "24", "day_temp_max": "30", "night_temp_min": "16", "night_temp_max": "20",
            "chill_slow_c": "13", "chill_stop_c": "5", "frost_kill_c": "-1",
            "heat_impair_c": "35", "heat_stop_c": "40", "heat_injury_c": "45",
            "humidity_min": "60", "humidity_max": "85", "soil_temp_min": "", "soil_temp_max": "",
            "co2_min": "400", "co2_max": "1200"}
    data.update(changes)
    return data


def _crop(session):
    session.expire_all()
    return session.query(Crop).filter_by(code="cucumber").one()


def test_crops_list_shows_ranges(client, cucumber):
    login(client, "viewer", PASSWORD)
    response = client.get("/crops")
    assert response.status_code == 200
    assert "黄瓜" in response.get_data(as_text=True)


def test_crops_edit_saves_ranges_and_varieties(client, session, cucumber):
    login(client, "manager", PASSWORD)
    assert client.get("/crops/cucumber/edit").status_code == 200
    response = client.post("/crops/cucumber/edit", data=_form(csrf_token(client, "/crops")))
    assert response.status_code == 302
    crop = _crop(session)
    assert crop.day_temp_min == Decimal("24.0") and crop.night_temp_min == Decimal("16.0")
    assert crop.frost_kill_c == Decimal("-1.0") and crop.soil_temp_min is None
    assert sorted(v.name for v in crop.varieties) == ["中农26号", "津优35号"]
    # Varieties may also be separated by commas; a removed one goes, duplicates collapse.
    client.post("/crops/cucumber/edit", data=_form(csrf_token(client, "/crops"), varieties="津优35号, 津优35号,新一号"))
    assert sorted(v.name for v in _crop(session).varieties) == ["新一号", "津优35号"]


@pytest.mark.parametrize("changes,field", [
    ({"day_temp_min": "31", "day_temp_max": "30"}, "day_temp_max"),
    ({"night_temp_min": "22", "night_temp_max": "20"}, "night_temp_max"),
    ({"humidity_min": "90", "humidity_max": "85"}, "humidity_max"),
    ({"humidity_max": "120"}, "humidity_max"),
    ({"frost_kill_c": "6"}, "chill_stop_c"),
    ({"heat_stop_c": "50"}, "heat_injury_c"),
    ({"co2_min": "-5"}, "co2_min"),
    ({"day_temp_min": "warm"}, "day_temp_min"),
    ({"day_temp_min": "24.55"}, "day_temp_min"),
    ({"name_zh": ""}, "name_zh"),
])
def test_crops_edit_bad_ranges_give_field_errors_and_change_nothing(client, session, cucumber, changes, field):
    login(client, "manager", PASSWORD)
    response = client.post("/crops/cucumber/edit", data=_form(csrf_token(client, "/crops"), **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="e-{field}"' in page, field
    crop = _crop(session)
    assert crop.day_temp_min == Decimal(25) and crop.humidity_max == Decimal(85) and crop.varieties == []


def test_crops_edit_refused_to_viewer(client, session, cucumber):
    login(client, "viewer", PASSWORD)
    assert client.get("/crops/cucumber/edit").status_code == 403
    response = client.post("/crops/cucumber/edit", data=_form(csrf_token(client, "/crops"), day_temp_min="1"))
    assert response.status_code == 403
    assert _crop(session).day_temp_min == Decimal(25)


def test_crops_edit_without_csrf_or_unknown_crop(client, session, cucumber):
    login(client, "manager", PASSWORD)
    data = _form("")
    del data["csrf_token"]
    assert client.post("/crops/cucumber/edit", data=data).status_code == 400
    assert _crop(session).day_temp_min == Decimal(25)
    assert client.get("/crops/durian/edit").status_code == 404


def test_crops_service_check_climate(session, cucumber):
    crops.check_climate({"day_temp_min": Decimal(20), "day_temp_max": Decimal(20)})
    with pytest.raises(Invalid) as info:
        crops.check_climate({"soil_temp_min": Decimal(30), "soil_temp_max": Decimal(20)})
    assert set(info.value.fields) == {"soil_temp_max"}
    data = CropIn(name_zh="黄瓜", name_en="Cucumber", varieties="")
    crop = crops.update_crop(session, "cucumber", data)
    assert crop.day_temp_min is None
