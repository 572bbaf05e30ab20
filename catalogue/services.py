"""Writes of the catalogue: products, versions, uploads, offers and the product lifecycle."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.jurisdictions import JURISDICTION_CODES
from accounts.models import Membership, Organization, User
from catalogue.models import (
    MAX_BREACH_NOTICE_HOURS,
    OFFER_FIELDS,
    Category,
    DataProduct,
    DatasetState,
    GbaCity,
    Offer,
    ProductVersion,
    Purpose,
    VersionAttachment,
)
from catalogue.privacy import DeclarationError, parse_declaration
from catalogue.selectors import offer_terms
from kernel.exceptions import Conflict, InvalidInput, PermissionDenied
from kernel.ledger.services import audit_record
from kernel.outbox.services import enqueue
from kernel.regions import region_for, region_of_name
from kernel.storage import delete_unreferenced_on_commit, stage_file
from kernel.tabular.schema import (
    CsvValidationError,
    SchemaError,
    neutralise_rows,
    validate_csv,
    validate_schema,
)
from kernel.transitions import StateMachine, transition

S = DataProduct.Status
# Each move names the operation (service) that makes it; see kernel.transitions.
PRODUCT_TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {S.SUBMITTED: "submit"},
    S.SUBMITTED: {S.IN_REVIEW: "open_review"},
    S.IN_REVIEW: {S.CHANGES_REQUESTED: "review", S.LISTED: "review", S.REJECTED: "review"},
    S.CHANGES_REQUESTED: {S.SUBMITTED: "submit"},
    S.LISTED: {S.SUSPENDED: "suspend", S.DELISTED: "delist"},
    S.SUSPENDED: {S.LISTED: "reinstate", S.DELISTED: "delist"},
    S.DELISTED: {},
    S.REJECTED: {},
}
_OPEN_PRODUCT = {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.LISTED, S.SUSPENDED}
PRODUCT_OPERATIONS: dict[str, set[str]] = {
    # The product's own fields change only before review or when it is back with the provider.
    "edit": {S.DRAFT, S.CHANGES_REQUESTED},
    # New versions and offers, until the product is delisted or rejected.
    "new_version": _OPEN_PRODUCT,
    "offer": _OPEN_PRODUCT,
    # Submitting a version: a draft product moves to submitted (the map), a listed or
    # suspended one keeps serving its approved version meanwhile.
    "submit_version": {S.DRAFT, S.CHANGES_REQUESTED, S.LISTED, S.SUSPENDED},
    # An approved version becomes what buyers see.
    "list_version": {S.IN_REVIEW, S.LISTED, S.SUSPENDED},
    # Buyers request licences for listed products only.
    "license": {S.LISTED},
    # Licensed access is served while the product is listed, and after it is delisted for
    # the licences that still run; a suspension pauses it.
    "serve": {S.LISTED, S.DELISTED},
}
PRODUCT = StateMachine(
    model=DataProduct,
    field="status",
    transitions=PRODUCT_TRANSITIONS,
    operations=PRODUCT_OPERATIONS,
    noun=gettext_lazy("product"),
    action_prefix="catalogue.product",
)

V = ProductVersion.State
VERSION_TRANSITIONS: dict[str, dict[str, str]] = {
    V.DRAFT: {V.SUBMITTED: "submit", V.WITHDRAWN: "withdraw"},
    V.SUBMITTED: {V.APPROVED: "review", V.CHANGES_REQUESTED: "review", V.REJECTED: "review"},
    V.APPROVED: {},
    V.CHANGES_REQUESTED: {},
    V.REJECTED: {},
    V.WITHDRAWN: {},
}
VERSION_OPERATIONS: dict[str, set[str]] = {
    "edit": {V.DRAFT},  # fields, files and evidence
    "list": {V.APPROVED},
}
VERSION = StateMachine(
    model=ProductVersion,
    field="state",
    transitions=VERSION_TRANSITIONS,
    operations=VERSION_OPERATIONS,
    noun=gettext_lazy("version"),
    action_prefix="catalogue.version",
)

D = DatasetState
# The dataset prepared for the query engine, once per approved version, in its region.
DATASET_TRANSITIONS: dict[str, dict[str, str]] = {
    D.ABSENT: {D.QUEUED: "queue"},
    D.QUEUED: {D.PREPARING: "start", D.FAILED: "fail"},
    D.PREPARING: {D.READY: "finish", D.FAILED: "fail"},
    D.READY: {D.QUEUED: "queue"},  # prepared again (e.g. after the engine changed)
    D.FAILED: {D.QUEUED: "queue"},
}
DATASET_OPERATIONS: dict[str, set[str]] = {
    "query": {D.READY},  # answers come only from a prepared dataset
}
DATASET = StateMachine(
    model=ProductVersion,
    field="dataset_state",
    transitions=DATASET_TRANSITIONS,
    operations=DATASET_OPERATIONS,
    noun=gettext_lazy("dataset"),
    action_prefix="catalogue.dataset",
)
PREPARE_DATASET_TASK = "data.prepare_dataset"

PRODUCT_FIELDS = {"title", "summary", "category", "tags", "origin_jurisdiction"}
VERSION_FIELDS = {
    "description",
    "data_categories",
    "important_data",
    "data_subject_count",
    "anonymised",
    "min_group_size",
    "update_frequency",
    "delivery_mode",
    "schema",
    "lawful_basis",
    "rights_confirmed",
    "consent_evidence",
    "exporter_ciio",
    "important_data_notification",
    "free_trade_zone",
    "privacy",
    "foreign_collected_reexport",
    "gba_city",
    "change_note",
}
# Copied into a new version; the files are shared until the provider uploads new ones
# (stored files are never overwritten, each upload gets a new name).
COPIED_VERSION_FIELDS = VERSION_FIELDS - {"change_note"} | {
    "sample",
    "sample_rows",
    "sample_preview",
    "dataset",
    "dataset_rows",
    "dataset_bytes",
    "sensitivity",
}
SENSITIVITY_ORDER = ["non_personal", "personal", "sensitive_personal"]
PREVIEW_ROWS = 10  # sample rows shown on the product page


# --- guards -------------------------------------------------------------------------------


def require_provider_member(*, user: User, organization: Organization) -> None:
    """The user acts for a verified provider organisation they belong to."""
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise PermissionDenied(_("You are not a member of this organisation."))
    if not organization.is_provider:
        raise PermissionDenied(_("Only provider organisations can list data products."))
    if not organization.is_verified:
        raise PermissionDenied(
            _("Your organisation must be verified by the exchange before it can list products.")
        )


def _require_owner(*, user: User, product: DataProduct) -> None:
    require_provider_member(user=user, organization=product.provider)


def _locked_product(product: DataProduct) -> DataProduct:
    return DataProduct.objects.select_for_update().get(pk=product.pk)


def _locked_version(version: ProductVersion) -> ProductVersion:
    return (
        ProductVersion.objects.select_for_update(of=("self",))
        .select_related("product")
        .get(pk=version.pk)
    )


# --- products and versions ----------------------------------------------------------------


def _unique_product_slug(title: str, provider: Organization) -> str:
    # Titles in scripts slugify() cannot spell (Chinese, Thai) fall back to the provider.
    base = slugify(title)[:80] or f"{provider.slug}-product"[:80]
    slug, n = base, 2
    while DataProduct.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _clean_tags(tags: Iterable[str] | str) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: list[str] = []
    for tag in tags:
        tag = str(tag).strip().lower()[:40]
        if tag and tag not in seen:
            seen.append(tag)
    if len(seen) > 15:
        raise InvalidInput(_("At most 15 tags."), field="tags")
    return seen


def _check_jurisdiction(code: str, field: str) -> str:
    code = (code or "").upper()
    if code not in JURISDICTION_CODES:
        raise InvalidInput(_("Unknown jurisdiction “%(code)s”.") % {"code": code}, field=field)
    return code


def product_create(
    *,
    provider: Organization,
    actor: User,
    title: str,
    summary: str,
    category: Category,
    origin_jurisdiction: str,
    tags: Iterable[str] | str = (),
    slug: str | None = None,
) -> DataProduct:
    """A new draft product with its first (draft) version."""
    require_provider_member(user=actor, organization=provider)
    if not title.strip():
        raise InvalidInput(_("A title is required."), field="title")
    with transaction.atomic():
        product = DataProduct.objects.create(
            provider=provider,
            slug=slug or _unique_product_slug(title, provider),
            title=title.strip(),
            summary=summary.strip(),
            category=category,
            tags=_clean_tags(tags),
            origin_jurisdiction=_check_jurisdiction(origin_jurisdiction, "origin_jurisdiction"),
        )
        version = ProductVersion.objects.create(product=product, number=1, created_by=actor)
        audit_record(
            action="catalogue.product.created",
            actor=actor,
            organization=provider,
            obj=product,
            after={"title": product.title, "version": version.number},
        )
    return product


def product_update(*, product: DataProduct, actor: User, **fields: Any) -> DataProduct:
    """Edits the product's own fields while it is a draft or back with the provider.

    Once reviewed and listed, what buyers see changes only through a new reviewed version.
    """
    _require_owner(user=actor, product=product)
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        product = _locked_product(product)
        PRODUCT.require(
            product,
            "edit",
            refusal=_(
                "The product's details can change only while it is a draft or back with you."
            ),
        )
        if "tags" in fields:
            fields["tags"] = _clean_tags(fields["tags"])
        if "origin_jurisdiction" in fields:
            fields["origin_jurisdiction"] = _check_jurisdiction(
                fields["origin_jurisdiction"], "origin_jurisdiction"
            )
        before = {k: _plain(getattr(product, k)) for k in fields}
        for name, value in fields.items():
            setattr(product, name, value)
        product.save(update_fields=[*fields, "updated_at"])
        audit_record(
            action="catalogue.product.updated",
            actor=actor,
            organization=product.provider,
            obj=product,
            before=before,
            after={k: _plain(v) for k, v in fields.items()},
        )
    return product


def _plain(value: Any) -> Any:
    if isinstance(value, Category):
        return value.slug
    return value


def _sensitivity(categories: list[str]) -> str:
    return max(categories, key=SENSITIVITY_ORDER.index) if categories else "non_personal"


def version_update(*, version: ProductVersion, actor: User, **fields: Any) -> ProductVersion:
    """Edits a draft version. Submitted versions are immutable."""
    _require_owner(user=actor, product=version.product)
    unknown = set(fields) - VERSION_FIELDS
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    if "schema" in fields:
        try:
            fields["schema"] = validate_schema(fields["schema"])
        except SchemaError as exc:
            raise InvalidInput(" ".join(exc.errors), field="schema") from exc
    if "data_categories" in fields:
        categories = [c for c in SENSITIVITY_ORDER if c in set(fields["data_categories"] or [])]
        if not categories or len(categories) != len(set(fields["data_categories"])):
            raise InvalidInput(
                _("Choose one or more of: non_personal, personal, sensitive_personal."),
                field="data_categories",
            )
        fields["data_categories"] = categories
    if "privacy" in fields:
        fields["privacy"] = _clean_privacy(version, fields)
    if "min_group_size" in fields and not (2 <= int(fields["min_group_size"]) <= 10000):
        raise InvalidInput(_("k must be between 2 and 10,000."), field="min_group_size")
    for choice_field, choices in (
        ("delivery_mode", ProductVersion.DeliveryMode.values),
        ("update_frequency", ProductVersion.UpdateFrequency.values),
        ("gba_city", ["", *GbaCity.values]),
    ):
        if choice_field in fields and fields[choice_field] not in choices:
            raise InvalidInput(_("Not a valid choice."), field=choice_field)
    with transaction.atomic():
        version = _locked_version(version)
        VERSION.require(
            version,
            "edit",
            refusal=_("Version %(n)s is %(state)s and can no longer be edited.")
            % {"n": version.number, "state": version.get_state_display().lower()},
        )
        schema_changed = "schema" in fields and fields["schema"] != version.schema
        for name, value in fields.items():
            setattr(version, name, value)
        update = [*fields, "updated_at"]
        if "data_categories" in fields:
            version.sensitivity = _sensitivity(version.data_categories)
            update.append("sensitivity")
        if schema_changed and (version.sample or version.dataset):
            # Files checked against the old schema no longer prove anything: upload again.
            version.sample, version.sample_rows, version.sample_preview = "", 0, []
            version.dataset, version.dataset_rows, version.dataset_bytes = "", 0, 0
            update += [
                "sample",
                "sample_rows",
                "sample_preview",
                "dataset",
                "dataset_rows",
                "dataset_bytes",
            ]
        version.save(update_fields=update)
        audit_record(
            action="catalogue.version.updated",
            actor=actor,
            organization=version.product.provider,
            obj=version,
            after={"fields": sorted(fields)},
        )
    return version


def _clean_privacy(version: ProductVersion, fields: dict[str, Any]) -> dict:
    """The declaration, checked against the schema and categories being saved with it."""
    schema = fields.get("schema", version.schema) or {}
    categories = fields.get("data_categories", version.data_categories) or []
    try:
        return parse_declaration(
            fields["privacy"], list(schema.get("fields", [])), categories
        ).as_dict()
    except DeclarationError as exc:
        raise InvalidInput(
            _("The privacy declaration is not valid: %(problems)s") % {"problems": exc},
            field="privacy",
        ) from exc


def _store_csv(
    *,
    version: ProductVersion,
    actor: User,
    upload: UploadedFile,
    kind: str,
    schema: dict | None = None,
) -> ProductVersion:
    limits = {
        "sample": (settings.SAMPLE_MAX_BYTES, settings.SAMPLE_MAX_ROWS),
        "dataset": (settings.DATASET_MAX_BYTES, None),
    }
    max_bytes, max_rows = limits[kind]
    version = ProductVersion.objects.select_related("product__provider").get(pk=version.pk)
    _require_owner(user=actor, product=version.product)
    VERSION.require(version, "edit", refusal=_("Only a draft version accepts new files."))
    if upload.size is not None and upload.size > max_bytes:
        raise InvalidInput(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": _human_bytes(upload.size), "limit": _human_bytes(max_bytes)},
            field=kind,
        )
    name = (upload.name or "").lower()
    if not name.endswith(".csv"):
        raise InvalidInput(_("Upload a .csv file."), field=kind)
    if schema is not None:
        try:
            schema = validate_schema(schema)
        except SchemaError as exc:
            raise InvalidInput(" ".join(exc.errors), field="schema") from exc
    upload.seek(0)
    try:
        report = validate_csv(
            upload,
            schema if schema is not None else (version.schema or {}),
            max_rows=max_rows,
            preview_rows=PREVIEW_ROWS,
        )
    except CsvValidationError as exc:
        raise InvalidInput(str(exc), field=kind) from exc
    upload.seek(0)
    staged = stage_file(
        version, kind, File(upload), f"{version.product.slug}-v{version.number}-{kind}.csv"
    )
    try:
        with transaction.atomic():
            version = _locked_version(version)
            VERSION.require(version, "edit", refusal=_("Only a draft version accepts new files."))
            replacing = getattr(version, kind).name
            getattr(version, kind).name = staged.final
            setattr(version, f"{kind}_rows", report.rows)
            update = [kind, f"{kind}_rows", "updated_at"]
            if schema is not None and schema != version.schema:
                # The schema confirmed in the wizard comes with its sample; a dataset checked
                # against the old schema proves nothing any more.
                version.schema = schema
                version.dataset, version.dataset_rows, version.dataset_bytes = "", 0, 0
                update += ["schema", "dataset", "dataset_rows", "dataset_bytes"]
                audit_record(
                    action="catalogue.version.updated",
                    actor=actor,
                    organization=version.product.provider,
                    obj=version,
                    after={"fields": ["schema"], "from": "sample"},
                )
            if kind == "sample":
                # What the product page and the reviewers see of the sample: stored now, so
                # the web process never reads the file back from its data region.
                version.sample_preview = [report.header, *neutralise_rows(report.preview)]
                update.append("sample_preview")
            if kind == "dataset":
                version.dataset_bytes = upload.size or 0
                update.append("dataset_bytes")
            version.save(update_fields=update)
            audit_record(
                action=f"catalogue.version.{kind}_uploaded",
                actor=actor,
                organization=version.product.provider,
                obj=version,
                after={"file": staged.final, "rows": report.rows},
            )
            staged.keep(replacing=replacing)
    except BaseException:
        # Nothing half-saved: a file whose database row did not commit is removed.
        staged.discard()
        raise
    return version


def _human_bytes(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


def version_upload_sample(*, version: ProductVersion, actor: User, upload: UploadedFile):
    return _store_csv(version=version, actor=actor, upload=upload, kind="sample")


def version_start_from_sample(
    *, version: ProductVersion, actor: User, schema: dict, upload: UploadedFile
) -> ProductVersion:
    """The wizard's confirmation: the schema the provider confirmed (suggested from this
    very file) and the sample, checked against it and saved together, or neither."""
    return _store_csv(version=version, actor=actor, upload=upload, kind="sample", schema=schema)


def version_upload_dataset(*, version: ProductVersion, actor: User, upload: UploadedFile):
    return _store_csv(version=version, actor=actor, upload=upload, kind="dataset")


def version_add_attachment(
    *,
    version: ProductVersion,
    actor: User,
    kind: str,
    title: str,
    upload: UploadedFile,
    reference: str = "",
    issued_on=None,
    expires_on=None,
) -> VersionAttachment:
    _require_owner(user=actor, product=version.product)
    if kind not in VersionAttachment.Kind.values:
        raise InvalidInput(_("Unknown kind of evidence."), field="kind")
    if upload.size and upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise InvalidInput(
            _("The file is too large (limit %(limit)s).")
            % {"limit": _human_bytes(settings.ATTACHMENT_MAX_BYTES)},
            field="file",
        )
    if issued_on and expires_on and expires_on < issued_on:
        raise InvalidInput(_("The expiry date is before the issue date."), field="expires_on")
    attachment = VersionAttachment(
        version=version,
        kind=kind,
        title=title.strip() or upload.name,
        reference=reference,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    staged = stage_file(attachment, "file", upload, upload.name or "evidence")
    try:
        with transaction.atomic():
            version = _locked_version(version)
            VERSION.require(
                version, "edit", refusal=_("Evidence can be added only to a draft version.")
            )
            attachment.version = version
            attachment.file.name = staged.final
            attachment.save()
            audit_record(
                action="catalogue.version.evidence_added",
                actor=actor,
                organization=version.product.provider,
                obj=version,
                after={"kind": kind, "title": attachment.title, "reference": reference},
            )
            staged.keep()
    except BaseException:
        staged.discard()
        raise
    return attachment


def version_readiness_problems(version: ProductVersion) -> list[str]:
    """What stops a version from being submitted, in words a provider can act on."""
    problems = []
    if not version.description.strip():
        problems.append(_("Write a description."))
    if not version.data_categories:
        problems.append(_("Declare the data categories."))
    if not version.schema_fields():
        problems.append(_("Define the schema."))
    if not version.sample:
        problems.append(_("Upload a sample CSV."))
    if version.delivery_mode == ProductVersion.DeliveryMode.QUERY_API and not version.dataset:
        problems.append(_("Upload the processed dataset behind the query service."))
    if version.dataset and not version.privacy:
        problems.append(
            _("Declare how answers are protected (privacy: differential privacy, or exact).")
        )
    if not version.lawful_basis.strip():
        problems.append(_("Declare your data rights and lawful basis."))
    if not version.rights_confirmed:
        problems.append(_("Confirm that you hold the rights to license this data."))
    if version.has_personal_data and not version.consent_evidence.strip():
        problems.append(_("Describe the consent evidence for the personal data."))
    if version.has_personal_data and version.data_subject_count == 0:
        problems.append(_("State how many data subjects the product covers."))
    if not version.product.offers.filter(is_active=True).exists():
        problems.append(_("Define at least one active offer."))
    return problems


def version_submit(*, version: ProductVersion, actor: User) -> ProductVersion:
    """Freezes a draft version for review.

    A first submission moves the product to `submitted`; a listed (or suspended) product
    keeps serving its approved version while the new one is reviewed.
    """
    _require_owner(user=actor, product=version.product)
    with transaction.atomic():
        version = _locked_version(version)
        product = _locked_product(version.product)
        PRODUCT.require(
            product,
            "submit_version",
            refusal=_("A delisted or rejected product takes no new versions."),
        )
        problems = version_readiness_problems(version)
        if problems:
            raise InvalidInput(" ".join(problems))
        version = transition(
            version,
            machine=VERSION,
            to=V.SUBMITTED,
            via="submit",
            actor=actor,
            organization=product.provider,
            changes={"submitted_at": timezone.now()},
            after={"version": version.number},
        )
        if PRODUCT.allows(product.status, S.SUBMITTED, "submit"):
            transition(
                product,
                machine=PRODUCT,
                to=S.SUBMITTED,
                via="submit",
                actor=actor,
                organization=product.provider,
                after={"version": version.number},
            )
    return version


def version_withdraw(*, version: ProductVersion, actor: User) -> ProductVersion:
    """The provider abandons a draft version; a new one can then be started afresh."""
    _require_owner(user=actor, product=version.product)
    with transaction.atomic():
        version = _locked_version(version)
        return transition(
            version,
            machine=VERSION,
            to=V.WITHDRAWN,
            via="withdraw",
            actor=actor,
            organization=version.product.provider,
            after={"version": version.number},
        )


def version_create_next(*, product: DataProduct, actor: User) -> ProductVersion:
    """Starts a new draft from the latest version; a listed version stays live meanwhile."""
    _require_owner(user=actor, product=product)
    with transaction.atomic():
        product = _locked_product(product)
        PRODUCT.require(
            product,
            "new_version",
            refusal=_("A delisted or rejected product takes no new versions."),
        )
        if product.versions.filter(state__in=[V.DRAFT, V.SUBMITTED]).exists():
            raise Conflict(_("This product already has a version being prepared or reviewed."))
        latest = product.versions.order_by("-number").first()
        copied = {name: getattr(latest, name) for name in COPIED_VERSION_FIELDS} if latest else {}
        version = ProductVersion.objects.create(
            product=product,
            number=(latest.number + 1) if latest else 1,
            created_by=actor,
            **copied,
        )
        audit_record(
            action="catalogue.version.created",
            actor=actor,
            organization=product.provider,
            obj=version,
            after={"number": version.number, "from": latest.number if latest else None},
        )
    return version


def version_review_open(*, version: ProductVersion, actor: User | None) -> DataProduct:
    """A review case opened for a submitted version: a product not yet listed is now in
    review (a listed one stays listed on its approved version)."""
    with transaction.atomic():
        product = _locked_product(version.product)
        if PRODUCT.allows(product.status, S.IN_REVIEW, "open_review"):
            product = transition(
                product,
                machine=PRODUCT,
                to=S.IN_REVIEW,
                via="open_review",
                actor=actor,
                organization=product.provider,
                after={"version": version.number},
            )
    return product


# The review case's outcome for the version, and for a product that was in review.
_PRODUCT_OUTCOME = {V.CHANGES_REQUESTED: S.CHANGES_REQUESTED, V.REJECTED: S.REJECTED}


def version_review_close(
    *, version: ProductVersion, outcome: str, actor: User | None, note: str = ""
) -> ProductVersion:
    """Records the review's outcome on the version. Approved lists it
    (``product_list_version``); changes requested or rejected send a product that was in
    review back to the provider or out (a listed product keeps its approved version)."""
    with transaction.atomic():
        version = _locked_version(version)
        version = transition(
            version,
            machine=VERSION,
            to=outcome,
            via="review",
            actor=actor,
            organization=version.product.provider,
            changes={"decided_at": timezone.now()},
            after={"note": note} if note else None,
        )
        if outcome == V.APPROVED:
            product_list_version(version=version, actor=actor)
            return version
        product = _locked_product(version.product)
        if PRODUCT.allows(product.status, _PRODUCT_OUTCOME[outcome], "review"):
            transition(
                product,
                machine=PRODUCT,
                to=_PRODUCT_OUTCOME[outcome],
                via="review",
                actor=actor,
                organization=product.provider,
                after={"version": version.number},
            )
    return version


def product_list_version(*, version: ProductVersion, actor: User | None) -> DataProduct:
    """An approved version becomes what buyers see; the product is (or stays) listed."""
    with transaction.atomic():
        version = _locked_version(version)
        product = _locked_product(version.product)
        VERSION.require(version, "list", refusal=_("Only an approved version can be listed."))
        PRODUCT.require(product, "list_version")
        previous = product.listed_version_id
        changes = {"listed_version": version, "listed_at": product.listed_at or timezone.now()}
        detail_before = {"listed_version_id": previous}
        detail_after = {"listed_version": version.number}
        if PRODUCT.allows(product.status, S.LISTED, "review"):
            product = transition(
                product,
                machine=PRODUCT,
                to=S.LISTED,
                via="review",
                actor=actor,
                organization=product.provider,
                changes=changes,
                before=detail_before,
                after=detail_after,
                action="catalogue.product.version_listed",
            )
        else:
            for name, value in changes.items():
                setattr(product, name, value)
            product.save(update_fields=[*changes, "updated_at"])
            audit_record(
                action="catalogue.product.version_listed",
                actor=actor,
                organization=product.provider,
                obj=product,
                before={"status": product.status, **detail_before},
                after={"status": product.status, **detail_after},
            )
        product_refresh_search_vector(product=product)
        if version.dataset and DATASET.allows(version.dataset_state, D.QUEUED, "queue"):
            version_dataset_queue(version=version, actor=actor)
    return product


def version_dataset_queue(*, version: ProductVersion, actor: User | None) -> ProductVersion:
    """An approved version's dataset goes to its data region to be prepared for queries
    (once; a failed or outdated preparation is queued again the same way)."""
    with transaction.atomic():
        version = _locked_version(version)
        version = transition(
            version,
            machine=DATASET,
            to=D.QUEUED,
            via="queue",
            actor=actor,
            organization=version.product.provider,
            changes={"dataset_error": "", "dataset_state_at": timezone.now()},
            after={"region": region_for(version.product.origin_jurisdiction).code},
        )
        _enqueue_preparation(version)
    return version


def _enqueue_preparation(version: ProductVersion) -> None:
    enqueue(
        PREPARE_DATASET_TASK,
        kwargs={"version_id": version.pk},
        queue=region_for(version.product.origin_jurisdiction).queue,
        subject=version,
    )


def versions_requeue_stuck_datasets(*, now: datetime | None = None) -> int:
    """Queues again the preparations queued or running for longer than any worker can take
    (their task was lost with a broker or a worker); the task is idempotent and a worker
    restarts an interrupted preparation (beat, every minute)."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.STAGE_CHECKS_STUCK_AFTER)
    count = 0
    for version in ProductVersion.objects.filter(
        dataset_state__in=[D.QUEUED, D.PREPARING], dataset_state_at__lt=limit
    ).select_related("product"):
        with transaction.atomic():
            locked = _locked_version(version)
            if locked.dataset_state not in (D.QUEUED, D.PREPARING):
                continue
            ProductVersion.objects.filter(pk=locked.pk).update(dataset_state_at=now)
            audit_record(
                action="catalogue.dataset.requeued",
                actor=None,
                organization=locked.product.provider,
                obj=locked,
                before={"dataset_state": locked.dataset_state},
                after={"dataset_state": locked.dataset_state, "reason": "stuck"},
            )
            _enqueue_preparation(locked)
        count += 1
    return count


