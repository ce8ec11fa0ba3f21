"""GET /api/v1/openapi.json, generated from the app's routes, their permission marks and their input and output models."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify
from pydantic.json_schema import models_json_schema

from farm.permissions import POLICY, PUBLIC, allow, permission_of

bp = Blueprint("openapi", __name__)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }},
}
ERROR_STATUSES = {"400": "Malformed request", "401": "No or bad token", "403": "Not allowed for the role",
                  "404": "Not found", "409": "Conflict", "422": "Invalid value"}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def repl(match):
        converter, name = match.group(1), match.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer" if converter == "int" else "string"}})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


def build_spec(app) -> dict:
    """The OpenAPI 3.1 document of every /api/v1 route and /healthz."""
    routes = []
    models = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1") or rule.rule == "/healthz"):
            continue
        view = app.view_functions[rule.endpoint]
        info = getattr(view, "api_doc", None) or {}
        for key in ("body", "response"):
            if info.get(key) is not None:
                models.add(info[key])
        routes.append((rule, view, info))
    keymap, schemas = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    components = dict(schemas.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA

    def ref(model, mode="validation"):
        return keymap[(model, mode)]

    paths: dict = {}
    for rule, view, info in sorted(routes, key=lambda r: r[0].rule):
        path, params = _path(rule.rule)
        permission = permission_of(view)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": info.get("summary", view.__doc__ or rule.endpoint),
                "tags": [info["tag"]] if info.get("tag") else [],
                "parameters": params + [
                    {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
                    for name, text in info.get("query", {}).items()
                ],
                "responses": {},
            }
            if info.get("many"):
                named = {p["name"] for p in op["parameters"]}
                op["parameters"] += [p for p in [
                    {"name": "limit", "in": "query", "required": False, "description": "items per page (at most 1000)",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                    {"name": "offset", "in": "query", "required": False, "description": "items to skip",
                     "schema": {"type": "integer", "minimum": 0}},
                ] if p["name"] not in named]
            if permission != PUBLIC:
                op["security"] = [{"bearerAuth": []}]
                op["x-roles"] = sorted(POLICY.get(permission, ()))
            if info.get("body") is not None:
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(info["body"])}}}
            schema = ref(info["response"]) if info.get("response") is not None else {"type": "object"}
            if info.get("many"):
                schema = {"type": "object", "required": ["items", "next"], "properties": {
                    "items": {"type": "array", "items": schema},
                    "next": {"type": ["string", "null"]},
                }}
            op["responses"][str(info.get("status", 200))] = {
                "description": "OK", "content": {"application/json": {"schema": schema}}}
            for code, text in info.get("also", {}).items():
                op["responses"][str(code)] = {"description": text, "content": {"application/json": {"schema": schema}}}
            for code, text in {**ERROR_STATUSES, **{str(k): v for k, v in info.get("errors", {}).items()}}.items():
                op["responses"][code] = {"description": text, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Greenhouse park API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
@allow(PUBLIC)
def spec():
    """The API description, built from the running app's routes."""
    return jsonify(build_spec(current_app))
