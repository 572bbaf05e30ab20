"""Screening organisations against the exchange's restricted-parties list.

A match is by name (an entry's name or one of its other names, compared without legal-form
words such as "Sdn. Bhd." or "Co., Ltd.", case, punctuation or spacing) or by registration
number in the same jurisdiction. Names are compared whole, never by similarity: a match
blocks a verification or a licence request, so a near miss must not (docs/domain.md,
"Recipients that are declared and screened").
"""

import unicodedata
from dataclasses import dataclass

from cleanco import basename

from accounts.models import Organization, RestrictedParty


def screening_key(name: str) -> str:
    """A name as screening compares it: NFKC, legal-form words removed, letters and digits
    only, case-folded ("Lumina Robotics Co., Ltd." and "LUMINA ROBOTICS" give one key)."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    # cleanco removes one legal form at a time ("Co., Ltd." takes two passes).
    for _ in range(4):
        shorter = basename(text)
        if not shorter or shorter == text:
            break
        text = shorter
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _registration_key(number: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", number or "") if ch.isalnum()).upper()


@dataclass(frozen=True)
class ScreeningHit:
    """Which entry (at which revision) an organisation matched, and on what."""

    entry: RestrictedParty
    revision: int
    matched_on: str  # "name" or "registration number"

    def describe(self) -> str:
        return (
            f"“{self.entry.name}” (entry #{self.entry.pk}, revision {self.revision}, matched on "
            f"{self.matched_on}); source: {self.entry.source_text}"
        )

    def as_dict(self) -> dict:
        return {
            "entry": self.entry.pk,
            "name": self.entry.name,
            "revision": self.revision,
            "matched_on": self.matched_on,
            "source": self.entry.source_citation,
            "source_url": self.entry.source_url,
        }


def screen_organization(organization: Organization) -> ScreeningHit | None:
    """The first listed entry the organisation matches, or None."""
    name_key = screening_key(organization.legal_name)
    registration = _registration_key(organization.registration_number)
    for entry in RestrictedParty.objects.listed().order_by("pk"):
        names = [entry.name, *(entry.aliases or [])]
        if name_key and any(screening_key(name) == name_key for name in names):
            return ScreeningHit(entry, entry.revision, "name")
        if (
            entry.registration_number
            and registration
            and _registration_key(entry.registration_number) == registration
            and (not entry.jurisdiction or entry.jurisdiction == organization.jurisdiction)
        ):
            return ScreeningHit(entry, entry.revision, "registration number")
    return None