def version_dataset_start(*, version: ProductVersion) -> ProductVersion:
    """The region's worker starts preparing the dataset."""
    with transaction.atomic():
        version = _locked_version(version)
        return transition(
            version,
            machine=DATASET,
            to=D.PREPARING,
            via="start",
            organization=version.product.provider,
            changes={"dataset_state_at": timezone.now()},
            after={"region": region_for(version.product.origin_jurisdiction).code},
        )


def version_dataset_ready(
    *, version: ProductVersion, parquet_name: str, rows: int, sha256: str, region: str
) -> ProductVersion:
    """The dataset is prepared: its Parquet file, row count and content hash are recorded
    (on the version and in the ledger)."""
    with transaction.atomic():
        version = _locked_version(version)
        replacing = version.dataset_parquet.name
        version = transition(
            version,
            machine=DATASET,
            to=D.READY,
            via="finish",
            organization=version.product.provider,
            changes={
                "dataset_parquet": parquet_name,
                "dataset_sha256": sha256,
                "dataset_prepared_at": timezone.now(),
                "dataset_state_at": timezone.now(),
                "dataset_error": "",
            },
            after={"rows": rows, "sha256": sha256, "region": region},
        )
        if replacing and replacing != parquet_name:
            delete_unreferenced_on_commit(version.dataset_parquet.storage, replacing)
    return version


