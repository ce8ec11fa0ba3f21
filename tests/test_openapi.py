"""GET /api/v1/openapi.json: generated from the URL map, and the answers the API gives fit it: every documented GET is
walked on a small park and each answer validated against the document."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from jsonschema import Draft202012Validator

from farm.api.openapi import build_spec
from farm.vocab import Grade
from tests.factories import bearer, make_crop, make_device, make_park, make_users, token_for
from tests.land.factories import contract_data


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _operation(spec: dict, method: str, path: str) -> tuple[str, dict]:
    """The spec's path template matching a concrete path, and its operation for the method; a template with fewer
    parameters first, as the router prefers `/assets/returns` to `/assets/{asset_id}`."""
    path = path.split("?", 1)[0]
    for template, operations in sorted(spec["paths"].items(), key=lambda item: item[0].count("{")):
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    raise AssertionError(f"openapi.json has no operation for {method} {path}")


def check_response(app, method: str, path: str, response) -> None:
    """Assert the response's status is documented for the operation and its JSON body fits the schema there."""
    spec = build_spec(app)
    template, operation = _operation(spec, method, path)
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {template} does not document status {response.status_code}"
    if response.status_code == 204:
        assert "content" not in documented and not response.get_data(), f"{method} {path} 204 has a body"
        return
    schema = dict(documented["content"]["application/json"]["schema"])
    schema["components"] = spec["components"]
    errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
    assert not errors, f"{method} {path} {response.status_code}: " + "; ".join(e.message for e in errors[:5])


