"""The OpenAPI schema tells the truth: one enum per model, every answer documented, unique
operation ids, request bodies closed, pagination bounds stated."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "patch", "put", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema, name):
    return schema["components"]["schemas"][name]


def _enum_of(schema, component, field):
    prop = _component(schema, component)["properties"][field]
    refs = [part["$ref"] for part in prop.get("allOf", prop.get("oneOf", [prop]))]
    values = []
    for ref in refs:
        values += _component(schema, ref.rsplit("/", 1)[1])["enum"]
    return values


def test_the_schema_generates_without_warnings_and_validates():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=out)


def test_licence_requests_and_licences_have_their_own_status_enums(schema):
    assert _enum_of(schema, "LicenceRequest", "status") == [
        "requested",
        "assessing",
        "manual_review",
        "awaiting_evidence",
        "awaiting_provider",
        "approved",
        "declined",
        "withdrawn",
        "blocked",
    ]
    assert _enum_of(schema, "Licence", "status") == ["active", "expired", "revoked", "suspended"]


def test_a_token_without_a_jurisdiction_is_in_the_schema(schema):
    values = _enum_of(schema, "ApiToken", "processing_jurisdiction")
    assert "" in values and "CN" in values and "MY" in values


def test_operation_ids_are_unique_and_both_policy_addresses_have_one(schema):
    ids = [
        op["operationId"]
        for ops in schema["paths"].values()
        for method, op in ops.items()
        if method in METHODS
    ]
    assert len(ids) == len(set(ids))
    paths = schema["paths"]
    assert paths["/api/v1/licences/{id}/policy.jsonld"]["get"]["operationId"] == (
        "licences_policy_jsonld_retrieve"
    )
    assert paths["/api/v1/licences/{id}/policy.jsonld/"]["get"]["operationId"] == (
        "licences_policy_jsonld_slash_retrieve"
    )


def test_every_operation_documents_its_error_answers(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method not in METHODS:
                continue
            codes = set(op["responses"])
            assert {"401", "403", "429", "503"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method != "get":
                assert {"400", "409"} <= codes, (method, path)
            error = op["responses"]["401"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}


def test_request_bodies_refuse_undeclared_properties(schema):
    assert _component(schema, "ProductWriteRequest")["additionalProperties"] is False
    assert _component(schema, "PatchedVersionWriteRequest")["additionalProperties"] is False
    assert _component(schema, "ApiTokenCreateRequest")["additionalProperties"] is False


def test_pagination_bounds_are_in_the_schema(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/licences/"]["get"]["parameters"]}
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert params["page"]["schema"] == {"type": "integer", "minimum": 1}
