"""GET /api/v1/openapi.json: generated from the URL map, and the answers the API gives fit it."""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from farm.api.openapi import build_spec


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _operation(spec: dict, method: str, path: str) -> tuple[str, dict]:
    """The spec's path template matching a concrete path, and its operation for the method."""
    path = path.split("?", 1)[0]
    for template, operations in spec["paths"].items():
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
