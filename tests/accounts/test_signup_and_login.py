import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Organization, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Tan Ah Kow",
    "email": "Ah.Kow@Penang-Freight.example",
    "password": "a-long-unusual-passphrase-9",
    "legal_name": "Penang Freight Analytics Sdn. Bhd.",
    "jurisdiction": "MY",
    "registration_number": "202301112233",
    "website": "https://penang-freight.example",
    "role": "both",
    "accept_terms": "on",
}


def test_sign_up_creates_a_pending_organisation_with_its_admin(client):
    response = client.post(reverse("accounts:signup"), SIGNUP, follow=True)
    assert response.status_code == 200
    user = User.objects.get(email="ah.kow@penang-freight.example")
    org = Organization.objects.get(registration_number="202301112233")
    assert org.verification_status == Organization.Verification.PENDING
    assert org.is_provider and org.is_buyer
    assert Membership.objects.get(user=user, organization=org).role == Membership.Role.ADMIN
    assert org.group in user.groups.all()
    # Logged in, on the organisation page, told what "pending" means.
    assert response.wsgi_request.user == user
    text = response.content.decode()
    assert "awaiting verification" in text
    assert "cannot list products or request licences" in text


def test_sign_up_refuses_a_known_email_and_a_duplicate_registration(client):
    UserFactory(email="ah.kow@penang-freight.example")
    response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert not Organization.objects.exists()

    client.post(reverse("accounts:signup"), {**SIGNUP, "email": "other@x.example"})
    client.logout()
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "email": "third@x.example"})
    assert "already registered in this jurisdiction" in response.content.decode()
    assert Organization.objects.count() == 1


def test_sign_up_validates_the_password_and_jurisdiction(client):
    response = client.post(
        reverse("accounts:signup"), {**SIGNUP, "password": "12345678", "jurisdiction": "XX"}
    )
    text = response.content.decode()
    assert "too common" in text or "entirely numeric" in text
    assert "Select a valid choice" in text
    assert not User.objects.exists()


def test_sign_up_is_rate_limited(client, settings):
    settings.SIGNUP_RATE_LIMIT = "2/h"
    for i in range(2):
        client.post(
            reverse("accounts:signup"),
            {**SIGNUP, "email": f"x{i}@a.example", "registration_number": f"R{i}"},
        )
        client.logout()
    response = client.post(
        reverse("accounts:signup"),
        {**SIGNUP, "email": "late@a.example", "registration_number": "R9"},
    )
    assert response.status_code == 429
    assert not User.objects.filter(email="late@a.example").exists()


def test_log_in_and_out(client):
    user = UserFactory(email="mei@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "MEI@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == user
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_wrong_password_is_refused_and_login_is_rate_limited(client, settings):
    settings.LOGIN_RATE_LIMIT = "3/m"
    UserFactory(email="mei@example.com")
    for _ in range(3):
        response = client.post(
            reverse("accounts:login"), {"username": "mei@example.com", "password": "nope"}
        )
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    response = client.post(
        reverse("accounts:login"), {"username": "mei@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429


def test_password_reset_by_email(client):
    UserFactory(email="mei@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "mei@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/password-reset/[^\s]+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"}
    )
    assert response.status_code == 302
    # Logging in through the log-in page (the lock-out backend needs the request).
    response = client.post(
        reverse("accounts:login"), {"username": "mei@example.com", "password": "brand-new-pass-77"}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_password_reset_does_not_reveal_unknown_addresses(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
