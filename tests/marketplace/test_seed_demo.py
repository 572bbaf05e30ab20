"""`manage.py seed_demo`: realistic, reviewed through the real workflow, idempotent."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organization, User
from catalogue.models import DataProduct
from compliance.models import ReviewCase, StageReview
from kernel.ledger.models import AuditEvent
from kernel.ledger.selectors import ledger_first_problem


def test_refuses_to_seed_known_passwords_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_seed_demo_loads_everything_once(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "lin.wei@lumina-robotics.example" in text and settings.DEMO_PASSWORD in text
    assert Organization.objects.filter(verification_status="verified").count() == 5
    assert Organization.objects.filter(verification_status="pending").count() == 1
    assert User.objects.filter(is_staff=True).count() == 4
    listed = DataProduct.objects.filter(status="listed")
    assert listed.count() >= 12
    assert all(p.offers.filter(is_active=True).exists() for p in listed)
    assert all(p.listed_version.sample and p.listed_version.dataset for p in listed)
    # Cases in every state the queues show.
    waiting = StageReview.objects.filter(status="awaiting_decision")
    assert {s.stage for s in waiting} == {"legal", "technical", "compliance"}
    assert waiting.filter(findings__severity="blocking").exists()
    overdue = [s for s in waiting if s.is_overdue]
    assert overdue
    assert ReviewCase.objects.filter(status="changes_requested").exists()
    events = AuditEvent.objects.count()
    products = DataProduct.objects.count()

    call_command("seed_demo", stdout=StringIO())
    assert AuditEvent.objects.count() == events
    assert DataProduct.objects.count() == products
    assert ledger_first_problem() is None
