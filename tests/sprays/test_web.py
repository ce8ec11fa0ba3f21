"""Spraying pages: the record form (a product from the list fills the rest), the records by greenhouse and month,
the product list, and the interval on the worker's harvest page (refused without script, a manager's override), on
the greenhouse page and in a harvest's history."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from farm.inputs.sprays import SprayIn
from farm.models.harvest import Harvest
from farm.models.sprays import Spray, SprayOverride, SprayProduct
from farm.services import sprays
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def sprayed(session, farm, at="2026-11-19T17:00:00+08:00", phi_days=None, greenhouse="GH-001"):
    """A spray of the farm's product (3 days) in GH-001 on the 19th: harvest allowed from the 22nd."""
    spray = sprays.record_spray(session, SprayIn(
        greenhouse=greenhouse, applied_at=datetime.fromisoformat(at), product="吡虫啉", phi_days=phi_days,
        dose=20, target="蚜虫", operator=farm.worker.worker_id), farm.users["manager"])
    session.commit()
    return spray


def spray_form(client, **fields):
    data = {"csrf_token": csrf_token(client, "/sprays/new"), "greenhouse": "GH-001",
            "applied_at": "2026-11-20T08:30", "product": "吡虫啉", "dose": "20", "dose_unit": "ml", "water_l": "15",
            "target": "蚜虫", **fields}
    return client.post("/sprays/new", data=data)


def test_manager_records_a_spray_on_the_form_and_the_product_fills_the_rest(client, session, farm):
    login(client, "manager", PASSWORD)
    page = client.get("/sprays/new?gh=GH-001").get_data(as_text=True)
    assert "登记施药" in page and 'data-phi="3"' in page and "js/sprays.js" in page
    r = spray_form(client, operator=str(farm.worker.worker_id))
    assert r.status_code == 302, r.get_data(as_text=True)
    spray = session.scalars(select(Spray)).one()
    assert (spray.registration_no, spray.phi_days, str(spray.harvest_allowed_from)) == ("PD20081234", 3, "2026-11-23")
    listing = client.get(r.location).get_data(as_text=True)
    assert "2026-11-23" in listing and "吡虫啉" in listing and "PD20081234" in listing


def test_spray_form_errors_are_shown_in_chinese_and_store_nothing(client, session, farm):
    login(client, "manager", PASSWORD)
    for change, error in (({"dose": "-5"}, "dose"), ({"dose": "abc"}, "dose"), ({"operator": "999999"}, "operator"),
                          ({"greenhouse": "GH-404"}, "greenhouse"), ({"phi_days": "-1"}, "phi_days"),
                          ({"registration_no": "XX1"}, "registration_no")):
        r = spray_form(client, **{"operator": str(farm.worker.worker_id), **change})
        assert r.status_code == 422, change
        text = r.get_data(as_text=True)
        assert f'id="e-{error}"' in text if error not in ("greenhouse", "operator") else "has-error" in text
    r = spray_form(client)  # no operator
    assert r.status_code == 422 and "必填" in r.get_data(as_text=True)
    assert count(session, Spray) == 0


def test_records_filter_by_greenhouse_and_month(client, session, farm):
    sprayed(session, farm)
    sprayed(session, farm, at="2026-10-05T17:00:00+08:00", greenhouse="GH-002")
    login(client, "viewer", PASSWORD)
    november = client.get("/sprays?month=2026-11").get_data(as_text=True)
    assert "2026-11-19 17:00" in november and "2026-10-05" not in november
    october = client.get("/sprays?month=2026-10&greenhouse=GH-002").get_data(as_text=True)
    assert "2026-10-05 17:00" in october
    assert "2026-10-05 17:00" not in client.get("/sprays?month=2026-10&greenhouse=GH-001").get_data(as_text=True)
    assert client.get("/sprays?month=2026-13").status_code in (400, 422)
    assert "登记施药" not in november  # a viewer reads only


def test_product_list_kept_by_managers(client, session, farm):
    login(client, "manager", PASSWORD)
    token = csrf_token(client, "/sprays/products/new")
    bad = client.post("/sprays/products/new", data={"csrf_token": token, "name": "阿维菌素",
                                                     "registration_no": "PD2008", "active_ingredient": "阿维菌素 1.8%",
                                                     "phi_days": "2", "active": "on"})
    assert bad.status_code == 422 and "PD20081234" in bad.get_data(as_text=True)
    ok = client.post("/sprays/products/new", data={"csrf_token": token, "name": "阿维菌素",
                                                    "registration_no": "PD20080506", "active_ingredient": "阿维菌素 1.8%",
                                                    "phi_days": "2", "active": "on"})
    assert ok.status_code == 302
    product = session.scalars(select(SprayProduct).where(SprayProduct.name == "阿维菌素")).one()
    retire = client.post(f"/sprays/products/{product.id}/edit", data={
        "csrf_token": token, "name": "阿维菌素", "registration_no": "PD20080506",
        "active_ingredient": "阿维菌素 1.8%", "phi_days": "3"})
    assert retire.status_code == 302
    session.expire_all()
    assert (product.active, product.phi_days) == (False, 3)
    assert "阿维菌素" not in client.get("/sprays/new").get_data(as_text=True)  # no longer offered
    assert "阿维菌素" in client.get("/sprays/products").get_data(as_text=True)