def version_dataset_failed(*, version: ProductVersion, error: str) -> ProductVersion:
    """Preparation failed: the reason is kept for the provider and the operators."""
    with transaction.atomic():
        version = _locked_version(version)
        return transition(
            version,
            machine=DATASET,
            to=D.FAILED,
            via="fail",
            organization=version.product.provider,
            changes={"dataset_error": error[:300], "dataset_state_at": timezone.now()},
            after={"error": error[:300]},
        )


def product_delist(*, product: DataProduct, actor: User, reason: str) -> DataProduct:
    """The provider takes a listed (or suspended) product off the exchange for good."""
    _require_owner(user=actor, product=product)
    if not reason.strip():
        raise InvalidInput(_("Say why the product is delisted."), field="reason")
    with transaction.atomic():
        product = _locked_product(product)
        return transition(
            product,
            machine=PRODUCT,
            to=S.DELISTED,
            via="delist",
            actor=actor,
            organization=product.provider,
            after={"reason": reason.strip()},
        )


def _require_exchange_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.has_perm("catalogue.suspend_product")):
        raise PermissionDenied(_("Only an exchange administrator may suspend a product."))


def product_suspend(*, product: DataProduct, actor: User, reason: str) -> DataProduct:
    """The exchange takes a listed product out of the catalogue for now (a regulator's
    order, a breach report): buyers no longer find it, and access under its licences is
    paused and refused as suspended until it is reinstated. A reason is required."""
    _require_exchange_admin(actor)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the product is suspended."), field="reason")
    with transaction.atomic():
        product = _locked_product(product)
        return transition(
            product,
            machine=PRODUCT,
            to=S.SUSPENDED,
            via="suspend",
            actor=actor,
            organization=product.provider,
            changes={
                "suspended_at": timezone.now(),
                "suspended_by": actor,
                "suspension_reason": reason,
            },
            after={"reason": reason},
        )


