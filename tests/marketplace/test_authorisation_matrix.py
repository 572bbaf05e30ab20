"""The authorisation matrix: every route × every role, with the expected allow / deny
written here by hand.

Routes come from the OpenAPI schema (every API operation) and the URL conf (every page
route, and every model registered in the admin); a route that is in neither table below
fails the test, so a new endpoint cannot ship without someone stating who may use it.

Roles: anonymous, two buyer organisations, two provider organisations, the three reviewer
roles and the exchange administrator. "Allowed" means the caller got past authorisation:
an answer other than 401, 403, 404, a redirect to a log-in page or back with an error message
(writes are sent a valid body, so a 400 or 409 still means
the caller may use the operation). For a list, "allowed" means the
world's object is in the caller's results. Any 5xx fails. Each request runs in a savepoint
that is rolled back, so every request sees the same world.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.messages import ERROR
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.services import api_token_create
from compliance.models import StageReview
from compliance.services import cases
from licensing import services as licensing_services
from tests.factories import (
    OrganizationFactory,
    add_offer,
    csv_upload,
    draft_product,
    footfall_csv,
    grant_licence,
    licensed_query,
    listed_product,
    member_of,
    reviewer,
)

pytestmark = pytest.mark.django_db

ANON = "anonymous"
BUYER_A, BUYER_B = "buyer_a", "buyer_b"
PROVIDER_A, PROVIDER_B = "provider_a", "provider_b"
LEGAL, TECHNICAL, COMPLIANCE, ADMIN = "legal", "technical", "compliance", "exchange_admin"
ROLES = (ANON, BUYER_A, BUYER_B, PROVIDER_A, PROVIDER_B, LEGAL, TECHNICAL, COMPLIANCE, ADMIN)
ORGS = {BUYER_A, BUYER_B, PROVIDER_A, PROVIDER_B}
STAFF = {LEGAL, TECHNICAL, COMPLIANCE, ADMIN}
SIGNED_IN = ORGS | STAFF
EVERYONE = set(ROLES)
NOBODY: set = set()

# --- the API: (method, schema path) → who may -------------------------------------------
# Placeholders name the world's objects: {P} provider A's listed product, {O} its offer,
# {R} buyer A's licence request for it, {L} the licence, {T} buyer A's API token,
# {S} the legal stage of provider A's product in review, {A} the request's transfer
# assessment. A list row: who sees the world's object in the list.
API = {
    ("GET", "/api/v1/categories/"): EVERYONE,
    ("GET", "/api/v1/purposes/"): EVERYONE,
    ("GET", "/api/v1/me/"): SIGNED_IN,
    ("GET", "/api/v1/products/"): EVERYONE,
    ("POST", "/api/v1/products/"): {PROVIDER_A, PROVIDER_B},
    ("GET", "/api/v1/products/{slug}/"): EVERYONE,
    ("PATCH", "/api/v1/products/{slug}/"): {PROVIDER_A},
    ("POST", "/api/v1/products/{slug}/delist"): {PROVIDER_A},
    ("POST", "/api/v1/products/{slug}/suspend"): {ADMIN},
    ("POST", "/api/v1/products/{slug}/reinstate"): {ADMIN},
    # Reviewers read versions and review cases (they review them); nobody else does.
    ("GET", "/api/v1/products/{slug}/review/"): {PROVIDER_A} | STAFF,
    ("GET", "/api/v1/products/{slug}/versions/"): {PROVIDER_A} | STAFF,
    ("POST", "/api/v1/products/{slug}/versions/"): {PROVIDER_A},
    ("GET", "/api/v1/products/{slug}/versions/{number}/"): {PROVIDER_A} | STAFF,
    ("PATCH", "/api/v1/products/{slug}/versions/{number}/"): {PROVIDER_A},
    ("POST", "/api/v1/products/{slug}/versions/{number}/dataset"): {PROVIDER_A},
    ("POST", "/api/v1/products/{slug}/versions/{number}/sample"): {PROVIDER_A},
    ("POST", "/api/v1/products/{slug}/versions/{number}/submit"): {PROVIDER_A},
    ("POST", "/api/v1/products/{slug}/versions/{number}/withdraw"): {PROVIDER_A},
    ("GET", "/api/v1/products/{slug}/offers/"): EVERYONE,
    ("POST", "/api/v1/products/{slug}/offers/"): {PROVIDER_A},
    ("GET", "/api/v1/products/{slug}/offers/{id}/"): EVERYONE,
    ("PATCH", "/api/v1/products/{slug}/offers/{id}/"): {PROVIDER_A},
    ("GET", "/api/v1/offers/{offer_id}/terms/"): EVERYONE,
    ("POST", "/api/v1/products/{slug}/query"): {BUYER_A, PROVIDER_A},
    # The preview prices a query for its licensee or its provider; nothing runs or is spent.
    ("POST", "/api/v1/products/{slug}/query/preview"): {BUYER_A, PROVIDER_A},
    # The world's offer licenses queries only: no one gets a report or an extract of it.
    ("GET", "/api/v1/products/{slug}/report"): NOBODY,
    ("GET", "/api/v1/products/{slug}/extract"): NOBODY,
    # Compliance reviewers supervise requests and licences; the exchange administrator
    # supervises licences (revoke, suspend).
    ("GET", "/api/v1/licence-requests/"): {BUYER_A, PROVIDER_A, COMPLIANCE},
    ("POST", "/api/v1/licence-requests/"): {BUYER_A, BUYER_B, PROVIDER_B},
    ("GET", "/api/v1/licence-requests/{id}/"): {BUYER_A, PROVIDER_A, COMPLIANCE},
    ("POST", "/api/v1/licence-requests/{id}/decision/"): {PROVIDER_A},
    ("POST", "/api/v1/licence-requests/{id}/evidence/"): {PROVIDER_A},
    ("POST", "/api/v1/licence-requests/{id}/transfer-review/"): {COMPLIANCE},
    ("POST", "/api/v1/licence-requests/{id}/withdraw/"): {BUYER_A},
    ("GET", "/api/v1/licences/"): {BUYER_A, PROVIDER_A, COMPLIANCE, ADMIN},
    ("GET", "/api/v1/licences/{id}/"): {BUYER_A, PROVIDER_A, COMPLIANCE, ADMIN},
    ("GET", "/api/v1/licences/{id}/policy.jsonld"): {BUYER_A, PROVIDER_A, COMPLIANCE, ADMIN},
    ("GET", "/api/v1/licences/{id}/policy.jsonld/"): {BUYER_A, PROVIDER_A, COMPLIANCE, ADMIN},
    ("POST", "/api/v1/licences/{id}/revoke/"): {PROVIDER_A, ADMIN},
    ("POST", "/api/v1/licences/{id}/renew/"): {PROVIDER_A},
    ("POST", "/api/v1/licences/{id}/suspend/"): {COMPLIANCE, ADMIN},
    ("POST", "/api/v1/licences/{id}/reinstate/"): {COMPLIANCE, ADMIN},
    ("GET", "/api/v1/usage/"): {BUYER_A, PROVIDER_A},
    # A legal stage: legal reviewers, and the exchange administrator who assigns reviews.
    ("GET", "/api/v1/review/stages/"): {LEGAL, ADMIN},
    ("GET", "/api/v1/review/stages/{id}/"): {LEGAL, ADMIN},
    ("POST", "/api/v1/review/stages/{id}/claim/"): {LEGAL},
    ("POST", "/api/v1/review/stages/{id}/decision/"): {LEGAL},
    ("POST", "/api/v1/review/stages/{id}/rerun/"): {LEGAL},
    ("GET", "/api/v1/tokens/"): {BUYER_A},
    ("POST", "/api/v1/tokens/"): ORGS,
    ("GET", "/api/v1/tokens/{id}/"): {BUYER_A},
    ("POST", "/api/v1/tokens/{id}/revoke/"): {BUYER_A},
    ("GET", "/api/v1/transfer-assessments/"): {BUYER_A},
    ("POST", "/api/v1/transfer-assessments/"): SIGNED_IN,
    ("GET", "/api/v1/transfer-assessments/{id}/"): {BUYER_A},
}
# Writes are sent a valid body, so that the answer is the operation's own authorisation
# (an invalid body could be refused before the permission is looked at).
REASON = {"reason": "Authorisation matrix."}
BODIES = {
    ("POST", "/api/v1/products/"): {
        "title": "Matrix product",
        "summary": "A product the matrix creates.",
        "category": "mobility-logistics",
        "origin_jurisdiction": "MY",
    },
    ("PATCH", "/api/v1/products/{slug}/"): {"summary": "Changed by the matrix."},
    ("POST", "/api/v1/products/{slug}/delist"): REASON,
    ("POST", "/api/v1/products/{slug}/suspend"): REASON,
    ("POST", "/api/v1/products/{slug}/reinstate"): REASON,
    ("PATCH", "/api/v1/products/{slug}/versions/{number}/"): {"description": "Changed."},
    ("POST", "/api/v1/products/{slug}/query"): {
        "group_by": ["district"],
        "aggregates": [{"fn": "count"}],
    },
    ("POST", "/api/v1/products/{slug}/query/preview"): {
        "group_by": ["district"],
        "aggregates": [{"fn": "count"}],
    },
    ("POST", "/api/v1/licence-requests/{id}/decision/"): {"approve": False, "note": "No."},
    ("POST", "/api/v1/licence-requests/{id}/transfer-review/"): {"allow": False, "note": "No."},
    ("POST", "/api/v1/licences/{id}/revoke/"): REASON,
    ("POST", "/api/v1/licences/{id}/suspend/"): REASON,
    ("POST", "/api/v1/licences/{id}/reinstate/"): REASON,
    ("POST", "/api/v1/review/stages/{id}/decision/"): {
        "decision": "changes_requested",
        "comment": "From the matrix.",
    },
    ("POST", "/api/v1/tokens/"): {"name": "matrix"},
    ("POST", "/api/v1/licence-requests/"): lambda ids: {
        "offer": ids["O"],
        "purpose": "market-research",
        "processing_jurisdiction": "CN",
        "intended_start": ids["TODAY"],
        "accepted_terms_hash": ids["TERMS"],
    },
}
PAGE_BODIES = {
    "accounts/organisation/switch/": lambda ids: {"organization": ids["ORG"]},
    "licences/<int:pk>/revoke/": lambda ids: {"reason": "Authorisation matrix."},
}
# Pages that refuse a caller who can see the object by redirecting back with an error
# message (sent a valid body, so an error message is the refusal).
REFUSED_WITH_A_MESSAGE = {"licences/<int:pk>/revoke/"}
# Multipart writes: built per request (a file can be read once).
UPLOADS = {
    ("POST", "/api/v1/products/{slug}/versions/{number}/dataset"): lambda: {
        "file": csv_upload(footfall_csv())
    },
    ("POST", "/api/v1/products/{slug}/versions/{number}/sample"): lambda: {
        "file": csv_upload(footfall_csv(10))
    },
    ("POST", "/api/v1/licence-requests/{id}/evidence/"): lambda: {
        "mechanism": "cn_standard_contract",
        "title": "Filing receipt",
        "file": SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 matrix", "application/pdf"),
    },
}

# What each list is checked for: the key in its results that names the world's object.
LISTS = {
    "/api/v1/products/": ("slug", "P"),
    "/api/v1/licence-requests/": ("id", "R"),
    "/api/v1/licences/": ("id", "L"),
    "/api/v1/usage/": ("licence", "L"),
    "/api/v1/review/stages/": ("id", "S"),
    "/api/v1/tokens/": ("id", "T"),
    "/api/v1/transfer-assessments/": ("id", "A"),
}

# --- the pages: (method, URL-conf pattern) → who may --------------------------------------
PAGES = {
    ("GET", ""): EVERYONE,
    ("GET", "healthz"): EVERYONE,
    ("GET", "readyz"): EVERYONE,
    ("POST", "i18n/setlang/"): EVERYONE,
    ("GET", "accounts/signup/"): EVERYONE,
    ("GET", "accounts/login/"): EVERYONE,
    ("POST", "accounts/logout/"): EVERYONE,
    ("GET", "accounts/password-reset/"): EVERYONE,
    ("GET", "accounts/password-reset/sent/"): EVERYONE,
    ("GET", "accounts/password-reset/<uidb64>/<token>/"): EVERYONE,
    ("GET", "accounts/password-reset/complete/"): EVERYONE,
    ("GET", "accounts/organisation/"): SIGNED_IN,
    ("POST", "accounts/organisation/switch/"): {PROVIDER_A},  # to provider A
    ("GET", "accounts/organisations/<slug:slug>/"): {PROVIDER_A},
    ("POST", "accounts/organisations/<slug:slug>/invite/"): {PROVIDER_A},
    ("POST", "accounts/organisations/<slug:slug>/members/<int:membership_id>/remove/"): {
        PROVIDER_A
    },
    ("POST", "accounts/organisations/<slug:slug>/members/<int:membership_id>/role/"): {PROVIDER_A},
    ("GET", "accounts/tokens/"): SIGNED_IN,
    ("POST", "accounts/tokens/<int:token_id>/revoke/"): {BUYER_A},
    ("GET", "catalogue/"): EVERYONE,
    ("GET", "catalogue/p/<slug:slug>/"): EVERYONE,
    # A provider's public profile (the world's listing provider).
    ("GET", "catalogue/providers/<slug:slug>/"): EVERYONE,
    ("GET", "catalogue.jsonld"): EVERYONE,
    ("GET", "catalogue/dashboard/"): SIGNED_IN,
    ("GET", "catalogue/dashboard/new/"): {PROVIDER_A, PROVIDER_B},
    ("POST", "catalogue/dashboard/notifications/read/"): {PROVIDER_A, PROVIDER_B},
    ("GET", "catalogue/dashboard/<slug:slug>/"): {PROVIDER_A},
    ("GET", "catalogue/dashboard/<slug:slug>/edit/"): {PROVIDER_A},
    ("POST", "catalogue/dashboard/<slug:slug>/new-version/"): {PROVIDER_A},
    ("POST", "catalogue/dashboard/<slug:slug>/delist/"): {PROVIDER_A},
    ("GET", "catalogue/dashboard/<slug:slug>/offers/new/"): {PROVIDER_A},
    ("GET", "catalogue/dashboard/<slug:slug>/offers/<int:offer_id>/"): {PROVIDER_A},
    ("GET", "catalogue/dashboard/<slug:slug>/v/<int:number>/edit/"): {PROVIDER_A},
    ("GET", "catalogue/dashboard/<slug:slug>/v/<int:number>/wizard/"): {PROVIDER_A},
    ("POST", "catalogue/dashboard/<slug:slug>/v/<int:number>/upload/<str:kind>/"): {PROVIDER_A},
    ("POST", "catalogue/dashboard/<slug:slug>/v/<int:number>/evidence/"): {PROVIDER_A},
    ("POST", "catalogue/dashboard/<slug:slug>/v/<int:number>/submit/"): {PROVIDER_A},
    ("GET", "compliance/transfer-check/"): SIGNED_IN,
    ("GET", "licences/"): SIGNED_IN,
    # The request form shows an offer's terms to anyone signed in; sending it is checked.
    ("GET", "licences/request/<slug:slug>/<int:offer_id>/"): SIGNED_IN,
    ("GET", "licences/requests/<int:pk>/"): {BUYER_A, PROVIDER_A, COMPLIANCE},
    ("GET", "licences/incoming/"): {PROVIDER_A, PROVIDER_B},
    ("GET", "licences/granted/"): {PROVIDER_A, PROVIDER_B},
    ("GET", "licences/<int:pk>/"): {BUYER_A, PROVIDER_A, COMPLIANCE, ADMIN},
    ("POST", "licences/<int:pk>/revoke/"): {PROVIDER_A, ADMIN},
    ("POST", "licences/<int:pk>/renew/"): {PROVIDER_A},
    ("GET", "licences/<int:licence_id>/try/"): {BUYER_A},
    ("GET", "api/schema/"): EVERYONE,
    ("GET", "api/docs/"): EVERYONE,
}

# --- the admin: each registered model's change list → who may ----------------------------
REVIEW_DESK = {"/admin/": STAFF, "/admin/login/": EVERYONE}
ADMIN_MODELS = {
    "accounts.apitoken": {ADMIN},
    "accounts.membership": STAFF,
    "accounts.organization": STAFF,
    "accounts.restrictedparty": {COMPLIANCE, ADMIN},
    "accounts.user": {ADMIN},
    "auth.group": NOBODY,
    "axes.accessattempt": {ADMIN},
    "axes.accessfailurelog": NOBODY,
    "axes.accesslog": NOBODY,
    "catalogue.dataproduct": STAFF,
    "compliance.legalqueue": {LEGAL, ADMIN},
    "compliance.technicalqueue": {TECHNICAL, ADMIN},
    "compliance.compliancequeue": {COMPLIANCE, ADMIN},
    "compliance.notification": NOBODY,
    "compliance.pipeline": {ADMIN},
    "compliance.reviewcase": STAFF,
    "ledger.auditevent": STAFF,
    "licensing.licence": {COMPLIANCE, ADMIN},
    "licensing.licencerequest": {COMPLIANCE, ADMIN},
    "licensing.usagerecord": {ADMIN},
    "outbox.outboxmessage": {ADMIN},
    "transfer_rules.ruleset": {COMPLIANCE},
    "transfer_rules.transferassessment": STAFF,
}


def _api_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if method in {"get", "post", "patch", "put", "delete"}
    }


def _page_patterns() -> set[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return {r for r in walk(get_resolver().url_patterns) if not r.startswith(("api/v1/", "admin/"))}


def test_every_route_is_in_the_matrix():
    assert _api_operations() == set(API), "API operations missing from (or gone from) API"
    assert _page_patterns() == {path for _m, path in PAGES}, "page routes differ from PAGES"
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS), "admin models differ from ADMIN_MODELS"


@pytest.fixture
def world():
    provider_a = OrganizationFactory(jurisdiction="MY", is_buyer=False, legal_name="Provider A")
    provider_b = OrganizationFactory(jurisdiction="SG", is_buyer=True, legal_name="Provider B")
    buyer_a = OrganizationFactory(jurisdiction="CN", is_provider=False, legal_name="Buyer A")
    buyer_b = OrganizationFactory(jurisdiction="CN", is_provider=False, legal_name="Buyer B")
    users = {
        PROVIDER_A: member_of(provider_a),
        PROVIDER_B: member_of(provider_b),
        BUYER_A: member_of(buyer_a),
        BUYER_B: member_of(buyer_b),
        LEGAL: reviewer("legal_reviewer"),
        TECHNICAL: reviewer("technical_reviewer"),
        COMPLIANCE: reviewer("compliance_reviewer"),
        ADMIN: reviewer("exchange_admin"),
    }
    product = listed_product(provider_a, users[PROVIDER_A])
    licence, _ = grant_licence(product, buyer_a)
    licensed_query(
        licence, users[BUYER_A], {"group_by": ["district"], "aggregates": [{"fn": "count"}]}
    )
    in_review = draft_product(provider_a, users[PROVIDER_A])
    add_offer(in_review, users[PROVIDER_A], territories=["MY"])
    case = cases.review_submit(version=in_review.versions.get(), actor=users[PROVIDER_A])
    stage = StageReview.objects.filter(case=case, stage="legal").get()
    token, _raw = api_token_create(user=users[BUYER_A], organization=buyer_a, name="matrix")
    second = member_of(provider_a)
    checker = APIClient()
    checker.force_authenticate(users[BUYER_A])
    pre_check = checker.post(
        "/api/v1/transfer-assessments/",
        {
            "origin": "CN",
            "destination": "MY",
            "data_categories": ["personal"],
            "subjects_ytd": 150000,
            "sensitive_subjects_ytd": 0,
            "important_data": False,
            "exporter_ciio": False,
            "recipient_type": "company",
            "exemptions": [],
        },
        format="json",
    )
    assert pre_check.status_code == 201, pre_check.json()
    ids = {
        "P": product.slug,
        "O": product.offers.get().pk,
        "R": licence.request_id,
        "L": licence.pk,
        "T": token.pk,
        "S": stage.pk,
        "A": pre_check.json()["id"],
        "D": in_review.slug,
        "TODAY": timezone.localdate().isoformat(),
        "TERMS": licensing_services.terms_hash(
            licensing_services.offer_terms(product.offers.get())
        ),
        "ORG": provider_a.slug,
        "MEMBER": second.memberships.get().pk,
    }
    return users, ids


def _api_url(path: str, ids: dict) -> str:
    if path.endswith("/review/"):  # the product in review has a review case
        path = path.replace("{slug}", str(ids["D"]))
    url = path.replace("{slug}", str(ids["P"])).replace("{number}", "1")
    url = url.replace("{offer_id}", str(ids["O"]))
    if "/offers/{id}" in url:
        return url.replace("{id}", str(ids["O"]))
    for prefix, key in (
        ("/licence-requests/", "R"),
        ("/licences/", "L"),
        ("/tokens/", "T"),
        ("/review/stages/", "S"),
        ("/transfer-assessments/", "A"),
    ):
        if prefix in url:
            return url.replace("{id}", str(ids[key]))
    return url


def _page_url(pattern: str, ids: dict) -> str:
    values = {
        "slug": ids["P"],
        "offer_id": ids["O"],
        "number": 1,
        "kind": "sample",
        "token_id": ids["T"],
        "membership_id": ids["MEMBER"],
        "licence_id": ids["L"],
        "pk": ids["R"] if pattern.startswith("licences/requests/") else ids["L"],
        "uidb64": "MQ",
        "token": "not-a-valid-token",
    }
    if pattern.startswith(("accounts/organisations/", "catalogue/providers/")):
        values["slug"] = ids["ORG"]
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), pattern)
    return "/" + url


def _client(role, users) -> APIClient:
    client = APIClient()
    if role != ANON:
        client.force_login(users[role])
    return client


def _allowed(response, *, list_key=None, route=None) -> bool:
    if response.status_code >= 500:
        raise AssertionError(f"{response.status_code} from {response.request['PATH_INFO']}")
    if response.status_code in (401, 403, 404):
        return False
    if response.status_code in (301, 302):
        # A page refuses with a redirect to the log-in, or back with an error message.
        if "login" in response.get("Location", ""):
            return False
        if route is not None and route[1] in REFUSED_WITH_A_MESSAGE:
            messages = getattr(response.wsgi_request, "_messages", [])
            return not any(m.level == ERROR for m in messages)
        return True
    if list_key is not None:
        key, value = list_key
        return any(str(row.get(key)) == str(value) for row in response.json()["results"])
    return True


def _request(client, method: str, url: str, *, api: bool, route=None, ids=None):
    headers = {"HTTP_X_PURPOSE": "market-research", "HTTP_X_PROCESSING_JURISDICTION": "CN"}
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, **headers)
        elif api and route in UPLOADS:
            response = client.post(url, UPLOADS[route](), format="multipart", **headers)
        elif api:
            body = BODIES.get(route, {})
            body = body(ids) if callable(body) else body
            response = getattr(client, method.lower())(url, body, format="json", **headers)
        else:
            body = PAGE_BODIES.get(route[1], lambda ids: {})(ids)
            response = client.post(url, body)
        transaction.set_rollback(True)
    return response


def test_the_authorisation_matrix(world, settings):
    settings.RATELIMIT_ENABLE = False
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    users, ids = world
    wrong, requests = [], 0
    for role in ROLES:
        client = _client(role, users)
        for (method, path), allowed in API.items():
            list_key = None
            if method == "GET" and path in LISTS:
                key, name = LISTS[path]
                list_key = (key, ids[name])
            response = _request(
                client, method, _api_url(path, ids), api=True, route=(method, path), ids=ids
            )
            requests += 1
            got = (
                _allowed(response, list_key=list_key)
                if response.status_code < 400 or (list_key is None)
                else _allowed(response)
            )
            if got != (role in allowed):
                wrong.append((role, method, path, response.status_code, role in allowed))
        for (method, pattern), allowed in PAGES.items():
            response = _request(
                client, method, _page_url(pattern, ids), api=False, route=(method, pattern), ids=ids
            )
            requests += 1
            if role != ANON and pattern == "accounts/logout/":
                client.force_login(users[role])  # the next pages are for a signed-in caller
            if _allowed(response, route=(method, pattern)) != (role in allowed):
                wrong.append((role, method, pattern, response.status_code, role in allowed))
        desk = dict(REVIEW_DESK)
        for label, who in ADMIN_MODELS.items():
            desk["/admin/{}/{}/".format(*label.split("."))] = who
        for url, allowed in desk.items():
            response = _request(client, "GET", url, api=False)
            requests += 1
            if _allowed(response) != (role in allowed):
                wrong.append((role, "GET", url, response.status_code, role in allowed))
    routes = len(API) + len(PAGES) + len(REVIEW_DESK) + len(ADMIN_MODELS)
    print(f"authorisation matrix: {routes} routes x {len(ROLES)} roles, {requests} requests")
    assert wrong == [], "\n".join(
        f"{role:15} {method:5} {path:70} got {status} expected {'allow' if expected else 'deny'}"
        for role, method, path, status, expected in wrong
    )
