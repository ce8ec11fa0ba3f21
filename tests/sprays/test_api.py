"""POST/GET /api/v1/sprays and the interval rule through the harvest API: the last refused day and the first
allowed day in the park's days, a manager's override with a reason, a worker's refused, bad input, roles."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from farm.models.harvest import Harvest, HarvestChange
from farm.models.sprays import Spray, SprayOverride

SPRAY = {"greenhouse": "GH-001", "applied_at": "2026-11-10T15:00:00+08:00", "product": "吡虫啉", "dose": 20,
         "dose_unit": "ml", "water_l": 15, "target": "蚜虫"}
HARVEST = {"greenhouse": "GH-001", "weight_kg": 12.5, "grade": "grade1"}


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def spray(client, auth, farm, **change):
    body = {**SPRAY, "operator": farm.worker.worker_id, **change}
    return client.post("/api/v1/sprays", json=body, headers=auth["manager"])


def harvest_at(client, auth, when: str, role: str = "manager", **change):
    return client.post("/api/v1/harvests", json={**HARVEST, "harvested_at": when, **change}, headers=auth[role])


def test_a_spray_from_the_list_takes_its_registration_ingredient_and_interval(client, session, farm, auth):
    r = spray(client, auth, farm)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["id"] and body["harvest_allowed_from"] == "2026-11-13" and body["applied_on"] == "2026-11-10"
    assert (body["registration_no"], body["active_ingredient"], body["phi_days"]) == ("PD20081234", "吡虫啉 10%", 3)
    assert body["product_id"] == farm.product.id and body["operator"] == farm.worker.worker_id
    assert body["dose"] == 20 and body["dose_unit"] == "ml" and body["water_l"] == 15
    listed = client.get("/api/v1/sprays?greenhouse=GH-001&from=2026-11-10&to=2026-11-11", headers=auth["viewer"])
    assert [item["id"] for item in listed.get_json()["items"]] == [body["id"]]
    assert client.get("/api/v1/sprays?from=2026-11-11", headers=auth["viewer"]).get_json()["items"] == []


def test_a_typed_interval_overrides_the_products_and_a_late_evening_spray_counts_on_its_park_day(
        client, session, farm, auth):
    # 23:30 on the 10th in the park is 15:30 UTC the same day; 00:30 on the 11th is still the 10th in UTC.
    late = spray(client, auth, farm, applied_at="2026-11-10T23:30:00+08:00", phi_days=1).get_json()
    after_midnight = spray(client, auth, farm, applied_at="2026-11-10T16:30:00+00:00", phi_days=1).get_json()
    assert (late["applied_on"], late["harvest_allowed_from"]) == ("2026-11-10", "2026-11-11")
    assert (after_midnight["applied_on"], after_midnight["harvest_allowed_from"]) == ("2026-11-11", "2026-11-12")


def test_interval_edges_through_the_api(client, session, farm, auth):
    assert spray(client, auth, farm).status_code == 201  # 2026-11-10 15:00, 3 days: allowed from the 13th
    # Picked that morning, before the spray: allowed.
    assert harvest_at(client, auth, "2026-11-10T08:00:00+08:00").status_code == 201
    # The last refused moment: the 12th at 23:59 park time.
    refused = harvest_at(client, auth, "2026-11-12T23:59:00+08:00", role="worker")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "pre_harvest_interval"
    assert error["fields"]["harvest_allowed_from"] == "2026-11-13"
    for text in ("吡虫啉", "2026-11-10", "2026-11-13", "GH-001"):
        assert text in error["fields"]["greenhouse"] and text in error["message"]
    assert count(session, Harvest) == 1
    # The first allowed moment: the 13th at 00:00 park time.
    assert harvest_at(client, auth, "2026-11-13T00:00:00+08:00", role="worker").status_code == 201
    assert count(session, Harvest) == 2


def test_the_refusal_speaks_english_to_an_english_user(client, session, farm, auth):
    spray(client, auth, farm)
    chinese = harvest_at(client, auth, "2026-11-11T08:00:00+08:00", role="worker").get_json()["error"]["message"]
    assert chinese == "GH-001 于 2026-11-10 喷施了吡虫啉，安全间隔期内不得采收：2026-11-13 起方可采收。"
    farm.worker.language = "en"
    session.commit()
    r = harvest_at(client, auth, "2026-11-11T08:00:00+08:00", role="worker")
    message = r.get_json()["error"]["message"]
    assert r.status_code == 422 and "sprayed with 吡虫啉 on 2026-11-10" in message and "allowed from 2026-11-13" in message


def test_an_interval_of_zero_days_refuses_nothing(client, session, farm, auth):
    assert spray(client, auth, farm, phi_days=0).get_json()["harvest_allowed_from"] == "2026-11-10"
    assert harvest_at(client, auth, "2026-11-10T16:00:00+08:00").status_code == 201


def test_a_spray_in_another_greenhouse_does_not_refuse(client, session, farm, auth):
    spray(client, auth, farm, greenhouse="GH-002")
    assert harvest_at(client, auth, "2026-11-11T08:00:00+08:00").status_code == 201


def test_the_longest_running_interval_is_the_one_named(client, session, farm, auth):
    spray(client, auth, farm)  # allowed from the 13th
    spray(client, auth, farm, applied_at="2026-11-11T15:00:00+08:00", product="百菌清", registration_no="PD20096543",
          active_ingredient="百菌清 75%", phi_days=7)  # allowed from the 18th
    r = harvest_at(client, auth, "2026-11-14T08:00:00+08:00")
    assert r.get_json()["error"]["fields"]["harvest_allowed_from"] == "2026-11-18"
    assert "百菌清" in r.get_json()["error"]["message"]


def test_a_manager_overrides_with_a_reason_kept_on_the_harvest_and_in_its_history(client, session, farm, auth):
    spray(client, auth, farm)
    r = harvest_at(client, auth, "2026-11-11T08:00:00+08:00", interval_override="检测合格，农残未检出")
    assert r.status_code == 201, r.get_json()
    override = session.scalars(select(SprayOverride)).one()
    assert override.harvest_id == r.get_json()["id"] and override.reason == "检测合格，农残未检出"
    assert str(override.harvest_allowed_from) == "2026-11-13" and override.overridden_by_id == farm.users["manager"].id
    detail = client.get(f"/api/v1/harvests/{r.get_json()['id']}", headers=auth["manager"]).get_json()
    change = detail["changes"][0]
    assert change["action"] == "override" and change["reason"] == "检测合格，农残未检出"
    assert change["after"] == {"product": "吡虫啉", "sprayed_on": "2026-11-10", "harvest_allowed_from": "2026-11-13"}


def test_a_worker_cannot_override(client, session, farm, auth):
    spray(client, auth, farm)
    r = harvest_at(client, auth, "2026-11-11T08:00:00+08:00", role="worker", interval_override="急用")
    assert r.status_code == 403 and "interval_override" in r.get_json()["error"]["fields"]
    assert count(session, Harvest) == 0 and count(session, SprayOverride) == 0


def test_a_correction_moving_a_harvest_into_an_interval_is_refused_unless_overridden(client, session, farm, auth):
    spray(client, auth, farm)
    h = harvest_at(client, auth, "2026-11-09T08:00:00+08:00").get_json()
    moved = client.patch(f"/api/v1/harvests/{h['id']}", json={"harvested_at": "2026-11-12T08:00:00+08:00"},
                         headers=auth["manager"])
    assert moved.status_code == 422 and moved.get_json()["error"]["fields"]["harvest_allowed_from"] == "2026-11-13"
    session.expire_all()
    assert str(session.get(Harvest, h["id"]).day) == "2026-11-09"
    ok = client.patch(f"/api/v1/harvests/{h['id']}", json={"harvested_at": "2026-11-12T08:00:00+08:00",
                                                             "interval_override": "补录"}, headers=auth["manager"])
    assert ok.status_code == 200, ok.get_json()
    assert [c["action"] for c in ok.get_json()["changes"]] == ["correct", "override"]


def test_a_product_not_on_the_list_needs_registration_ingredient_and_interval(client, session, farm, auth):
    r = spray(client, auth, farm, product="苦参碱")
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"registration_no", "active_ingredient", "phi_days"}
    ok = spray(client, auth, farm, product="苦参碱", registration_no="pd 20132345", active_ingredient="苦参碱 0.3%",
               phi_days=2)
    assert ok.status_code == 201 and ok.get_json()["registration_no"] == "PD20132345"
    assert ok.get_json()["product_id"] is None


@pytest.mark.parametrize("change, field", [
    ({"greenhouse": "GH-404"}, "greenhouse"), ({"operator": 999999}, "operator"), ({"dose": -5}, "dose"),
    ({"dose": 0}, "dose"), ({"phi_days": -1}, "phi_days"), ({"phi_days": "3"}, "phi_days"),
    ({"phi_days": 2.5}, "phi_days"), ({"dose": True}, "dose"), ({"operator": "1"}, "operator"),
    ({"operator": None}, "operator"), ({"applied_at": 0}, "applied_at"),
    ({"applied_at": "2099-01-01T08:00:00+08:00"}, "applied_at"), ({"registration_no": "AB123"}, "registration_no"),
    ({"registration_no": "PD2008123"}, "registration_no"), ({"dose_unit": "kg"}, "dose_unit"),
    ({"water_l": -1}, "water_l"), ({"target": ""}, "target"), ({"product": ""}, "product"),
    ({"greenhouse": 7}, "greenhouse"),
])
def test_bad_spray_input_is_422_naming_the_field_and_stores_nothing(client, session, farm, auth, change, field):
    r = spray(client, auth, farm, **change)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"]
    assert count(session, Spray) == 0


def test_a_missing_operator_is_422(client, session, farm, auth):
    body = {**SPRAY}
    r = client.post("/api/v1/sprays", json=body, headers=auth["manager"])
    assert r.status_code == 422 and "operator" in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("role, status", [("admin", 201), ("manager", 201), ("worker", 403), ("viewer", 403),
                                          ("official", 403)])
def test_who_records_sprays(client, session, farm, auth, role, status):
    r = client.post("/api/v1/sprays", json={**SPRAY, "operator": farm.worker.worker_id}, headers=auth[role])
    assert r.status_code == status


@pytest.mark.parametrize("role, status", [("admin", 200), ("manager", 200), ("viewer", 200), ("worker", 403),
                                          ("official", 403)])
def test_who_reads_sprays_and_products(client, session, farm, auth, role, status):
    assert client.get("/api/v1/sprays", headers=auth[role]).status_code == status
    assert client.get("/api/v1/spray-products", headers=auth[role]).status_code == status


def test_products_are_kept_by_managers_with_a_checked_registration_number(client, session, farm, auth):
    body = {"name": "啶虫脒", "registration_no": "PD20070345", "active_ingredient": "啶虫脒 5%", "phi_days": 2}
    assert client.post("/api/v1/spray-products", json=body, headers=auth["worker"]).status_code == 403
    r = client.post("/api/v1/spray-products", json=body, headers=auth["manager"])
    assert r.status_code == 201 and r.get_json()["phi_days"] == 2
    again = client.post("/api/v1/spray-products", json=body, headers=auth["manager"])
    assert again.status_code == 422 and "name" in again.get_json()["error"]["fields"]
    bad = client.post("/api/v1/spray-products", json={**body, "name": "x", "registration_no": "PD-2007"},
                      headers=auth["manager"])
    assert bad.status_code == 422 and "registration_no" in bad.get_json()["error"]["fields"]
    names = [p["name"] for p in client.get("/api/v1/spray-products", headers=auth["viewer"]).get_json()["items"]]
    assert names == sorted(["吡虫啉", "啶虫脒"])


def test_history_records_the_override_once_per_harvest(client, session, farm, auth):
    spray(client, auth, farm)
    harvest_at(client, auth, "2026-11-11T08:00:00+08:00", interval_override="复检合格")
    assert count(session, HarvestChange) == 1
