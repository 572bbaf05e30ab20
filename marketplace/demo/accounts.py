"""Demo organisations, people and exchange staff for `manage.py seed_demo` (idempotent)."""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from accounts import roles, services
from accounts.models import Membership, Organization, User


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    legal_name: str
    jurisdiction: str
    registration_number: str
    website: str
    is_provider: bool
    is_buyer: bool
    admin_email: str
    admin_name: str
    verified: bool = True
    dpo_name: str = ""
    dpo_email: str = ""


DEMO_ORGS = [
    DemoOrg(
        "lumina-robotics",
        "Shenzhen Lumina Robotics Co., Ltd.",
        "CN",
        "91440300MA5FLUM1X2",
        "https://lumina-robotics.example",
        False,
        True,
        "lin.wei@lumina-robotics.example",
        "Lin Wei",
    ),
    DemoOrg(
        "bukit-bintang-malls",
        "Bukit Bintang Malls Berhad",
        "MY",
        "200801034567",
        "https://bbmalls.example",
        True,
        False,
        "aisyah@bbmalls.example",
        "Nur Aisyah Rahman",
        dpo_name="Farid Ismail",
        dpo_email="dpo@bbmalls.example",
    ),
    DemoOrg(
        "selat-melaka-logistics",
        "Selat Melaka Logistics Sdn. Bhd.",
        "MY",
        "201501009876",
        "https://selatmelaka.example",
        True,
        False,
        "rajesh@selatmelaka.example",
        "Rajesh Kumar",
        dpo_name="Tan Mei Ling",
        dpo_email="dpo@selatmelaka.example",
    ),
    DemoOrg(
        "merlion-insights",
        "Merlion Insights Pte. Ltd.",
        "SG",
        "201912345K",
        "https://merlion-insights.example",
        True,
        True,
        "priya@merlion-insights.example",
        "Priya Nair",
        dpo_name="Daniel Goh",
        dpo_email="dpo@merlion-insights.example",
    ),
    DemoOrg(
        "huadian-electronics",
        "Shanghai Huadian Electronics Export Co., Ltd.",
        "CN",
        "91310115MA1HDE7Q3P",
        "https://huadian-export.example",
        True,
        False,
        "zhang.min@huadian-export.example",
        "Zhang Min",
    ),
    DemoOrg(
        "hanoi-retail-analytics",
        "Hanoi Retail Analytics JSC",
        "VN",
        "0109876543",
        "https://hanoi-retail.example",
        True,
        True,
        "minh@hanoi-retail.example",
        "Nguyen Van Minh",
        verified=False,
    ),
]

DEMO_STAFF = [
    ("legal@exchange.example", "Siti Hajar (legal reviewer)", [roles.LEGAL_REVIEWER], False),
    (
        "technical@exchange.example",
        "Chen Hao (technical reviewer)",
        [roles.TECHNICAL_REVIEWER],
        False,
    ),
    (
        "compliance@exchange.example",
        "Marcus Lee (compliance reviewer)",
        [roles.COMPLIANCE_REVIEWER],
        False,
    ),
    ("admin@exchange.example", "Exchange administrator", [roles.EXCHANGE_ADMIN], True),
]

# Second members, so the members page shows more than one person.
DEMO_MEMBERS = [
    ("zhou.jie@lumina-robotics.example", "Zhou Jie", "lumina-robotics", Membership.Role.MEMBER),
    ("hafiz@bbmalls.example", "Hafiz Osman", "bukit-bintang-malls", Membership.Role.MEMBER),
]


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
    roles.sync_staff_groups()
    logins: list[tuple[str, str]] = []
    staff_admin = None
    for email, name, group_names, superuser in DEMO_STAFF:
        user = _user(email, name, password, staff=True, superuser=superuser)
        user.groups.add(*Group.objects.filter(name__in=group_names))
        logins.append((email, name))
        if superuser:
            staff_admin = user
    for spec in DEMO_ORGS:
        org = Organization.objects.filter(slug=spec.slug).first()
        admin = _user(spec.admin_email, spec.admin_name, password)
        if org is None:
            org = services.organization_create(
                legal_name=spec.legal_name,
                jurisdiction=spec.jurisdiction,
                registration_number=spec.registration_number,
                is_provider=spec.is_provider,
                is_buyer=spec.is_buyer,
                website=spec.website,
                dpo_name=spec.dpo_name,
                dpo_email=spec.dpo_email,
                slug=spec.slug,
                created_by=admin,
            )
            services.membership_add(
                user=admin, organization=org, role=Membership.Role.ADMIN, actor=admin
            )
            if spec.verified:
                services.organization_set_verification(
                    organization=org,
                    status=Organization.Verification.VERIFIED,
                    note="Demo: registration checked against the company registry.",
                    decided_by=staff_admin,
                )
        status = "verified" if spec.verified else "pending verification"
        logins.append(
            (
                spec.admin_email,
                f"{spec.admin_name}, admin of {spec.legal_name} "
                f"({spec.jurisdiction}, {org.roles_display.lower()}, {status})",
            )
        )
    for email, name, org_slug, role in DEMO_MEMBERS:
        org = Organization.objects.get(slug=org_slug)
        user = _user(email, name, password)
        if not Membership.objects.filter(user=user, organization=org).exists():
            services.membership_add(user=user, organization=org, role=role, actor=None)
        logins.append((email, f"{name}, member of {org.legal_name}"))
    return logins
