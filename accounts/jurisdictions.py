"""Jurisdictions the exchange deals with (ISO 3166-1 alpha-2), in display order.

China and ASEAN first; other common processing destinations follow. The transfer rules
engine decides what an unknown pair means (manual review), so this list only bounds input.
"""

from django.utils.translation import gettext_lazy as _

JURISDICTION_CHOICES = [
    ("CN", _("China (mainland)")),
    ("MY", _("Malaysia")),
    ("SG", _("Singapore")),
    ("ID", _("Indonesia")),
    ("TH", _("Thailand")),
    ("VN", _("Vietnam")),
    ("PH", _("Philippines")),
    ("BN", _("Brunei")),
    ("KH", _("Cambodia")),
    ("LA", _("Laos")),
    ("MM", _("Myanmar")),
    ("HK", _("Hong Kong SAR")),
    ("MO", _("Macao SAR")),
    ("JP", _("Japan")),
    ("KR", _("South Korea")),
    ("IN", _("India")),
    ("AU", _("Australia")),
    ("AE", _("United Arab Emirates")),
    ("GB", _("United Kingdom")),
    ("DE", _("Germany")),
    ("FR", _("France")),
    ("NL", _("Netherlands")),
    ("US", _("United States")),
]
JURISDICTION_CODES = frozenset(code for code, _label in JURISDICTION_CHOICES)
ASEAN = frozenset({"MY", "SG", "ID", "TH", "VN", "PH", "BN", "KH", "LA", "MM"})


def jurisdiction_name(code: str) -> str:
    return str(dict(JURISDICTION_CHOICES).get(code, code))