def product_reinstate(*, product: DataProduct, actor: User, reason: str) -> DataProduct:
    """The exchange lists a suspended product again; access under its licences resumes."""
    _require_exchange_admin(actor)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the product is reinstated."), field="reason")
    with transaction.atomic():
        product = _locked_product(product)
        return transition(
            product,
            machine=PRODUCT,
            to=S.LISTED,
            via="reinstate",
            actor=actor,
            organization=product.provider,
            changes={"suspended_at": None, "suspended_by": None, "suspension_reason": ""},
            before={"reason": product.suspension_reason},
            after={"reason": reason},
            action="catalogue.product.reinstated",
        )


def product_refresh_search_vector(*, product: DataProduct) -> None:
    """Keeps the stored, GIN-indexed search vector current (PostgreSQL only): each field's
    text as ``catalogue.search.document_text`` gives it (Chinese segmented into words)."""
    if connection.vendor != "postgresql":
        return
    from django.contrib.postgres.search import SearchVector
    from django.db.models import Value

    from catalogue.search import document_text

    description = (product.listed_version.description if product.listed_version else "") or ""

    def field(text: str, weight: str) -> SearchVector:
        return SearchVector(Value(document_text(text or "")), weight=weight, config="simple")

    DataProduct.objects.filter(pk=product.pk).update(
        search_vector=field(product.title, "A")
        + field(product.summary, "B")
        + field(" ".join(product.tags or []), "B")
        + field(product.provider.legal_name, "C")
        + field(description, "D")
    )


