"""Seed the transfer rule sets (China 2024.1, Malaysia 2025.1 and 2025.2, Singapore 2021.1,
Vietnam 2026.1) from ``compliance.rules.seed``, in force with the seed's effective dates.

``seed`` is idempotent (a set already there is left alone), so tests that flushed the tables
can call it again.
"""

from django.db import migrations
from django.utils import timezone

from compliance.rules.seed import seed_rule_sets


def seed(apps, schema_editor):
    RuleSet = apps.get_model("transfer_rules", "RuleSet")
    Rule = apps.get_model("transfer_rules", "Rule")
    now = timezone.now()
    for data in seed_rule_sets():
        if RuleSet.objects.filter(
            jurisdiction=data["jurisdiction"], version=data["version"]
        ).exists():
            continue
        rule_set = RuleSet.objects.create(
            jurisdiction=data["jurisdiction"],
            version=data["version"],
            title=data["title"],
            effective_from=data["effective_from"],
            effective_to=data["effective_to"],
            status="in_force",
            sources=data["sources"],
            notes="Seeded from compliance.rules.seed.",
            published_at=now,
        )
        Rule.objects.bulk_create(
            Rule(
                rule_set=rule_set,
                code=rule["code"],
                priority=rule["priority"],
                title=rule["title"],
                when=rule["when"],
                outcome=rule["outcome"],
                explanation=rule["explanation"],
                source=rule["source"],
            )
            for rule in data["rules"]
        )


def unseed(apps, schema_editor):
    RuleSet = apps.get_model("transfer_rules", "RuleSet")
    for data in seed_rule_sets():
        RuleSet.objects.filter(
            jurisdiction=data["jurisdiction"], version=data["version"], status="in_force"
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("transfer_rules", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
