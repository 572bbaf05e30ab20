"""Schemathesis against the live schema, as a buyer and as a provider: generated requests
for every operation, bounded (SCHEMATHESIS_MAX_EXAMPLES per operation, default 8) so that
both roles run in a few minutes. Zero 5xx and zero responses that differ from the schema
(status codes, content types, headers and bodies).

Not run: schemathesis' `positive_data_acceptance`, which expects every schema-valid body to
be accepted; a schema cannot state business rules (an offer that exists, terms the buyer
saw), so such a body is rightly a documented 400.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.services import api_token_create
from tests.factories import OrganizationFactory, grant_licence, listed_product, member_of

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))


@pytest.fixture
def market():
    """A provider with a listed product, a buyer holding a licence of it, a token each."""
    provider = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls")
    product = listed_product(provider)
    buyer = OrganizationFactory(jurisdiction="CN", is_provider=False, legal_name="Lumina")
    grant_licence(product, buyer)
    tokens = {}
    for role, org in (("buyer", buyer), ("provider", provider)):
        _t, raw = api_token_create(
            user=member_of(org), organization=org, name="schemathesis", processing_jurisdiction="CN"
        )
        tokens[role] = raw
    return tokens


def _run(role: str, raw_token: str, settings_) -> tuple[int, list[str]]:
    from marketplace.wsgi import application

    settings_.REST_FRAMEWORK = {**settings_.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    settings_.ALLOWED_HOSTS = ["localhost", "testserver"]
    # As Django's test client does: a request must not close the test's connection (on
    # PostgreSQL that ends the test's transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return _run_cases(role, raw_token, application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _run_cases(role: str, raw_token: str, application) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    headers = {"Authorization": f"Bearer {raw_token}"}
    cases, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal cases
            cases += 1
            try:
                # Each case in a savepoint rolled back: the cases do not change the world.
                with transaction.atomic():
                    case.call_and_validate(
                        headers=headers, excluded_checks=[positive_data_acceptance]
                    )
                    transaction.set_rollback(True)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all collected
                # Called at once in this iteration: the loop variable is the current one.
                where = f"{operation.method.upper()} {operation.path}"  # noqa: B023
                failures.append(f"{where}: {exc}"[:600])

        check()
    print(f"schemathesis as {role}: {cases} cases, {len(failures)} failures")
    return cases, failures


def test_schemathesis_as_a_buyer(market, settings):
    cases, failures = _run("buyer", market["buyer"], settings)
    assert cases > 0
    assert failures == [], "\n\n".join(failures[:20])


def test_schemathesis_as_a_provider(market, settings):
    cases, failures = _run("provider", market["provider"], settings)
    assert cases > 0
    assert failures == [], "\n\n".join(failures[:20])
