"""The provider's wizard: the sample first, a schema suggested from it, confirmed in a form."""

import io

import pytest
from django.urls import reverse

from catalogue import services
from kernel.ledger.models import AuditEvent
from kernel.tabular.infer import infer_schema, suggest_name
from kernel.tabular.schema import CsvValidationError
from tests.factories import OrganizationFactory, category, csv_upload, member_of

# A mall operator's loyalty sample: a China resident ID with a valid check character
# (11010519491231002X), a Malaysian mobile number and an e-mail address among the rows.
LOYALTY = (
    b"member_id,mall,visit_date,visits,spend_myr,is_vip,contact\n"
    b"A1,Pavilion,2026-11-01,3,120.50,yes,siti.hajar@example.com\n"
    b"A2,Pavilion,2026-11-02,1,15,no,+60 12-345 6789\n"
    b"A3,Suria,2026-11-02,2,80.25,no,\n"
    b"A4,Suria,2026-11-03,5,300,yes,11010519491231002X\n"
    b"A5,Mid Valley,2026-11-04,1,9.90,no,\n"
    b"A6,Mid Valley,2026-11-04,4,77,no,\n"
)


# --- the inference, pure ------------------------------------------------------------------


def test_types_are_the_narrowest_every_cell_parses_as():
    found = infer_schema(io.BytesIO(LOYALTY))
    assert [(c.name, c.type) for c in found.columns] == [
        ("member_id", "string"),
        ("mall", "string"),
        ("visit_date", "date"),
        ("visits", "integer"),
        ("spend_myr", "number"),
        ("is_vip", "boolean"),
        ("contact", "string"),
    ]
    assert found.rows == 6
    assert found.columns[6].empty == 3


def test_zero_one_columns_stay_integers_and_empty_columns_are_strings():
    found = infer_schema(io.BytesIO(b"flag,note,ratio\n0,,1\n1,,2.5\n1,,3\n"))
    assert [c.type for c in found.columns] == ["integer", "string", "number"]


def test_identifier_candidates_by_name_and_by_distinct_values():
    found = infer_schema(io.BytesIO(LOYALTY))
    flagged = {c.name: c.reasons for c in found.columns if c.identifier}
    # member_id by its name and its distinct values; mall repeats, so it is not flagged.
    assert flagged == {"member_id": ["name", "unique"]}
    few = infer_schema(io.BytesIO(b"shop,visits\nA,1\nB,2\n"))
    assert not any(c.identifier for c in few.columns)  # 2 rows prove nothing


def test_headers_that_are_not_schema_names_get_a_suggestion():
    found = infer_schema(io.BytesIO(b"Mall ID,2024 sales,mall_id,visits,visits\nA,1,x,1,2\n"))
    assert [(c.header, c.name, c.name_is_valid) for c in found.columns] == [
        ("Mall ID", "mall_id_2", False),
        ("2024 sales", "c_2024_sales", False),
        ("mall_id", "mall_id", True),
        ("visits", "visits", True),
        ("visits", "visits_2", False),
    ]
    assert suggest_name("  Dwell (min) ") == "dwell_min"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"a,b\n", "no data rows"),
        (b"a,,c\n1,2,3\n", "column 2 has no name"),
        (b"a,b\n1,2,3\n", "Line 2"),
    ],
)
def test_unreadable_files_are_refused_naming_the_problem(content, words):
    with pytest.raises(CsvValidationError) as exc:
        infer_schema(io.BytesIO(content))
    assert words in str(exc.value)


def test_more_rows_than_the_sample_limit_are_refused():
    with pytest.raises(CsvValidationError, match="more than 3 data rows"):
        infer_schema(io.BytesIO(b"a\n1\n2\n3\n4\n"), max_rows=3)


# --- the wizard's pages -------------------------------------------------------------------


@pytest.fixture
def provider_draft(db, client):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = services.product_create(
        provider=org,
        actor=owner,
        title="KL mall loyalty visits",
        summary="Visits by loyalty members.",
        category=category(),
        origin_jurisdiction="MY",
        tags=[],
    )
    client.force_login(owner)
    return product


def _wizard(product):
    return reverse("catalogue:wizard", args=[product.slug, 1])


@pytest.mark.django_db
def test_manage_page_offers_the_wizard_instead_of_a_refused_upload(client, provider_draft):
    page = client.get(reverse("catalogue:manage", args=[provider_draft.slug])).content.decode()
    assert _wizard(provider_draft) in page
    # No sample upload that could only answer "Define the schema before uploading files".
    assert 'id="sample-file"' not in page