def test_the_worker_sees_the_interval_and_the_form_refuses_a_harvest_inside_it(client, session, farm):
    sprayed(session, farm)  # allowed from the 22nd; today is the 20th
    login(client, "worker", PASSWORD)
    page = client.get("/harvest?gh=GH-001").get_data(as_text=True)
    assert "尚未结束的安全间隔期" in page and "2026-11-22 起可采收" in page and "data-blocked" in page
    r = client.post("/harvest", data={"csrf_token": csrf_token(client, "/harvest"), "greenhouse": "GH-001",
                                      "weight": "20", "unit": "kg", "grade": "grade1"})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "GH-001 于 2026-11-19 喷施了吡虫啉" in text and "2026-11-22 起方可采收" in text
    assert 'name="interval_override"' not in text  # not offered to a worker
    refused = client.post("/harvest", data={"csrf_token": csrf_token(client, "/harvest"), "greenhouse": "GH-001",
                                            "weight": "20", "unit": "kg", "grade": "grade1",
                                            "interval_override": "急用"})
    assert refused.status_code == 403 and "只有管理人员" in refused.get_data(as_text=True)
    assert count(session, Harvest) == 0


def test_a_manager_overrides_on_the_page_and_the_record_shows_it(client, session, farm):
    sprayed(session, farm)
    login(client, "manager", PASSWORD)
    assert 'name="interval_override"' in client.get("/harvest").get_data(as_text=True)
    r = client.post("/harvest", data={"csrf_token": csrf_token(client, "/harvest"), "greenhouse": "GH-001",
                                      "weight": "20", "unit": "kg", "grade": "grade1",
                                      "interval_override": "农残快检合格"})
    assert r.status_code == 302, r.get_data(as_text=True)
    override = session.scalars(select(SprayOverride)).one()
    detail = client.get(f"/harvests/{override.harvest_id}").get_data(as_text=True)
    assert "安全间隔期内特批采收" in detail and "农残快检合格" in detail and "2026-11-22" in detail


def test_the_greenhouse_page_shows_the_interval_still_running(client, session, farm):
    sprayed(session, farm)
    login(client, "viewer", PASSWORD)
    page = client.get("/greenhouses/GH-001").get_data(as_text=True)
    assert "GH-001 于 2026-11-19 喷施了吡虫啉" in page and "2026-11-22 起方可采收" in page
    assert "没有正在计算的安全间隔期" in client.get("/greenhouses/GH-002").get_data(as_text=True)


def test_an_interval_over_is_no_longer_shown(client, session, farm, frozen_clock):
    sprayed(session, farm)
    frozen_clock.set(datetime(2026, 11, 21, 16, 0, tzinfo=timezone.utc))  # the 22nd, 00:00 in the park
    login(client, "worker", PASSWORD)
    assert "尚未结束的安全间隔期" not in client.get("/harvest").get_data(as_text=True)


def test_who_sees_the_spray_pages(client, session, farm):
    for role, record, read in (("manager", 200, 200), ("admin", 200, 200), ("viewer", 403, 200),
                               ("worker", 403, 403), ("official", 403, 403)):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        login(client, role, PASSWORD)
        assert client.get("/sprays/new").status_code == record, role
        assert client.get("/sprays/products/new").status_code == record, role
        assert client.get("/sprays").status_code == read, role
        assert client.get("/sprays/products").status_code == read, role


def test_a_manager_moving_a_harvest_into_an_interval_on_the_correction_page_gives_a_reason(client, session, farm):
    sprayed(session, farm)  # the 19th at 17:00, allowed from the 22nd
    from farm.inputs.harvest import HarvestIn
    from farm.services import harvest as harvests

    h, _new = harvests.log_harvest(session, HarvestIn(greenhouse="GH-001", weight_kg=10, grade="grade1",
                                                      harvested_at=datetime(2026, 11, 19, 8, 0)),
                                   farm.users["manager"])
    session.commit()
    login(client, "manager", PASSWORD)
    form = {"csrf_token": csrf_token(client, f"/harvests/{h.id}/edit"), "greenhouse": "GH-001", "weight_kg": "10",
            "grade": "grade1", "harvested_at": "2026-11-20T08:00", "reason": "时间录错"}
    refused = client.post(f"/harvests/{h.id}/edit", data=form)
    assert refused.status_code == 422 and "2026-11-22 起方可采收" in refused.get_data(as_text=True)
    assert 'name="interval_override"' in refused.get_data(as_text=True)
    ok = client.post(f"/harvests/{h.id}/edit", data={**form, "interval_override": "复检合格"})
    assert ok.status_code == 302, ok.get_data(as_text=True)
    assert session.scalars(select(SprayOverride)).one().reason == "复检合格"


def test_product_form_keeps_an_interval_per_crop(client, session, farm):
    login(client, "manager", PASSWORD)
    token = csrf_token(client, "/sprays/products/new")
    page = client.get(f"/sprays/products/{farm.product.id}/edit").get_data(as_text=True)
    assert 'name="crop_phi_cucumber"' in page
    data = {"csrf_token": token, "name": "吡虫啉", "registration_no": "PD20081234", "active_ingredient": "吡虫啉 10%",
            "phi_days": "3", "active": "on"}
    bad = client.post(f"/sprays/products/{farm.product.id}/edit", data={**data, "crop_phi_cucumber": "-2"})
    assert bad.status_code == 422 and 'id="e-crop_phi_cucumber"' in bad.get_data(as_text=True)
    ok = client.post(f"/sprays/products/{farm.product.id}/edit", data={**data, "crop_phi_cucumber": "5"})
    assert ok.status_code == 302
    session.expire_all()
    assert sprays.crop_intervals(farm.product) == {"cucumber": 5}
    form = client.get("/sprays/new").get_data(as_text=True)
    assert "data-crops=\"{&#34;cucumber&#34;:5}\"" in form and 'data-crop="cucumber"' in form
    assert "黄瓜 5" in client.get("/sprays/products").get_data(as_text=True)
