"""GET /api/v1/openapi.json, generated from the app's routes, their permission marks and their input and output models."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify
from pydantic.json_schema import models_json_schema

from farm.api import Param
from farm.limits import MAX_ID
from farm.permissions import POLICY, PUBLIC, allow, permission_of
from farm.vocab import Term

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
DESCRIPTION = (
    "The greenhouse park's JSON API. Authenticate with `Authorization: Bearer <token>` (POST /api/v1/auth/token). "
    "Lists answer `{items, next}` with up to 1000 items; `next` is the next page's URL or null. Errors answer "
    "`{error: {code, message, fields}}`.\n\n"
    "Numbers: money is a JSON number in yuan with exactly two decimals (e.g. `1234.50`), rounded half up to the "
    "fen; weights are numbers in kilograms to the gram (e.g. `12.345`); areas, hours and rates are numbers as "
    "stored. Dates are `YYYY-MM-DD` (the park's days), times ISO-8601 with their UTC offset.\n\n"
    "Limits: whole numbers in a body lie within ±2147483647 and ids in a path within 0..2147483647; days and "
    "times fall in the years 1900 to 2200; no text (body, query or path) holds a NUL character; a JSON body nests "
    "at most 32 levels; an address is at most 4096 characters and a body at most 4 MiB. A value of the wrong JSON "
    "type is refused (422), never converted."
)
ERROR_STATUSES = {"400": "Malformed request", "401": "No or bad token", "403": "Not allowed for the role",
                  "404": "Not found", "409": "Conflict", "422": "Invalid value"}


# Path parts that are strings of a fixed form.
PATH_STRINGS = {"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": "YYYY-MM"}}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def repl(match):
        converter, name = match.group(1), match.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": ({"type": "integer", "minimum": 0, "maximum": MAX_ID} if converter == "int"
                                  else PATH_STRINGS.get(name, {"type": "string"}))})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


def _query_param(name: str, spec: str | Param) -> dict:
    """A documented query parameter: `spec` is its description, or a `Param`."""
    param = Param(spec) if isinstance(spec, str) else spec
    schema: dict = {"type": "string"}
    if param.values is not None:
        values = param.values
        schema["enum"] = list(values.values() if isinstance(values, type) and issubclass(values, Term) else values)
    return {"name": name, "in": "query", "required": param.required, "description": param.text, "schema": schema}


def _envelope(item_schema: dict, about: dict | None) -> dict:
    """A list answer's schema: its items, the next page's URL, and the fields of the `about` model beside them."""
    properties = {"items": {"type": "array", "items": item_schema}, "next": {"type": ["string", "null"]}}
    required = ["items", "next"]
    if about is not None:
        properties = {**about.get("properties", {}), **properties}
        required = about.get("required", []) + required
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


def build_spec(app) -> dict:
    """The OpenAPI 3.1 document of every /api/v1 route and /healthz.

    Bodies are described as they are read (validation mode), answers as the models write them (serialization
    mode, public names): the same models the views answer with.
    """
    routes = []
    models = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1") or rule.rule == "/healthz"):
            continue
        view = app.view_functions[rule.endpoint]
        info = getattr(view, "api_doc", None) or {}
        if info.get("body") is not None:
            models.add((info["body"], "validation"))
        for key in ("response", "about"):
            if info.get(key) is not None:
                models.add((info[key], "serialization"))
        routes.append((rule, view, info))
    keymap, schemas = models_json_schema(
        sorted(models, key=lambda m: (m[0].__name__, m[1])),
        ref_template="#/components/schemas/{model}", by_alias=True,
    )
    components = dict(schemas.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA

    def ref(model, mode):
        return keymap[(model, mode)]

    def about_schema(model) -> dict:
        return components[ref(model, "serialization")["$ref"].rsplit("/", 1)[1]]

    paths: dict = {}
    for rule, view, info in sorted(routes, key=lambda r: r[0].rule):
        path, params = _path(rule.rule)
        permission = permission_of(view)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": info.get("summary", view.__doc__ or rule.endpoint),
                "tags": [info["tag"]] if info.get("tag") else [],
                "parameters": params + [_query_param(name, spec) for name, spec in info.get("query", {}).items()],
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
                op["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": ref(info["body"], "validation")}}}
            status = str(info.get("status", 200))
            if status == "204":
                op["responses"][status] = {"description": "Done; no content"}
            else:
                schema = (ref(info["response"], "serialization") if info.get("response") is not None
                          else {"type": "object"})
                if info.get("many"):
                    about = info.get("about")
                    schema = _envelope(schema, about_schema(about) if about is not None else None)
                op["responses"][status] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
                for code, text in info.get("also", {}).items():
                    op["responses"][str(code)] = {"description": text,
                                                  "content": {"application/json": {"schema": schema}}}
            for code, text in {**ERROR_STATUSES, **{str(k): v for k, v in info.get("errors", {}).items()}}.items():
                op["responses"][code] = {"description": text, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Greenhouse park API", "version": "1", "description": DESCRIPTION},
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
