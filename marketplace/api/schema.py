"""The OpenAPI schema tells the truth about answers and input (a drf-spectacular
postprocessing hook, so that no view repeats it).

- Every operation documents every status code it can answer, each in the error shape:
  401 (a missing, bad, expired or revoked token: any operation), 403, 429 (throttles,
  quotas), 503 (a dependency down); 400 where there is input (a body or query parameters);
  404 where the path names an object or a page is asked for; 409 and 415 where a body is sent.
- Request bodies refuse properties they do not declare (`additionalProperties: false`),
  as StrictSerializer does.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error: `{error: {code, message, fields?}}`.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "retry_after_seconds": {"type": "integer"},
                "resets_at": {"type": "string", "format": "date-time"},
                "renews_at": {"type": "string", "format": "date-time", "nullable": True},
                "budget": {"type": "string"},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

DESCRIPTIONS = {
    "400": "Invalid input (a field, a query parameter or the JSON body itself).",
    "401": "Not authenticated, or the token is invalid, expired or revoked.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object visible to the caller.",
    "409": "Not allowed in the object's current state.",
    "415": "The body's media type is not accepted.",
    "429": "Too many requests (throttle), or a quota or privacy budget is used up.",
    "503": "A service the exchange depends on is not answering; try again shortly.",
}
SAFE = {"get", "head", "options"}


def _codes(method: str, path: str, operation: dict) -> list[str]:
    codes = ["401", "403", "429", "503"]
    has_body = "requestBody" in operation
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if has_body or has_query or method not in SAFE:
        codes.append("400")
    has_page = any(p.get("name") == "page" for p in operation.get("parameters", []))
    if "{" in path or has_page:  # an object named in the path, or a page past the last
        codes.append("404")
    if method not in SAFE:
        codes.append("409")
    if has_body:
        codes.append("415")
    return codes


def document_every_answer(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    error_ref = {"$ref": "#/components/schemas/Error"}
    request_components = set()
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "put", "post", "patch", "delete", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in _codes(method, path, operation):
                answer = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                answer.setdefault("description", DESCRIPTIONS[code])
                answer.setdefault("content", {"application/json": {"schema": error_ref}})
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content.get("schema", {}).get("$ref", "")
                if ref.startswith("#/components/schemas/"):
                    request_components.add(ref.rsplit("/", 1)[1])
    for name in request_components:
        _close(schemas, name, seen=set())
    return result


def _close(schemas: dict, name: str, *, seen: set) -> None:
    """additionalProperties: false on a request component and the objects nested in it."""
    if name in seen or name not in schemas:
        return
    seen.add(name)
    _close_schema(schemas, schemas[name], seen=seen)


def _close_schema(schemas: dict, schema: dict, *, seen: set) -> None:
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        _close(schemas, ref.rsplit("/", 1)[1], seen=seen)
        return
    if schema.get("type") == "object" and "properties" in schema:
        schema.setdefault("additionalProperties", False)
    for value in schema.get("properties", {}).values():
        _close_schema(schemas, value, seen=seen)
    if isinstance(schema.get("items"), dict):
        _close_schema(schemas, schema["items"], seen=seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            _close_schema(schemas, part, seen=seen)
