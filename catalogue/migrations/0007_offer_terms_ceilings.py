"""Brings existing offers within the exchange's contract-term ceilings before the schema
enforces them (0006), and tells each provider why.

* Breach notice: at most 24 hours (was 72): a licensee's notice must leave the provider time
  for Malaysia's 72-hour notice to the Commissioner. Offers above 24 hours are set to 24.
* Term: every licence ends, so deletion or return at the end of the term happens. Perpetual
  offers get a 12-month term.

Each provider gets one dashboard notification per changed offer (``compliance.Notification``
through ``apps.get_model``; a migration sends no e-mail). Licences already granted keep the
terms they were granted under. Imports nothing from the application.
"""

from django.db import migrations

CEILING_HOURS = 24
DEFAULT_TERM_MONTHS = 12


def clamp(apps, schema_editor):
    Offer = apps.get_model("catalogue", "Offer")
    Notification = apps.get_model("compliance", "Notification")
    offers = Offer.objects.filter(breach_notice_hours__gt=CEILING_HOURS) | Offer.objects.filter(
        term_months__isnull=True
    )
    for offer in offers.select_related("product").order_by("pk"):
        changes = []
        fields = []
        if offer.breach_notice_hours > CEILING_HOURS:
            changes.append(
                f"the breach notice goes from {offer.breach_notice_hours} to {CEILING_HOURS} "
                "hours: a licensee must tell you of a breach soon enough for you to meet "
                "Malaysia's 72-hour notice to the Personal Data Protection Commissioner "
                "(PDPA s.12B), so the exchange's ceiling is now 24 hours"
            )
            offer.breach_notice_hours = CEILING_HOURS
            fields.append("breach_notice_hours")
        if offer.term_months is None:
            changes.append(
                f"the perpetual term becomes {DEFAULT_TERM_MONTHS} months: every licence must "
                "end, so that deletion or return of the data at the end of the term happens"
            )
            offer.term_months = DEFAULT_TERM_MONTHS
            fields.append("term_months")
        offer.save(update_fields=fields)
        Notification.objects.create(
            organization_id=offer.product.provider_id,
            product_id=offer.product_id,
            subject=f"Offer “{offer.name}” changed to meet the exchange's contract terms",
            body=(
                f"In your offer “{offer.name}” of “{offer.product.title}”, "
                + "; and ".join(changes)
                + ". Licences already granted keep their terms; new requests accept the "
                "changed ones. You can edit the offer within these limits."
            ),
            link=f"/catalogue/dashboard/{offer.product.slug}/",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_dataset_state_at"),
        ("compliance", "0003_stage_checks_queued"),
    ]

    operations = [migrations.RunPython(clamp, migrations.RunPython.noop)]
