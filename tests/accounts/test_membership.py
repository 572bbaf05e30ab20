import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, User
from accounts.services import api_token_create
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def test_admin_invites_a_new_person_who_sets_a_password(client, django_capture_on_commit_callbacks):
    org = OrganizationFactory()
    admin = member_of(org)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:member_invite", args=[org.slug]),
            {"email": "new.analyst@example.com", "role": "member"},
            follow=True,
        )
    assert "Invitation sent" in response.content.decode()
    invited = User.objects.get(email="new.analyst@example.com")
    assert not invited.has_usable_password()
    membership = Membership.objects.get(user=invited, organization=org)
    assert membership.role == Membership.Role.MEMBER
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.analyst@example.com"]
    path = re.search(r"/accounts/password-reset/\S+/", mail.outbox[0].body).group(0)
    client.logout()
    response = client.get(path, follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "my-own-pass-phrase-5", "new_password2": "my-own-pass-phrase-5"},
    )
    assert response.status_code == 302
    # Logging in through the log-in page (the lock-out backend needs the request).
    response = client.post(
        reverse("accounts:login"),
        {"username": "new.analyst@example.com", "password": "my-own-pass-phrase-5"},
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_non_admin_cannot_invite(client):
    org = OrganizationFactory()
    member = member_of(org, role=Membership.Role.MEMBER)
    client.force_login(member)
    response = client.post(
        reverse("accounts:member_invite", args=[org.slug]),
        {"email": "sneaky@example.com", "role": "admin"},
        follow=True,
    )
    assert "Only an administrator" in response.content.decode()
    assert not User.objects.filter(email="sneaky@example.com").exists()
    # The page does not even offer the form.
    page = client.get(reverse("accounts:organization", args=[org.slug])).content.decode()
    assert "Invite a colleague" not in page


def test_a_user_of_org_a_cannot_see_org_b(client):
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    user_a = member_of(org_a)
    member_of(org_b, email="secret.member@b.example")
    client.force_login(user_a)
    response = client.get(reverse("accounts:organization", args=[org_b.slug]))
    assert response.status_code == 404
    assert "secret.member" not in response.content.decode()
    # Nor act on it.
    response = client.post(
        reverse("accounts:member_invite", args=[org_b.slug]),
        {"email": "x@y.example", "role": "admin"},
    )
    assert response.status_code == 404
    target = Membership.objects.get(organization=org_b)
    response = client.post(reverse("accounts:member_remove", args=[org_b.slug, target.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=target.pk).exists()


def test_members_page_lists_members_to_members(client):
    org = OrganizationFactory()
    admin = member_of(org, email="boss@org.example")
    member_of(org, role=Membership.Role.MEMBER, email="analyst@org.example")
    client.force_login(admin)
    page = client.get(reverse("accounts:organization", args=[org.slug])).content.decode()
    assert "boss@org.example" in page and "analyst@org.example" in page


def test_admin_removes_a_member_and_their_tokens_stop(client):
    org = OrganizationFactory()
    admin = member_of(org)
    leaver = member_of(org, role=Membership.Role.MEMBER)
    token, _raw = api_token_create(user=leaver, organization=org, name="etl")
    client.force_login(admin)
    membership = Membership.objects.get(user=leaver, organization=org)
    client.post(reverse("accounts:member_remove", args=[org.slug, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert org.group not in leaver.groups.all()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_last_admin_cannot_leave_or_be_demoted(client):
    org = OrganizationFactory()
    admin = member_of(org)
    client.force_login(admin)
    membership = Membership.objects.get(user=admin)
    response = client.post(
        reverse("accounts:member_remove", args=[org.slug, membership.pk]), follow=True
    )
    assert "at least one administrator" in response.content.decode()
    response = client.post(
        reverse("accounts:member_role", args=[org.slug, membership.pk]),
        {"role": "member"},
        follow=True,
    )
    assert "at least one administrator" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Membership.Role.ADMIN


def test_switching_the_active_organisation(client):
    org_a, org_b, org_c = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    user = member_of(org_a)
    Membership.objects.create(user=user, organization=org_b, role="member")
    client.force_login(user)
    response = client.post(
        reverse("accounts:switch_organization"),
        {"organization": org_b.slug, "next": "/accounts/organisation/"},
    )
    assert response.status_code == 302
    response = client.get(reverse("accounts:my_organization"))
    assert response.url == reverse("accounts:organization", args=[org_b.slug])
    # Not a member of C: refused without revealing it.
    response = client.post(reverse("accounts:switch_organization"), {"organization": org_c.slug})
    assert response.status_code == 404
    # An off-site "next" is ignored.
    response = client.post(
        reverse("accounts:switch_organization"),
        {"organization": org_a.slug, "next": "https://evil.example/"},
    )
    assert response.url == "/"


def test_unverified_organisation_sees_the_limits(client):
    org = OrganizationFactory(verification_status="pending")
    client.force_login(member_of(org))
    page = client.get("/").content.decode()
    assert "awaiting verification" in page
    assert "cannot list products or request licences" in page