@pytest.mark.django_db
def test_the_suggestion_shows_types_identifiers_and_masked_personal_data(client, provider_draft):
    response = client.post(
        _wizard(provider_draft), {"step": "read", "file": csv_upload(LOYALTY, "loyalty.csv")}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "6 rows read" in page
    assert 'name="col-2-type"' in page
    assert '<option value="date" selected>date</option>' in page
    assert 'name="col-0-identifier" id="id_col-0-identifier" checked' in page
    assert "Personal data was found in this sample" in page
    assert "11***************X" in page and "s***@example.com" in page
    # The values themselves never reach the page, nor anything the storage holds.
    assert "11010519491231002X" not in page and "siti.hajar@example.com" not in page
    version = provider_draft.versions.get()
    assert version.schema_fields() == [] and not version.sample


def _confirm_data(**overrides):
    data = {
        "step": "confirm",
        "col-TOTAL_FORMS": "7",
        "col-INITIAL_FORMS": "7",
        "col-MIN_NUM_FORMS": "0",
        "col-MAX_NUM_FORMS": "200",
    }
    types = ["string", "string", "date", "integer", "number", "boolean", "string"]
    names = ["member_id", "mall", "visit_date", "visits", "spend_myr", "is_vip", "contact"]
    for i, (name, ftype) in enumerate(zip(names, types, strict=True)):
        data[f"col-{i}-name"] = name
        data[f"col-{i}-type"] = ftype
    data["col-0-identifier"] = "on"
    data["col-6-identifier"] = "on"
    data["col-4-unit"] = "MYR"
    data["col-1-description"] = "Mall name"
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_confirming_saves_the_edited_schema_and_the_sample_together(client, provider_draft):
    data = _confirm_data(**{"col-3-type": "number"})  # the provider widens visits
    data["file"] = csv_upload(LOYALTY, "loyalty.csv")
    response = client.post(_wizard(provider_draft), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogue:manage", args=[provider_draft.slug])
    version = provider_draft.versions.get()
    fields = {f["name"]: f for f in version.schema_fields()}
    assert list(fields) == [
        "member_id",
        "mall",
        "visit_date",
        "visits",
        "spend_myr",
        "is_vip",
        "contact",
    ]
    assert fields["visits"]["type"] == "number"
    assert fields["member_id"]["identifier"] and fields["contact"]["identifier"]
    assert not fields["mall"]["identifier"] and fields["mall"]["description"] == "Mall name"
    assert fields["spend_myr"]["unit"] == "MYR"
    assert version.sample_rows == 6 and version.sample.name.startswith("my/")
    assert version.sample_preview[0][0] == "member_id"
    actions = set(
        AuditEvent.objects.filter(object_id=str(version.pk)).values_list("action", flat=True)
    )
    assert {"catalogue.version.updated", "catalogue.version.sample_uploaded"} <= actions
    page = client.get(response["Location"]).content.decode()
    assert "Schema saved and sample uploaded: 6 rows" in page


@pytest.mark.django_db
def test_a_type_the_file_contradicts_saves_nothing_and_names_the_line(client, provider_draft):
    data = _confirm_data(**{"col-1-type": "integer"})  # "Pavilion" is no whole number
    data["file"] = csv_upload(LOYALTY, "loyalty.csv")
    response = client.post(_wizard(provider_draft), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2" in page and "mall" in page and "whole number" in page
    version = provider_draft.versions.get()
    assert version.schema_fields() == [] and not version.sample


@pytest.mark.django_db
def test_another_file_at_confirmation_is_refused(client, provider_draft):
    data = _confirm_data()
    data["file"] = csv_upload(b"a,b\n1,2\n", "other.csv")
    response = client.post(_wizard(provider_draft), data)
    assert response.status_code == 400
    assert "not the file the schema was suggested from" in response.content.decode()
    assert provider_draft.versions.get().schema_fields() == []


@pytest.mark.django_db
def test_headers_to_rename_are_listed_and_nothing_can_be_confirmed(client, provider_draft):
    response = client.post(
        _wizard(provider_draft), {"step": "read", "file": csv_upload(b"Mall ID,n\nA,1\n")}
    )
    page = response.content.decode()
    assert "Rename them in the file" in page and "mall_id" in page
    assert "disabled" in page.split("Confirm the schema and upload the sample")[0][-200:]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "words"),
    [
        ({"file": csv_upload(b"a,b\n", "empty.csv")}, "no data rows"),
        ({"file": csv_upload(b"a,b\n1,2\n", "data.xlsx")}, "Upload a .csv file"),
        ({}, "Choose the sample CSV file"),
    ],
)
def test_bad_files_get_a_form_error(client, provider_draft, upload, words):
    response = client.post(_wizard(provider_draft), {"step": "read", **upload})
    assert response.status_code == 400
    assert words in response.content.decode()


@pytest.mark.django_db
def test_the_script_gets_the_next_address_rather_than_a_redirect(client, provider_draft):
    data = _confirm_data()
    data["file"] = csv_upload(LOYALTY, "loyalty.csv")
    response = client.post(_wizard(provider_draft), data, headers={"X-Wizard": "1"})
    assert response.status_code == 200
    assert response["X-Wizard-Location"] == reverse("catalogue:manage", args=[provider_draft.slug])


@pytest.mark.django_db
def test_other_organisations_cannot_open_the_wizard(client, provider_draft):
    client.force_login(member_of(OrganizationFactory(jurisdiction="MY")))
    assert client.get(_wizard(provider_draft)).status_code == 404


def test_only_plain_calendar_dates_are_dates_and_distinct_counts_identify_nothing():
    found = infer_schema(
        io.BytesIO(
            b"week,day,visits,code\n"
            b"2026-W40,2026-10-01,120,P1\n2026-W41,2026-10-08,130,P2\n2026-W42,2026-10-15,90,P3\n"
            b"2026-W43,2026-10-22,95,P4\n2026-W44,2026-10-29,150,P5\n"
        )
    )
    assert [(c.name, c.type, c.identifier) for c in found.columns] == [
        ("week", "string", True),  # distinct strings: maybe an identifier, for the provider
        ("day", "date", False),
        ("visits", "integer", False),
        ("code", "string", True),
    ]


# --- the version form beside it -----------------------------------------------------------


def _version_form_data(**overrides):
    data = {
        "description": "Weekly visits.",
        "data_categories": ["non_personal"],
        "data_subject_count": "0",
        "min_group_size": "10",
        "update_frequency": "weekly",
        "delivery_mode": "insight_report",
        "schema": "",
        "lawful_basis": "Our own loyalty programme.",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_version_form_keeps_the_schema_when_left_empty(client, provider_draft):
    version = provider_draft.versions.get()
    services.version_start_from_sample(
        version=version,
        actor=provider_draft.provider.memberships.get().user,
        schema={"fields": [{"name": "mall", "type": "string"}, {"name": "n", "type": "integer"}]},
        upload=csv_upload(b"mall,n\nPavilion,3\n"),
    )
    url = reverse("catalogue:version_edit", args=[provider_draft.slug, 1])
    page = client.get(url).content.decode()
    assert "&quot;name&quot;: &quot;mall&quot;" in page  # the schema is shown, editable by hand
    response = client.post(url, _version_form_data())
    assert response.status_code == 302
    version.refresh_from_db()
    assert [f["name"] for f in version.schema_fields()] == ["mall", "n"]
    assert version.sample_rows == 1  # an unchanged schema keeps the sample
    response = client.post(url, _version_form_data(schema="{not json"))
    assert response.status_code == 200 and "Not valid JSON" in response.content.decode()


@pytest.mark.django_db
def test_fields_the_checklist_demands_are_not_marked_optional(client, provider_draft):
    page = client.get(reverse("catalogue:version_edit", args=[provider_draft.slug, 1]))
    html = page.content.decode()
    label = html.split('for="id_lawful_basis"')[1].split("</label>")[0]
    assert "needed to submit" in label and "optional" not in label
    label = html.split('for="id_description"')[1].split("</label>")[0]
    assert "needed to submit" in label and "optional" not in label
    label = html.split('for="id_consent_evidence"')[1].split("</label>")[0]
    assert "needed to submit personal data" in label
    # A group of checkboxes is a fieldset whose legend names it, above its options.
    group = html.split('<fieldset class="field choice-group')[1].split("</fieldset>")[0]
    assert "<legend>Data categories" in group
    assert group.index("<legend>") < group.index('id="id_data_categories_0"')


@pytest.mark.django_db
def test_the_version_form_takes_the_privacy_declaration(client, provider_draft):
    version = provider_draft.versions.get()
    services.version_start_from_sample(
        version=version,
        actor=provider_draft.provider.memberships.get().user,
        schema={"fields": [{"name": "mall", "type": "string"}, {"name": "n", "type": "integer"}]},
        upload=csv_upload(b"mall,n\nPavilion,3\n"),
    )
    url = reverse("catalogue:version_edit", args=[provider_draft.slug, 1])
    declared = '{"mode": "dp", "unit": "", "epsilon_cap": 50, "bounds": {"n": [0, 10]}}'
    response = client.post(url, _version_form_data(privacy=declared))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.privacy["mode"] == "dp"
    assert version.privacy["bounds"] == {"n": [0, 10]}
    # Shown again for editing; left empty, it is kept.
    shown = client.get(url).content.decode()
    assert "&quot;epsilon_cap&quot;: " in shown and "&quot;n&quot;: [" in shown
    assert client.post(url, _version_form_data()).status_code == 302
    version.refresh_from_db()
    assert str(version.privacy["epsilon_cap"]) == "50"
    # A bound for a column the schema does not have is the declaration's error, on its field.
    response = client.post(
        url, _version_form_data(privacy='{"mode": "dp", "bounds": {"visitors": [0, 9]}}')
    )
    assert response.status_code == 200
    assert "privacy" in response.context["form"].errors
    assert "The privacy declaration is not valid" in response.content.decode()
    response = client.post(url, _version_form_data(privacy="[1, 2]"))
    assert "The declaration is a JSON object" in response.content.decode()
