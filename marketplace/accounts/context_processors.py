"""Template context: the organisation a page acts for and the others the user may switch to."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from accounts import selectors


def active_organization(request):
    def _memberships():
        return selectors.memberships_of_request(request)

    return {
        "active_org": SimpleLazyObject(lambda: selectors.active_organization(request))
        if getattr(request, "user", None) is not None
        else None,
        "my_memberships": SimpleLazyObject(_memberships),
        "brand_name": settings.SITE_NAME,
    }
