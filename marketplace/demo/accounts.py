"""Demo organisations, people and exchange staff for `manage.py seed_demo`, from
``data/accounts.toml`` (idempotent: whoever exists already is left alone)."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts import roles, services
from accounts.models import Membership, Organization, User
from marketplace.demo.files import read_toml

PROCESSING_FIGURES = ("processed_subjects", "processed_sensitive_subjects", "systematic_monitoring")


def _user(email: str, name: str, password: str, *, staff=False, superuser=False) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=password,
            full_name=name,
            is_staff=staff,
            is_superuser=superuser,
        )
    return user


@transaction.atomic
def seed_accounts(password: str) -> list[tuple[str, str]]:
    """Creates what is missing; returns (login, what it is) for every demo login."""
    data = read_toml("accounts")
    roles.sync_staff_groups()
    logins: list[tuple[str, str]] = []
    staff_admin = None
    for person in data["staff"]:
        unknown = set(person["groups"]) - set(roles.STAFF_GROUP_PERMISSIONS)
        if unknown:
            raise ValueError(f"Unknown staff groups for {person['email']}: {sorted(unknown)}")
        superuser = person.get("superuser", False)
        user = _user(person["email"], person["name"], password, staff=True, superuser=superuser)
        user.groups.add(*Group.objects.filter(name__in=person["groups"]))
        logins.append((person["email"], person["name"]))
        if superuser:
            staff_admin = user
    for spec in data["organisations"]:
        org = Organization.objects.filter(slug=spec["slug"]).first()
        admin = _user(spec["admin_email"], spec["admin_name"], password)
        verified = spec.get("verified", True)
        if org is None:
            org = services.organization_create(
                legal_name=spec["legal_name"],
                jurisdiction=spec["jurisdiction"],
                registration_number=spec["registration_number"],
                is_provider=spec["is_provider"],
                is_buyer=spec["is_buyer"],
                website=spec["website"],
                dpo_name=spec.get("dpo_name", ""),
                dpo_email=spec.get("dpo_email", ""),
                slug=spec["slug"],
                created_by=admin,
                recipient_type=spec.get("recipient_type", Organization.RecipientType.COMPANY),
            )
            services.membership_add(
                user=admin, organization=org, role=Membership.Role.ADMIN, actor=admin
            )
            figures = {name: spec[name] for name in PROCESSING_FIGURES if name in spec}
            if figures:
                services.organization_update_profile(organization=org, actor=admin, **figures)
            if verified:
                services.organization_set_verification(
                    organization=org,
                    status=Organization.Verification.VERIFIED,
                    note=data["verification"]["note"],
                    decided_by=staff_admin,
                )
        status = "verified" if verified else "pending verification"
        logins.append(
            (
                spec["admin_email"],
                f"{spec['admin_name']}, admin of {spec['legal_name']} "
                f"({spec['jurisdiction']}, {org.roles_display.lower()}, {status})",
            )
        )
    for member in data["members"]:
        org = Organization.objects.get(slug=member["organisation"])
        user = _user(member["email"], member["name"], password)
        if not Membership.objects.filter(user=user, organization=org).exists():
            services.membership_add(
                user=user, organization=org, role=Membership.Role(member["role"]), actor=None
            )
        logins.append((member["email"], f"{member['name']}, member of {org.legal_name}"))
    return logins
