"""What the exchange tells an organisation: a notification in its dashboard, and an e-mail
to its administrators with a link back to the portal (``settings.SITE_URL``)."""

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, User
from catalogue.models import DataProduct
from compliance.models import Notification
from kernel.exceptions import PermissionDenied
from kernel.mail import send_mail_on_commit

# A text of a notification: fixed (a reviewer's own words), or a function that writes it
# (``lambda: _("…") % {…}``), called once in each language so every reader gets their own.
Text = str | Callable[[], str]


def _written(text: Text) -> str:
    return str(text() if callable(text) else text)


def _in_language(code: str, subject: Text, body: Text) -> dict[str, str]:
    with translation.override(code):
        return {"subject": _written(subject)[:200], "body": _written(body)}


def notify_organization(
    *,
    organization: Organization,
    subject: Text,
    body: Text = "",
    link: str = "",
    product: DataProduct | None = None,
) -> Notification:
    """A notification for ``organization`` and an e-mail to its administrators. ``subject``
    and ``body`` given as functions are written in every language of the portal (the
    notification's own fields in the default one): the dashboard shows the reader's, the
    e-mail is in the language of the moment."""
    now = translation.get_language() or settings.LANGUAGE_CODE
    default = _in_language(settings.LANGUAGE_CODE, subject, body)
    translations = {}
    if callable(subject) or callable(body):
        translations = {
            code: _in_language(code, subject, body)
            for code, _name in settings.LANGUAGES
            if code != settings.LANGUAGE_CODE
        }
    note = Notification.objects.create(
        organization=organization,
        product=product,
        subject=default["subject"],
        body=default["body"],
        link=link,
        translations=translations,
    )
    mail = translations.get(now, default)
    subject, body = mail["subject"], mail["body"]
    recipients = Membership.objects.filter(
        organization=organization, role=Membership.Role.ADMIN
    ).values_list("user__email", flat=True)
    url = f"{settings.SITE_URL.rstrip('/')}{link}" if link else ""
    send_mail_on_commit(
        subject=subject, body=f"{body}\n\n{url}".strip(), recipients=list(recipients)
    )
    return note


def notify_provider(*, product: DataProduct, subject: Text, body: Text = "") -> Notification:
    """A notification for the product's provider, linking to its management page."""
    return notify_organization(
        organization=product.provider,
        product=product,
        subject=subject,
        body=body,
        link=reverse("catalogue:manage", args=[product.slug]),
    )


def notification_mark_read(*, notification: Notification, user: User) -> None:
    if not Membership.objects.filter(user=user, organization=notification.organization).exists():
        raise PermissionDenied(_("This notification is not yours."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
