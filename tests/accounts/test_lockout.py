"""Account lock-out on top of the throttles: repeated failures lock the account (whatever
the address), the page says so, and an exchange administrator can unlock it."""

import pytest
from django.urls import reverse

from accounts.services import user_login_unlock
from kernel.exceptions import PermissionDenied
from kernel.ledger.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_strikes(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_RATE_LIMIT = "1000/m"  # the throttle must not be what answers here


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_repeated_failures_lock_the_account_from_any_address(client, three_strikes):
    UserFactory(email="mei@example.com")
    # Three failures from three addresses, in varying case: one account, counted together;
    # the third is answered with the lock-out.
    attempts = (("10.0.0.1", "mei@example.com"), ("10.0.0.2", "MEI@example.com"))
    for ip, name in attempts:
        response = _login(client, name, "wrong-guess", ip=ip)
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    assert _login(client, " Mei@Example.com", "wrong-guess", ip="10.0.0.3").status_code == 429
    # The right password, from a fresh address, no longer opens the account.
    response = _login(client, "mei@example.com", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Account locked" in page
    assert "after 3 failed log-in attempts" in page
    assert "administrators" in page
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_locked_too(client, three_strikes):
    staff = reviewer("exchange_admin", email="ops@exchange.example")
    for i in range(3):
        client.post(
            reverse("admin:login"),
            {"username": staff.email, "password": "nope", "next": "/admin/"},
            REMOTE_ADDR=f"10.1.0.{i}",
        )
    response = client.post(
        reverse("admin:login"),
        {"username": staff.email, "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 429
    assert "Account locked" in response.content.decode()


def test_fewer_failures_than_the_limit_do_not_lock(client, three_strikes):
    UserFactory(email="mei@example.com")
    for _ in range(2):
        _login(client, "mei@example.com", "wrong-guess")
    response = _login(client, "mei@example.com", PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_an_exchange_administrator_unlocks_the_account_in_the_admin(client, three_strikes):
    locked = UserFactory(email="mei@example.com")
    for i in range(3):
        _login(client, "mei@example.com", "wrong-guess", ip=f"10.2.0.{i}")
    assert _login(client, "mei@example.com", PASSWORD, ip="10.2.1.1").status_code == 429

    admin_user = reviewer("exchange_admin", email="ops@exchange.example")
    staff = type(client)()
    staff.force_login(admin_user)
    response = staff.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_login", "_selected_action": [locked.pk]},
        follow=True,
    )
    assert response.status_code == 200
    # Three failures, and the refused attempt made while locked.
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["Log-in unlocked for mei@example.com (4 failed attempts cleared)."]
    assert AuditEvent.objects.filter(
        action="accounts.user.login_unlocked", object_id=str(locked.pk)
    ).exists()

    response = _login(client, "mei@example.com", PASSWORD, ip="10.2.1.2")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_reviewer_cannot_unlock_an_account():
    locked = UserFactory(email="mei@example.com")
    with pytest.raises(PermissionDenied):
        user_login_unlock(user=locked, actor=reviewer("legal_reviewer"))
