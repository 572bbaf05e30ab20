"""The restricted-parties list: kept by compliance reviewers through the services (revisions,
ledger), matched at verification; and what organisations declare themselves to be."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.exceptions import RestrictedPartyMatch
from accounts.models import Organization, RestrictedParty
from accounts.roles import COMPLIANCE_REVIEWER, LEGAL_REVIEWER
from accounts.screening import screen_organization, screening_key
from kernel.exceptions import InvalidInput, InvalidTransition, PermissionDenied
from kernel.ledger.models import AuditEvent
from tests.factories import OrganizationFactory, reviewer

pytestmark = pytest.mark.django_db

SOURCE = "PIPL Art. 42 list of foreign organisations, CAC announcement No. 1 of 2026"
SOURCE_URL = "https://www.cac.gov.cn/list"


def keeper():
    return reviewer(COMPLIANCE_REVIEWER)


def entry(**fields):
    data = {
        "name": "Northwind Intelligence Ltd.",
        "source_citation": SOURCE,
        "source_url": SOURCE_URL,
    }
    data.update(fields)
    return services.restricted_party_create(actor=keeper(), reason="Listed by the CAC.", **data)


INLINE = {
    "revisions-TOTAL_FORMS": "0",
    "revisions-INITIAL_FORMS": "0",
    "revisions-MIN_NUM_FORMS": "0",
    "revisions-MAX_NUM_FORMS": "1000",
}


def admin_user():
    user = reviewer("exchange_admin")
    return user


# --- matching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "organisation"),
    [
        ("Northwind Intelligence Ltd.", "NORTHWIND INTELLIGENCE LIMITED"),
        ("Northwind Intelligence", "Northwind Intelligence Co., Ltd."),
        ("Northwind Intelligence Sdn. Bhd.", "northwind  intelligence"),
        ("Northwind-Intelligence Pte. Ltd.", "Northwind Intelligence Pte Ltd"),
    ],
)
def test_a_name_matches_whatever_its_legal_form_case_and_punctuation(listed, organisation):
    entry(name=listed)
    hit = screen_organization(OrganizationFactory(legal_name=organisation))
    assert hit is not None and hit.matched_on == "name"
    assert screening_key(listed) == screening_key(organisation)


@pytest.mark.parametrize(
    "organisation",
    ["Northwind Intelligent Ltd.", "Northwind", "Southwind Intelligence Ltd.", "Northwind Intel"],
)
def test_near_names_do_not_match(organisation):
    entry()
    assert screen_organization(OrganizationFactory(legal_name=organisation)) is None


def test_another_name_of_the_entry_matches():
    entry(aliases=["北风情报有限公司", "NWI Holdings"])
    hit = screen_organization(OrganizationFactory(legal_name="北风情报有限公司"))
    assert hit is not None and hit.entry.name == "Northwind Intelligence Ltd."


def test_a_registration_number_matches_in_the_same_jurisdiction_only():
    entry(name="Some other name", registration_number="2019-0042 K", jurisdiction="SG")
    same = OrganizationFactory(jurisdiction="SG", registration_number="20190042K")
    elsewhere = OrganizationFactory(jurisdiction="MY", registration_number="20190042K")
    assert screen_organization(same).matched_on == "registration number"
    assert screen_organization(elsewhere) is None


def test_an_entry_removed_from_the_list_no_longer_matches():
    party = entry()
    org = OrganizationFactory(legal_name="Northwind Intelligence Ltd.")
    services.restricted_party_delist(party=party, actor=keeper(), reason="Delisted by the CAC.")
    assert screen_organization(org) is None
    services.restricted_party_relist(party=party, actor=keeper(), reason="Listed again.")
    assert screen_organization(org).revision == 3


# --- keeping the list -----------------------------------------------------------------------


def test_only_compliance_reviewers_keep_the_list():
    with pytest.raises(PermissionDenied):
        services.restricted_party_create(
            actor=reviewer(LEGAL_REVIEWER), reason="x", name="A", source_citation=SOURCE
        )
    assert not RestrictedParty.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " ", "source_citation": SOURCE}, "name"),
        ({"name": "A", "source_citation": ""}, "source_citation"),
        ({"name": "A", "source_citation": SOURCE, "jurisdiction": "Singapore"}, "jurisdiction"),
        ({"name": "A", "source_citation": SOURCE, "aliases": "not a list"}, "aliases"),
    ],
)
def test_an_entry_needs_a_name_and_its_source(fields, field):
    with pytest.raises(InvalidInput) as caught:
        services.restricted_party_create(actor=keeper(), reason="New entry.", **fields)
    assert caught.value.field == field


def test_every_change_needs_a_reason():
    with pytest.raises(InvalidInput) as caught:
        services.restricted_party_create(
            actor=keeper(), reason=" ", name="A", source_citation=SOURCE
        )
    assert caught.value.field == "reason"


def test_every_change_is_a_revision_and_a_ledger_event():
    party = entry()
    staff = keeper()
    party = services.restricted_party_update(
        party=party, actor=staff, reason="Corrected the name.", name="Northwind Intel Ltd."
    )
    assert party.revision == 2
    revisions = list(party.revisions.order_by("revision"))
    assert [r.revision for r in revisions] == [1, 2]
    assert revisions[0].snapshot["name"] == "Northwind Intelligence Ltd."
    assert revisions[1].snapshot["name"] == "Northwind Intel Ltd."
    assert revisions[1].reason == "Corrected the name." and revisions[1].changed_by == staff
    actions = list(
        AuditEvent.objects.filter(object_id=str(party.pk), object_type="accounts.restrictedparty")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["accounts.restricted_party.created", "accounts.restricted_party.updated"]


def test_an_unchanged_edit_makes_no_revision():
    party = entry()
    services.restricted_party_update(
        party=party, actor=keeper(), reason="No change.", name=party.name
    )
    assert party.revisions.count() == 1


def test_a_removed_entry_is_put_back_before_it_is_edited():
    party = services.restricted_party_delist(party=entry(), actor=keeper(), reason="Delisted.")
    with pytest.raises(InvalidTransition):
        services.restricted_party_update(party=party, actor=keeper(), reason="Fix.", name="Other")


# --- verification ---------------------------------------------------------------------------


def test_verification_refuses_a_listed_party_naming_the_source():
    party = entry()
    org = OrganizationFactory(
        legal_name="Northwind Intelligence Co., Ltd.",
        verification_status=Organization.Verification.PENDING,
    )
    with pytest.raises(RestrictedPartyMatch) as caught:
        services.organization_set_verification(
            organization=org, status="verified", note="Registry checked.", decided_by=admin_user()
        )
    assert caught.value.status_code == 409 and caught.value.code == "restricted_party"
    assert SOURCE in caught.value.message and SOURCE_URL in caught.value.message
    assert caught.value.entry == party
    org.refresh_from_db()
    assert org.verification_status == Organization.Verification.PENDING
    # It can still be rejected.
    services.organization_set_verification(
        organization=org,
        status="rejected",
        note="On the PIPL Art. 42 list.",
        decided_by=admin_user(),
    )
    org.refresh_from_db()
    assert org.verification_status == Organization.Verification.REJECTED


def test_verification_records_the_screening_and_the_confirmed_kind():
    org = OrganizationFactory(verification_status=Organization.Verification.PENDING)
    services.organization_set_verification(
        organization=org,
        status="verified",
        note="A court, as its charter shows.",
        decided_by=admin_user(),
        recipient_type="judicial",
    )
    org.refresh_from_db()
    assert org.recipient_type == "judicial"
    event = AuditEvent.objects.get(action="accounts.organization.verified", object_id=str(org.pk))
    assert event.before["recipient_type"] == "company"
    assert event.after["recipient_type"] == "judicial"
    assert event.after["screening"] == "no match"


def test_verification_refuses_an_unknown_kind():
    org = OrganizationFactory(verification_status=Organization.Verification.PENDING)
    with pytest.raises(InvalidInput) as caught:
        services.organization_set_verification(
            organization=org,
            status="verified",
            note="x",
            decided_by=admin_user(),
            recipient_type="spy_agency",
        )
    assert caught.value.field == "recipient_type"


def test_sign_up_declares_what_the_organisation_is(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "full_name": "Wong Mei",
            "email": "wong@court.example",
            "password": "a long and unusual passphrase 42",
            "legal_name": "Commercial Court Registry",
            "jurisdiction": "SG",
            "registration_number": "T99GB0001A",
            "role": "buyer",
            "recipient_type": "judicial",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    org = Organization.objects.get(registration_number="T99GB0001A")
    assert org.recipient_type == "judicial"
    assert org.verification_status == Organization.Verification.PENDING


# --- the admin ------------------------------------------------------------------------------


def test_compliance_reviewers_add_an_entry_in_the_admin_through_the_service(client):
    staff = keeper()
    client.force_login(staff)
    response = client.post(
        reverse("admin:accounts_restrictedparty_add"),
        {
            "name": "Northwind Intelligence Ltd.",
            "aliases_text": "北风情报有限公司\nNWI Holdings",
            "jurisdiction": "",
            "registration_number": "",
            "source_citation": SOURCE,
            "source_url": SOURCE_URL,
            "listed_on": "",
            "reason": "Listed by the CAC.",
            **INLINE,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    party = RestrictedParty.objects.get()
    assert party.aliases == ["北风情报有限公司", "NWI Holdings"]
    assert party.revisions.get().reason == "Listed by the CAC."
    assert AuditEvent.objects.filter(
        action="accounts.restricted_party.created", actor=staff
    ).exists()


def test_the_admin_removes_entries_from_the_list_but_never_deletes_them(client):
    party = entry()
    client.force_login(keeper())
    changelist = reverse("admin:accounts_restrictedparty_changelist")
    response = client.post(
        changelist,
        {"action": "delist", "_selected_action": [party.pk], "reason": "Delisted by the CAC."},
        follow=True,
    )
    assert response.status_code == 200
    party.refresh_from_db()
    assert party.status == RestrictedParty.Status.DELISTED
    delete = reverse("admin:accounts_restrictedparty_delete", args=[party.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert RestrictedParty.objects.filter(pk=party.pk).exists()


def test_an_admin_change_without_a_reason_is_a_form_error(client):
    client.force_login(keeper())
    response = client.post(
        reverse("admin:accounts_restrictedparty_add"),
        {"name": "X", "source_citation": SOURCE, "reason": "", **INLINE},
    )
    assert response.status_code == 200
    assert "reason" in response.context["adminform"].form.errors
    assert not RestrictedParty.objects.exists()


# --- the provider's processing figures (Malaysia's DPO duty) --------------------------------


def test_an_admin_states_the_organisations_processing_in_its_profile(client):
    org = OrganizationFactory(jurisdiction="MY")
    from tests.factories import member_of

    admin = member_of(org)
    client.force_login(admin)
    url = reverse("accounts:organization", args=[org.slug])
    response = client.post(
        url,
        {
            "website": "",
            "dpo_name": "",
            "dpo_email": "",
            "processed_subjects": "42000",
            "processed_sensitive_subjects": "12000",
            "systematic_monitoring": "false",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.processed_subjects, org.processed_sensitive_subjects) == (42_000, 12_000)
    assert org.systematic_monitoring is False
    event = AuditEvent.objects.filter(action="accounts.organization.profile_updated").last()
    assert event.after["processed_subjects"] == 42_000


def test_more_sensitive_individuals_than_processed_ones_is_refused():
    org = OrganizationFactory(jurisdiction="MY")
    from tests.factories import member_of

    with pytest.raises(InvalidInput) as caught:
        services.organization_update_profile(
            organization=org,
            actor=member_of(org),
            processed_subjects=100,
            processed_sensitive_subjects=101,
        )
    assert caught.value.field == "processed_sensitive_subjects"
    org.refresh_from_db()
    assert org.processed_subjects is None