# --- offers -------------------------------------------------------------------------------


def _clean_offer(fields: dict[str, Any]) -> dict[str, Any]:
    if "price" in fields:
        price = Decimal(str(fields["price"]))
        if price < 0:
            raise InvalidInput(_("The price cannot be negative."), field="price")
        fields["price"] = price
    if "currency" in fields and fields["currency"] not in Offer.Currency.values:
        raise InvalidInput(_("Choose CNY, MYR, SGD or USD."), field="currency")
    if "territories" in fields:
        territories = [_check_jurisdiction(t, "territories") for t in fields["territories"] or []]
        if not territories:
            raise InvalidInput(_("Name at least one permitted territory."), field="territories")
        fields["territories"] = sorted(set(territories))
    if "breach_notice_hours" in fields and not (
        1 <= int(fields["breach_notice_hours"]) <= MAX_BREACH_NOTICE_HOURS
    ):
        raise InvalidInput(
            _("Breach notice must be between 1 and %(n)d hours.") % {"n": MAX_BREACH_NOTICE_HOURS},
            field="breach_notice_hours",
        )
    if "term_months" in fields and (
        fields["term_months"] is None or int(fields["term_months"]) < 1
    ):
        raise InvalidInput(
            _("Every licence has an end: the term is at least one month."), field="term_months"
        )
    if "onward_transfer_territories" in fields:
        fields["onward_transfer_territories"] = sorted(
            {
                _check_jurisdiction(t, "onward_transfer_territories")
                for t in fields["onward_transfer_territories"] or []
            }
        )
    if "governing_law" in fields:
        fields["governing_law"] = _check_jurisdiction(fields["governing_law"], "governing_law")
    if "dispute_forum" in fields and fields["dispute_forum"] not in Offer.DisputeForum.values:
        raise InvalidInput(_("Choose SIAC, CIETAC or AIAC."), field="dispute_forum")
    if "audit_rights" in fields and not str(fields["audit_rights"]).strip():
        raise InvalidInput(_("State the audit and inspection rights."), field="audit_rights")
    for name in ("dp_epsilon_budget", "dp_epsilon_per_query"):
        if name in fields:
            fields[name] = _epsilon(fields[name], name)
    if "dp_delta_per_query" in fields:
        try:
            delta = float(fields["dp_delta_per_query"])
        except (TypeError, ValueError):
            delta = -1.0
        if not 0 < delta < 0.001:
            raise InvalidInput(
                _("δ must be above 0 and below 0.001 (one in a thousand)."),
                field="dp_delta_per_query",
            )
        fields["dp_delta_per_query"] = delta
    return fields


