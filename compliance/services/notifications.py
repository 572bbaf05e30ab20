"""What the exchange tells an organisation: a notification in its dashboard, and an e-mail
to its administrators with a link back to the portal (``settings.SITE_URL``)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, User
from catalogue.models import DataProduct
from compliance.models import Notification
from kernel.exceptions import PermissionDenied
from kernel.mail import send_mail_on_commit


def notify_organization(
    *,
    organization: Organization,
    subject: str,
    body: str = "",
    link: str = "",
    product: DataProduct | None = None,
) -> Notification:
    """A notification for ``organization`` and an e-mail to its administrators."""
    note = Notification.objects.create(
        organization=organization, product=product, subject=subject, body=body, link=link
    )
    recipients = Membership.objects.filter(
        organization=organization, role=Membership.Role.ADMIN
    ).values_list("user__email", flat=True)
    url = f"{settings.SITE_URL.rstrip('/')}{link}" if link else ""
    send_mail_on_commit(
        subject=subject, body=f"{body}\n\n{url}".strip(), recipients=list(recipients)
    )
    return note


def notify_provider(*, product: DataProduct, subject: str, body: str = "") -> Notification:
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
