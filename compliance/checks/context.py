"""What an automated check sees (plain data: no Django models) and what it reports."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

Opener = Callable[[], IO[bytes]]


@dataclass(frozen=True)
class OfferFacts:
    """An offer's name and contract terms (the catalogue's term list, as buyers accept them):
    ``offer.governing_law`` reads ``terms["governing_law"]``."""

    name: str
    terms: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["terms"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class EvidenceFacts:
    kind: str
    title: str
    reference: str = ""
    issued_on: date | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class TerritoryAssessment:
    territory: str
    decision: str
    mechanisms_any_of: list[str]
    obligations: list[str]
    explanation: str
    rules: list[str] = field(default_factory=list)


@dataclass
class CheckContext:
    product_title: str
    origin: str
    provider_name: str
    provider_has_dpo: bool
    version: dict[str, Any]
    # The provider's own figures of its whole processing (None: not answered).
    provider_processed_subjects: int | None = None
    provider_processed_sensitive_subjects: int | None = None
    provider_systematic_monitoring: bool | None = None
    offers: list[OfferFacts] = field(default_factory=list)
    evidence: list[EvidenceFacts] = field(default_factory=list)
    assessments: list[TerritoryAssessment] = field(default_factory=list)
    subjects_ytd: int = 0
    sensitive_subjects_ytd: int = 0
    today: date = field(default_factory=date.today)
    open_sample: Opener | None = None
    open_dataset: Opener | None = None

    @property
    def data_categories(self) -> set[str]:
        return set(self.version.get("data_categories") or [])

    @property
    def has_personal_data(self) -> bool:
        return bool({"personal", "sensitive_personal"} & self.data_categories)


@dataclass(frozen=True)
class FindingData:
    severity: str  # info | warning | blocking
    code: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


def info(code: str, message: str, **evidence) -> FindingData:
    return FindingData("info", code, message, evidence)


def warning(code: str, message: str, **evidence) -> FindingData:
    return FindingData("warning", code, message, evidence)


def blocking(code: str, message: str, **evidence) -> FindingData:
    return FindingData("blocking", code, message, evidence)