def _epsilon(value: Any, field: str) -> Decimal:
    try:
        epsilon = Decimal(str(value))
    except (ArithmeticError, ValueError):
        epsilon = Decimal(-1)
    if not epsilon.is_finite() or not Decimal("0.001") <= epsilon <= Decimal("10000"):
        raise InvalidInput(_("ε must be a number between 0.001 and 10000."), field=field)
    return epsilon.quantize(Decimal("0.001"))


def _check_offer_budget(offer: Offer) -> None:
    if offer.dp_epsilon_budget < offer.dp_epsilon_per_query:
        raise InvalidInput(
            _("The privacy budget must cover at least one query."), field="dp_epsilon_budget"
        )


def _check_onward_transfer(offer: Offer) -> None:
    """Onward transfer names where the third parties may be; without it, nowhere."""
    if offer.onward_transfer_allowed and not offer.onward_transfer_territories:
        raise InvalidInput(
            _("Name the jurisdictions where onward recipients may be."),
            field="onward_transfer_territories",
        )
    if not offer.onward_transfer_allowed:
        offer.onward_transfer_territories = []


def offer_create(
    *, product: DataProduct, actor: User, purposes: Iterable[Purpose] = (), **fields: Any
) -> Offer:
    _require_owner(user=actor, product=product)
    unknown = set(fields) - set(OFFER_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown offer fields: %s") % ", ".join(sorted(unknown)))
    for required in ("name", "price", "currency", "territories"):
        if required not in fields:
            raise InvalidInput(_("This field is required."), field=required)
    fields = _clean_offer(fields)
    purposes = list(purposes)
    if not purposes and not fields.get("other_purposes", "").strip():
        raise InvalidInput(_("Permit at least one purpose."), field="purposes")
    with transaction.atomic():
        product = _locked_product(product)
        PRODUCT.require(
            product, "offer", refusal=_("A delisted or rejected product takes no offers.")
        )
        if product.offers.filter(name=fields["name"]).exists():
            raise Conflict(_("An offer with this name already exists."), field="name")
        offer = Offer(product=product, **fields)
        _check_offer_budget(offer)
        _check_onward_transfer(offer)
        offer.save()
        offer.purposes.set(purposes)
        audit_record(
            action="catalogue.offer.created",
            actor=actor,
            organization=product.provider,
            obj=offer,
            after=_offer_state(offer),
        )
        _refresh_price_from(product)
    return offer


def offer_update(
    *, offer: Offer, actor: User, purposes: Iterable[Purpose] | None = None, **fields: Any
) -> Offer:
    """Changes an offer. Licences already granted keep the terms they were granted under."""
    _require_owner(user=actor, product=offer.product)
    unknown = set(fields) - set(OFFER_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown offer fields: %s") % ", ".join(sorted(unknown)))
    fields = _clean_offer(fields)
    with transaction.atomic():
        offer = (
            Offer.objects.select_for_update(of=("self",)).select_related("product").get(pk=offer.pk)
        )
        PRODUCT.require(
            offer.product,
            "offer",
            refusal=_("A delisted or rejected product's offers are closed."),
        )
        if (
            "name" in fields
            and offer.product.offers.exclude(pk=offer.pk).filter(name=fields["name"]).exists()
        ):
            raise Conflict(_("An offer with this name already exists."), field="name")
        before = _offer_state(offer)
        for name, value in fields.items():
            setattr(offer, name, value)
        _check_offer_budget(offer)
        _check_onward_transfer(offer)
        offer.save(update_fields=[*fields, "onward_transfer_territories", "updated_at"])
        if purposes is not None:
            purposes = list(purposes)
            if not purposes and not offer.other_purposes.strip():
                raise InvalidInput(_("Permit at least one purpose."), field="purposes")
            offer.purposes.set(purposes)
        audit_record(
            action="catalogue.offer.updated",
            actor=actor,
            organization=offer.product.provider,
            obj=offer,
            before=before,
            after=_offer_state(offer),
        )
        _refresh_price_from(offer.product)
    return offer


def _offer_state(offer: Offer) -> dict:
    """An offer as the ledger records it: its terms, and how it is sold."""
    return {
        **offer_terms(offer),
        "approval_mode": offer.approval_mode,
        "is_active": offer.is_active,
    }


def _refresh_price_from(product: DataProduct) -> None:
    prices = [o.price_in_usd() for o in product.offers.filter(is_active=True)]
    value = min(prices) if prices else None
    DataProduct.objects.filter(pk=product.pk).update(price_from_usd=value)


# --- residency ------------------------------------------------------------------------------

REGIONAL_FILES = ("sample", "dataset", "dataset_parquet")


def version_files_move_to_region(
    *, version: ProductVersion, actor: User | None
) -> list[dict[str, str]]:
    """Moves the version's files stored outside its origin's data region (files uploaded
    before regions existed, or a product whose origin was corrected) into that region, and
    records each move in the ledger. Run where both storages can be read (an operator's
    ``manage.py data_residency --move`` in the region). Returns what moved."""
    home = region_for(version.product.origin_jurisdiction).code
    moved: list[dict[str, str]] = []
    written: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            version = _locked_version(version)
            for name in REGIONAL_FILES:
                stored = getattr(version, name)
                found = region_of_name(stored.name) if stored else None
                if not stored or (found is not None and found.code == home):
                    continue
                target = stored.field.generate_filename(version, stored.name.rsplit("/", 1)[-1])
                with stored.open("rb") as source:
                    new_name = stored.storage.save(target, File(source))
                written.append((stored.storage, new_name))
                if stored.storage.size(new_name) != stored.size:
                    raise OSError(f"the copy of {stored.name} is incomplete")
                delete_unreferenced_on_commit(stored.storage, stored.name)
                moved.append({"file": name, "from": stored.name, "to": new_name})
                setattr(version, name, new_name)
            if moved:
                version.save(update_fields=[m["file"] for m in moved])
                audit_record(
                    action="catalogue.version.files_moved",
                    actor=actor,
                    organization=version.product.provider,
                    obj=version,
                    before={m["file"]: m["from"] for m in moved},
                    after={**{m["file"]: m["to"] for m in moved}, "region": home},
                )
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    return moved
