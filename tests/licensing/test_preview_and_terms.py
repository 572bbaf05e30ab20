"""The provider's preview is metered as its own usage; licence periods follow the calendar;
ODRL IRIs and e-mail links use SITE_URL; a mail server that fails is logged, not hidden."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from rest_framework.test import APIClient

from accounts.services import api_token_create
from compliance.models import Notification
from kernel.ledger.models import AuditEvent
from licensing import services
from licensing.models import Licence, LicenceRequest, UsageRecord
from licensing.services import licence_period_end
from tests.conftest import bearer
from tests.factories import OrganizationFactory, listed_product, member_of

pytestmark = pytest.mark.django_db
KL = ZoneInfo("Asia/Kuala_Lumpur")


def test_the_providers_preview_is_metered_as_its_own_usage():
    provider = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls")
    product = listed_product(provider)
    user = member_of(provider)
    _t, raw = api_token_create(user=user, organization=provider, name="preview")
    client = bearer(APIClient(), raw)
    answer = client.post(
        f"/api/v1/products/{product.slug}/query",
        {"group_by": ["district"], "aggregates": [{"fn": "count"}]},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    record = UsageRecord.objects.get()
    assert record.kind == "preview" and record.licence is None
    assert record.product == product and record.organization == provider
    assert record.user == user
    event = AuditEvent.objects.get(action="licensing.access.preview")
    assert event.object_type == "catalogue.dataproduct" and event.after["usage"] == record.pk
    # The provider sees it in its usage, as its own.
    rows = client.get("/api/v1/usage/").json()["results"]
    assert [(r["kind"], r["organization"], r["product"], r["licence"]) for r in rows] == [
        ("preview", provider.slug, product.slug, None)
    ]


def test_another_organisation_gets_no_preview():
    provider = OrganizationFactory(jurisdiction="MY")
    product = listed_product(provider)
    stranger = OrganizationFactory(jurisdiction="MY", is_provider=False)
    _t, raw = api_token_create(user=member_of(stranger), organization=stranger, name="x")
    answer = bearer(APIClient(), raw).post(
        f"/api/v1/products/{product.slug}/query", {"aggregates": [{"fn": "count"}]}, format="json"
    )
    assert answer.status_code == 404
    assert not UsageRecord.objects.exists()


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ((2026, 1, 31), 12, (2027, 1, 31)),
        ((2026, 1, 31), 1, (2026, 2, 28)),
        ((2028, 1, 31), 1, (2028, 2, 29)),
        ((2026, 3, 31), 1, (2026, 4, 30)),
        ((2026, 11, 30), 3, (2027, 2, 28)),
        ((2026, 12, 15), 1, (2027, 1, 15)),
        ((2026, 8, 29), 18, (2028, 2, 29)),
    ],
)
def test_licence_periods_follow_the_calendar(start, months, end):
    begins = datetime(*start, 9, 30, tzinfo=KL)
    assert licence_period_end(begins, months) == datetime(*end, 9, 30, tzinfo=KL)


def test_a_perpetual_term_has_no_end():
    assert licence_period_end(datetime(2026, 1, 31, tzinfo=KL), None) is None


def _grant(product, buyer):
    from catalogue.selectors import offer_terms

    offer = product.offers.get()
    request = services.licence_request_create(
        buyer=buyer,
        user=buyer.memberships.first().user,
        offer=offer,
        purpose="market-research",
        processing_jurisdiction="CN",
        intended_start=datetime.now(KL).date(),
        accepted_terms_hash=services.terms_hash(offer_terms(offer)),
    )
    services.licence_request_decide(
        request=LicenceRequest.objects.get(pk=request.pk),
        user=product.provider.memberships.first().user,
        approve=True,
    )
    return Licence.objects.get(request=request)


def test_a_twelve_month_licence_from_31_january_ends_on_31_january():
    with time_machine.travel(datetime(2026, 1, 31, 10, 0, tzinfo=KL), tick=False):
        provider = OrganizationFactory(jurisdiction="MY")
        product = listed_product(provider, offer={"term_months": 12})
        buyer = OrganizationFactory(jurisdiction="CN", is_provider=False)
        member_of(buyer)
        licence = _grant(product, buyer)
    assert licence.ends_at.astimezone(KL).date().isoformat() == "2027-01-31"


def test_policy_iris_and_mail_links_use_site_url(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://jambatan.example.org"
    provider = OrganizationFactory(jurisdiction="MY")
    member_of(provider, role="admin")
    product = listed_product(provider)
    buyer = OrganizationFactory(jurisdiction="CN", is_provider=False)
    member_of(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        licence = _grant(product, buyer)
    assert licence.policy["uid"] == f"https://jambatan.example.org/api/v1/licences/{licence.pk}/"
    assert "exchange.example" not in str(licence.policy)
    links = [m.body for m in mail.outbox if "https://jambatan.example.org/" in m.body]
    assert links, [m.body for m in mail.outbox]


class _RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


def test_a_failing_mail_server_is_logged_and_the_notification_stays(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}._RefusingBackend"
    provider = OrganizationFactory(jurisdiction="MY")
    member_of(provider, role="admin")
    product = listed_product(provider)
    from compliance.services.notifications import notify_provider

    with (
        caplog.at_level(logging.ERROR, logger="kernel.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify_provider(product=product, subject="Licence request from X", body="...")
    assert Notification.objects.filter(subject="Licence request from X").exists()
    failures = [r for r in caplog.records if r.name == "kernel.mail"]
    assert failures and "Licence request from X" in failures[0].getMessage()
    assert "SMTP server refused" in failures[0].exc_text