def test_openapi_is_served_without_login(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_openapi_lists_every_api_route_with_its_methods(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    seen = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _spec_path(rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {path}"
            seen += 1
    assert seen >= 6
    assert "/healthz" in spec["paths"]


def test_openapi_lists_the_contract_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/greenhouses"]
    assert "get" in paths["/api/v1/greenhouses/{code}"]
    assert "post" in paths["/api/v1/plantings"]
    assert "post" in paths["/api/v1/auth/token"]
    assert "201" in paths["/api/v1/plantings"]["post"]["responses"]
    assert "201" in paths["/api/v1/auth/token"]["post"]["responses"]


def test_openapi_describes_bodies_responses_and_roles(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/plantings"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[1]
    fields = spec["components"]["schemas"][name]["properties"]
    assert {"greenhouse", "crop", "variety", "planted_on", "area_m2"} <= set(fields)
    assert post["x-roles"] == ["admin", "manager"]
    assert post["security"] == [{"bearerAuth": []}]
    listing = spec["paths"]["/api/v1/greenhouses"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(listing["required"]) == {"items", "next"}
    params = {p["name"] for p in spec["paths"]["/api/v1/greenhouses"]["get"]["parameters"]}
    assert {"limit", "offset", "crop", "status"} <= params
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert "security" not in token
    assert "429" in token["responses"]


def test_openapi_every_ref_resolves(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', __import__("json").dumps(spec))
    assert refs
    for name in refs:
        assert name in spec["components"]["schemas"], name


def test_openapi_its_own_answer_and_healthz_fit(app, client):
    check_response(app, "GET", "/healthz", client.get("/healthz"))
    check_response(app, "GET", "/api/v1/openapi.json", client.get("/api/v1/openapi.json"))


def test_openapi_schemas_are_valid_and_parameters_unique(app):
    spec = build_spec(app)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation["parameters"]]
            assert len(names) == len(set(names)), f"{method} {path}"
            for status, response in operation["responses"].items():
                if status == "204":  # no content: nothing to describe
                    assert "content" not in response, f"{method} {path}"
                    continue
                schema = dict(response["content"]["application/json"]["schema"])
                schema["components"] = spec["components"]
                Draft202012Validator.check_schema(schema)


# --- every documented answer fits the document ----------------------------------------------------------

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)  # noon in the park


@pytest.fixture
def small_park(app, client, session):
    """One of each resource, made through the API where it can be (so those answers are checked too)."""
    from farm import clock
    from farm.models.alerts import Alert
    from farm.models.sensors import IngestReject, Reading

    with clock.frozen(NOW):
        park = make_park(session)
        gh1 = park.greenhouses[0]
        cucumber = make_crop(session)
        made = make_users(session)
        device = make_device(session, gh1, "th-001", last_seen_at=NOW - timedelta(minutes=1))
        for minute in range(3):
            session.add(Reading(device_id=device.id, metric="temperature", ts=NOW - timedelta(minutes=minute),
                                greenhouse_id=gh1.id, value=21.5 + minute))
        session.add(Alert(greenhouse_id=gh1.id, device_id=device.id, kind="cold", metric="temperature",
                          severity="warning", state="open", open_key="test-cold", started_at=NOW, opened_at=NOW,
                          refreshed_at=NOW, worst_value=9.5, limit_value=12.0, last_value=10.0))
        session.add(IngestReject(received_at=NOW, topic="farm/yawei/GH-001/th-001/readings", payload="{",
                                 reason="malformed_json", detail="Expecting value", device_code="th-001"))
        session.commit()
        tokens = {role: bearer(token_for(session, user)) for role, user in made.items()}
        ids = {"code": "GH-001"}

        def post(path, body, status=201, role="manager"):
            response = client.post(path, json=body, headers=tokens[role])
            assert response.status_code == status, (path, response.get_json())
            check_response(app, "POST", path, response)
            return response.get_json()

        ids["planting_id"] = post("/api/v1/plantings", {"greenhouse": "GH-002", "crop": cucumber.code,
                                                        "variety": "津优35号", "planted_on": "2026-09-01",
                                                        "area_m2": "400"})["id"]
        post("/api/v1/plantings", {"greenhouse": "GH-001", "crop": cucumber.code, "variety": "",
                                   "planted_on": "2026-10-01", "area_m2": "800"})
        ids["worker_id"] = post("/api/v1/workers", {"name": "李四", "phone": "13847312345", "daily_wage": "150.5",
                                                    "id_number": "150303196805121234"})["id"]
        ids["harvest_id"] = post("/api/v1/harvests", {"greenhouse": "GH-001", "weight_kg": "12.345",
                                                      "grade": "premium", "worker": ids["worker_id"], "crates": 2,
                                                      "harvested_at": "2026-11-28T09:00:00+08:00"})["id"]
        post(f"/api/v1/harvests/{ids['harvest_id']}/void", {"reason": "typed twice"}, status=200)
        post("/api/v1/harvests", {"greenhouse": "GH-002", "weight_kg": "3.5", "grade": "grade1"})
        ids["job_id"] = post("/api/v1/jobs", {"kind": "harvest", "greenhouse": "GH-001", "date": "2026-11-28",
                                              "workers": [ids["worker_id"]], "hours": "8"})["id"]
        post(f"/api/v1/jobs/{ids['job_id']}/attendance",
             {"entries": [{"worker_id": ids["worker_id"], "present": True, "hours": "7.5"}]}, status=200)
        post("/api/v1/payroll/adjustments", {"worker_id": ids["worker_id"], "month": "2026-11", "amount": "-12.3",
                                             "reason": "late"})
        ids["household_id"] = post("/api/v1/households", {"name": "王建国", "village_group": "曙光村一组",
                                                          "id_number": "150303196805121234",
                                                          "bank_account": "6228480123456781234"})["id"]
        ids["contract_id"] = post("/api/v1/contracts", contract_data(
            ids["household_id"], area="6.5", escalation={"every_years": 1, "percent": 10}, deposit="1000",
            late_fee_per_10k="5", greenhouses=["GH-001"]))["id"]
        post(f"/api/v1/contracts/{ids['contract_id']}/payments", {"paid_on": "2024-03-01", "amount": "5200.5"})
        line = client.put("/api/v1/income-lines/2023", json={"line": "7300"}, headers=tokens["admin"])
        assert line.status_code == 200, line.get_json()
        check_response(app, "PUT", "/api/v1/income-lines/2023", line)
        post(f"/api/v1/households/{ids['household_id']}/income", {"year": 2026, "kind": "costs", "amount": "300.5",
                                                                   "note": "化肥"})
        from farm.models.warnings import Warning

        warning = Warning(household_id=ids["household_id"], kind="rent_overdue", state="open", opened_at=NOW,
                          reason="园区拖欠该户土地租金", figures={"days": 15, "owed": "5200.50", "dues": []},
                          condition_holds=True, checked_at=NOW, close_reason="")
        session.add(warning)
        session.commit()
        ids["warning_id"] = warning.id
        post(f"/api/v1/warnings/{warning.id}/follow-ups", {"measure": "rent_paid", "note": "已催园区付租"})
        ids["asset_id"] = post("/api/v1/assets", {
            "code": "ZC-GH-001", "name": "1号棚", "kind": "greenhouse", "category": "operating", "greenhouses": ["GH-001"],
            "built_on": "2023-01-01", "funding": [{"source": "fiscal", "amount": "90000"},
                                                  {"source": "company", "amount": 30000.5}],
            "value": "120000.50", "depreciation_years": 10, "residual_value": "6000", "return_percent": "6"},
            role="admin")["id"]
        post("/api/v1/assets/returns", {"year": 2025, "amount": "5000", "paid_on": "2026-03-01"}, role="admin")
        post("/api/v1/distributions", {"year": 2025, "lines": [{"kind": "public_works", "amount": "1000.5"}]},
             role="admin")
        post("/api/v1/spray-products", {"name": "吡虫啉", "registration_no": "PD20081234",
                                        "active_ingredient": "吡虫啉 10%", "phi_days": 3})
        ids["spray_id"] = post("/api/v1/sprays", {"greenhouse": "GH-002", "applied_at": "2026-11-27T18:30:00+08:00",
                                                  "product": "吡虫啉", "dose": "20.5", "water_l": 30,
                                                  "target": "蚜虫", "operator": ids["worker_id"]})["id"]
        ids["month"] = "2026-11"
        ids["buyer_id"] = post("/api/v1/buyers", {"name": "海南区机关食堂", "kind": "canteen", "phone": "13947300001",
                                                  "consumption_aid": True})["id"]
        post(f"/api/v1/buyers/{ids['buyer_id']}/prices", {"crop": cucumber.code, "grade": "grade1",
                                                          "valid_from": "2026-11-01", "price_per_kg": "5.60"})
        post("/api/v1/pack-sizes", {"crop": cucumber.code, "grade": "grade1", "unit": "box", "net_kg": "0.5"})
        post("/api/v1/packing", {"packer": ids["worker_id"], "crop": cucumber.code, "grade": "grade1", "units": 2})
        shipment = post("/api/v1/shipments", {"buyer_id": ids["buyer_id"], "lines": [
            {"crop": cucumber.code, "grade": "grade1", "units": 2}]})
        ids["shipment_id"], ids["certificate_code"] = shipment["id"], shipment["certificate_code"]
        post(f"/api/v1/shipments/{ids['shipment_id']}/payments", {"paid_on": "2026-11-28", "amount": "2.00"})
        from farm.inputs.sales import CertificateIn
        from farm.models.sales import Shipment
        from farm.services import certificates

        certificates.issue_for_shipment(session, session.get(Shipment, ids["shipment_id"]), CertificateIn())
        session.commit()
        post("/api/v1/losses", {"crop": cucumber.code, "grade": "grade1", "weight_kg": "0.5", "reason": "cull"})
        yield {"tokens": tokens, "ids": ids}



# Queries a GET is also walked with, beyond its bare path: each grouping of the report, each resolution.
VARIANTS = {
    "/api/v1/reports/yield": [f"from=2026-11-01&to=2026-12-01&by={by}" for by in
                              ("day", "week", "month", "crop", "greenhouse", "worker", "grade", "planting")],
    "/api/v1/readings": [f"greenhouse=GH-001&metric=temperature&resolution={r}&from=2026-11-28T00:00:00Z"
                         for r in ("raw", "5m", "1h", "1d")],
    "/api/v1/reports/sales": [f"from=2026-11-01&to=2026-12-01&by={by}" for by in
                              ("day", "month", "crop", "grade", "buyer")],
    "/api/v1/harvests": ["voided=1", "date=2026-11-28"],
    "/api/v1/jobs": ["date=2026-11-28"],
    "/api/v1/payroll": ["month=2026-11"],
    "/api/v1/shipments": ["from=2026-11-01&to=2026-12-01", "buyer=1"],
    "/api/v1/stock": ["crop=cucumber&grade=grade1"],
    "/api/v1/receivables": ["on=2026-11-28"],
}


def test_every_documented_get_answers_as_documented(app, client, small_park):
    """Walk every GET in openapi.json with a manager's token on a small park: each answers 200 and fits."""
    from farm import clock

    spec = build_spec(app)
    walked = set()
    with clock.frozen(NOW):
        for template, operations in spec["paths"].items():
            if "get" not in operations:
                continue
            ids = {**small_park["ids"], **({"code": "th-001"} if template.startswith("/api/v1/devices") else {})}
            path = re.sub(r"\{(\w+)\}", lambda m, ids=ids: str(ids[m.group(1)]), template)
            required = any(p["required"] for p in operations["get"]["parameters"] if p["in"] == "query")
            for query in ([] if required else [""]) + VARIANTS.get(template, []):
                url = path + ("?" + query if query else "")
                response = client.get(url, headers=small_park["tokens"]["manager"])
                assert response.status_code in (200, 503), (url, response.get_json())
                check_response(app, "GET", url, response)
                if template.startswith("/api/v1/") and "{" not in template and "items" in response.get_json():
                    assert response.get_json()["items"] or template == "/api/v1/land/reminders", url
                walked.add(template)
    gets = {t for t, ops in spec["paths"].items() if "get" in ops}
    assert walked == gets


def test_an_answer_unlike_its_model_fails_the_check(app, client, small_park):
    """The check is real: the yield report answered with `from_` (as the document once said) or money as text
    does not fit the document."""
    from farm import clock

    with clock.frozen(NOW):
        response = client.get("/api/v1/reports/yield?from=2026-11-01&to=2026-12-01",
                              headers=small_park["tokens"]["manager"])
        assert "from" in response.get_json() and "from_" not in response.get_json()
        check_response(app, "GET", "/api/v1/reports/yield", response)
        body = response.get_json()
        body["from_"] = body.pop("from")
        response.set_data(json.dumps(body))
        with pytest.raises(AssertionError):
            check_response(app, "GET", "/api/v1/reports/yield", response)
        url = f"/api/v1/contracts/{small_park['ids']['contract_id']}"
        response = client.get(url, headers=small_park["tokens"]["manager"])
        body = response.get_json()
        body["rent_per_mu_year"] = str(body["rent_per_mu_year"])
        response.set_data(json.dumps(body))
        with pytest.raises(AssertionError):
            check_response(app, "GET", url, response)


def _written(text: str, key: str) -> list[str]:
    """The number literals written for `key` in a JSON text."""
    return re.findall(r'"%s":\s*(-?[\d.]+)' % key, text)


def test_money_has_two_decimals_and_weights_are_numbers(app, client, small_park):
    """Money is written as a JSON number with exactly two decimals, weights as numbers to the gram."""
    from farm import clock

    manager = small_park["tokens"]["manager"]
    ids = small_park["ids"]
    with clock.frozen(NOW):
        text = client.get(f"/api/v1/contracts/{ids['contract_id']}", headers=manager).get_data(as_text=True)
        assert _written(text, "rent_per_mu_year") == ["800.00"] and _written(text, "deposit") == ["1000.00"]
        text = client.get(f"/api/v1/contracts/{ids['contract_id']}/schedule", headers=manager).get_data(as_text=True)
        assert _written(text, "credit") == ["0.00"]
        assert "5200.50" in _written(text, "paid")
        for key in ("amount", "paid", "outstanding", "late_fee", "total", "overdue", "rent_per_mu"):
            assert _written(text, key) and all(re.fullmatch(r"-?\d+\.\d\d", v) for v in _written(text, key)), key
        worker = client.get(f"/api/v1/workers/{ids['worker_id']}", headers=manager).get_data(as_text=True)
        assert _written(worker, "daily_wage") == ["150.50"]
        harvest = client.get(f"/api/v1/harvests/{ids['harvest_id']}", headers=manager)
        assert _written(harvest.get_data(as_text=True), "weight_kg") == ["12.345"]
        assert harvest.get_json()["weight_jin"] == 24.69
        assert harvest.get_json()["harvested_at"] == "2026-11-28T01:00:00+00:00"
        payroll = client.get("/api/v1/payroll?month=2026-11", headers=manager).get_data(as_text=True)
        assert _written(payroll, "adjustments") == ["-12.30"]
        assert all(re.fullmatch(r"-?\d+\.\d\d", v) for v in _written(payroll, "total"))


def test_the_document_states_units_and_vocabularies(app):
    spec = build_spec(app)
    schemas = spec["components"]["schemas"]
    assert "two decimals" in spec["info"]["description"]
    assert schemas["ContractOut"]["properties"]["rent_per_mu_year"]["type"] == "number"
    assert "two decimals" in schemas["ContractOut"]["properties"]["rent_per_mu_year"]["description"]
    assert schemas["HarvestOut"]["properties"]["weight_kg"]["type"] == "number"
    assert "from" in schemas["YieldOut"]["properties"] and "from_" not in schemas["YieldOut"]["properties"]
    assert schemas["YieldOut"]["additionalProperties"] is False
    grade = spec["paths"]["/api/v1/harvests"]["get"]["parameters"]
    assert next(p for p in grade if p["name"] == "grade")["schema"]["enum"] == list(Grade.values())
    assert json.dumps(schemas).count('"enum"') >= 10


def test_an_id_beyond_a_database_integer_is_not_found(app, client, small_park):
    """Found by Schemathesis: /alerts/23639700081684004864/acknowledge overflowed the driver (500)."""
    manager = small_park["tokens"]["manager"]
    huge = 2**31
    for too_big in (huge, 2**64, 23639700081684004864):
        assert client.post(f"/api/v1/alerts/{too_big}/acknowledge", json={"note": "x"},
                           headers=manager).status_code == 404
        assert client.get(f"/api/v1/contracts/{too_big}", headers=manager).status_code == 404
    assert client.get(f"/api/v1/harvests/{huge - 1}", headers=manager).status_code == 404
    assert client.get(f"/api/v1/contracts/{huge - 1}", headers=manager).status_code == 404
    param = build_spec(app)["paths"]["/api/v1/harvests/{harvest_id}"]["get"]["parameters"][0]
    assert param["schema"] == {"type": "integer", "minimum": 0, "maximum": huge - 1}


def test_the_json_writer_keeps_decimals_and_writes_iso_dates(app):
    """Decimals are number literals with their own digits (never through a float), dates and times ISO-8601."""
    from decimal import Decimal

    from farm import units

    text = app.json.dumps({"money": units.fen("1234.5"), "kg": units.kg("0.5"), "day": datetime(2026, 11, 28).date(),
                           "at": NOW, "big": Decimal("12345678901234567.89")})
    assert json.loads(text) == {"money": 1234.5, "kg": 0.5, "day": "2026-11-28", "at": "2026-11-28T04:00:00+00:00",
                                "big": 12345678901234567.89}
    assert '"money":1234.50' in text and '"kg":0.500' in text and '"big":12345678901234567.89' in text
    with pytest.raises(TypeError):
        app.json.dumps({"x": object()})
    # What orjson cannot write itself is written the same way: subclasses as their plain kind, a named tuple as an
    # object, an integer beyond 64 bits (echoed back in an error) through the fallback writer.
    from collections import namedtuple

    from farm.vocab import Metric
    pair = namedtuple("pair", "a b")
    assert json.loads(app.json.dumps({"m": Metric.CO2, "p": pair(1, units.fen("2")), "n": 2 ** 70, 3: "x"})) == {
        "m": "co2", "p": {"a": 1, "b": 2.0}, "n": 2 ** 70, "3": "x"}
    assert '"b":2.00' in app.json.dumps(pair(1, units.fen("2")))
    assert '"n": 1180591620717411303424' in app.json.dumps({"n": 2 ** 70, "v": units.fen("2")})
    assert '"v": 2.00' in app.json.dumps({"n": 2 ** 70, "v": units.fen("2")})
