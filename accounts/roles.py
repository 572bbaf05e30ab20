"""Exchange staff roles, kept as Django groups with the model permissions they need.

Permissions are named as strings, so this module imports nothing from the apps above it;
a permission whose model does not exist (yet) is skipped and picked up on a later migrate.
"""

from django.contrib.auth.models import Group, Permission

LEGAL_REVIEWER = "legal_reviewer"
TECHNICAL_REVIEWER = "technical_reviewer"
COMPLIANCE_REVIEWER = "compliance_reviewer"
EXCHANGE_ADMIN = "exchange_admin"
REVIEWER_GROUPS = (LEGAL_REVIEWER, TECHNICAL_REVIEWER, COMPLIANCE_REVIEWER)

_REVIEWER_COMMON = [
    "accounts.view_organization",
    "accounts.view_membership",
    "ledger.view_auditevent",
    "catalogue.view_dataproduct",
    "catalogue.view_productversion",
    "catalogue.view_offer",
    "compliance.view_reviewcase",
    "compliance.view_stagereview",
    "compliance.change_stagereview",
    "compliance.view_checkrun",
    "compliance.view_finding",
    "compliance.view_reviewcomment",
    "compliance.add_reviewcomment",
    "transfer_rules.view_transferassessment",
]

STAFF_GROUP_PERMISSIONS: dict[str, list[str]] = {
    LEGAL_REVIEWER: [*_REVIEWER_COMMON, "compliance.decide_legal"],
    TECHNICAL_REVIEWER: [*_REVIEWER_COMMON, "compliance.decide_technical"],
    COMPLIANCE_REVIEWER: [
        *_REVIEWER_COMMON,
        "compliance.decide_compliance",
        # The restricted-parties list: changed through accounts.services (revisions, ledger).
        "accounts.view_restrictedparty",
        "accounts.add_restrictedparty",
        "accounts.change_restrictedparty",
        "accounts.view_restrictedpartyrevision",
        "transfer_rules.view_ruleset",
        "transfer_rules.add_ruleset",
        "transfer_rules.change_ruleset",
        "transfer_rules.view_rule",
        "transfer_rules.add_rule",
        "transfer_rules.change_rule",
        "transfer_rules.delete_rule",
        "transfer_rules.publish_ruleset",
        "transfer_rules.view_transferassessment",
        "licensing.view_licencerequest",
        "licensing.change_licencerequest",
        "licensing.decide_transfer",
        "licensing.view_licence",
        "licensing.suspend_licence",
    ],
    EXCHANGE_ADMIN: [
        *_REVIEWER_COMMON,
        "accounts.verify_organization",
        "accounts.change_organization",
        "accounts.view_restrictedparty",
        "accounts.view_restrictedpartyrevision",
        "accounts.view_user",
        "accounts.change_user",
        # The lock-out record (django-axes): who is locked out, and deleting a row unlocks.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "accounts.view_apitoken",
        "accounts.change_membership",
        "compliance.assign_review",
        "compliance.view_pipeline",
        "compliance.change_pipeline",
        "licensing.view_licence",
        "licensing.revoke_licence",
        "licensing.suspend_licence",
        "catalogue.suspend_product",
        "outbox.view_outboxmessage",
        "outbox.change_outboxmessage",
        "licensing.view_licencerequest",
        "licensing.view_usagerecord",
    ],
}


def sync_staff_groups() -> None:
    """Creates the staff groups and gives each exactly the permissions that exist for it."""
    for group_name, perm_names in STAFF_GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        wanted = set()
        for perm_name in perm_names:
            app_label, codename = perm_name.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.add(perm.pk)
        current = set(group.permissions.values_list("pk", flat=True))
        if wanted - current:
            group.permissions.add(*(wanted - current))
        if current - wanted:
            group.permissions.remove(*(current - wanted))


def staff_roles_of(user) -> set[str]:
    if not user.is_authenticated or not user.is_staff:
        return set()
    names = set(user.groups.filter(name__in=STAFF_GROUP_PERMISSIONS).values_list("name", flat=True))
    if user.is_superuser:
        names.add(EXCHANGE_ADMIN)
    return names
