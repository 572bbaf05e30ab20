"""Exchange staff in the Django admin: roles, verification decisions, no N+1 lists."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.models import Organization
from kernel.ledger.models import AuditEvent
from tests.factories import OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def _staff(group: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_staff_groups_exist_with_their_permissions():
    for name in roles.STAFF_GROUP_PERMISSIONS:
        assert Group.objects.filter(name=name).exists()
    admin = _staff(roles.EXCHANGE_ADMIN)
    legal = _staff(roles.LEGAL_REVIEWER)
    assert admin.has_perm("accounts.verify_organization")
    assert admin.has_perm("accounts.change_organization")
    assert not legal.has_perm("accounts.verify_organization")
    assert legal.has_perm("accounts.view_organization")
    assert legal.has_perm("catalogue.view_dataproduct")
    assert not legal.has_perm("catalogue.change_dataproduct")


def test_exchange_admin_verifies_an_organisation_with_a_note(client):
    org = OrganizationFactory(verification_status="pending", legal_name="Penang Freight")
    admin = _staff(roles.EXCHANGE_ADMIN)
    client.force_login(admin)
    url = reverse("admin:accounts_organization_change", args=[org.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(
        {
            "legal_name": org.legal_name,
            "jurisdiction": "MY",
            "registration_number": org.registration_number,
            "is_provider": "on",
            "is_buyer": "on",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
            "decision": "verified",
            "decision_note": "",
        }
    )
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    response = client.post(url, data)
    assert response.status_code == 200  # note missing: the form says so
    assert "A note is required" in response.content.decode()
    org.refresh_from_db()
    assert org.verification_status == "pending"

    data["decision_note"] = "SSM registry entry checked."
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    org.refresh_from_db()
    assert org.verification_status == "verified"
    assert org.verified_by == admin and org.verification_note == "SSM registry entry checked."
    event = AuditEvent.objects.filter(action="accounts.organization.verified").get()
    assert event.actor == admin and event.after["note"] == "SSM registry entry checked."


def test_verification_status_is_not_editable_directly(client):
    org = OrganizationFactory(verification_status="pending")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = (
        client.get(reverse("admin:accounts_organization_change", args=[org.pk]))
        .context["adminform"]
        .form
    )
    assert "verification_status" not in form.fields


def test_a_reviewer_cannot_verify(client):
    from accounts.services import organization_set_verification
    from kernel.exceptions import PermissionDenied

    org = OrganizationFactory(verification_status="pending")
    with pytest.raises(PermissionDenied):
        organization_set_verification(
            organization=org, status="verified", note="ok", decided_by=_staff(roles.LEGAL_REVIEWER)
        )
    org.refresh_from_db()
    assert org.verification_status == Organization.Verification.PENDING


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_organization_changelist",
        "admin:accounts_membership_changelist",
        "admin:accounts_apitoken_changelist",
        "admin:accounts_user_changelist",
        "admin:ledger_auditevent_changelist",
    ],
)
def test_admin_lists_do_not_grow_queries_with_rows(client, django_assert_max_num_queries, url_name):
    from accounts.services import api_token_create

    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    def add_rows(n):
        for _ in range(n):
            org = OrganizationFactory()
            user = member_of(org)
            api_token_create(user=user, organization=org, name="t")

    add_rows(2)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse(url_name)).status_code == 200
    add_rows(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(url_name)).status_code == 200
