"""Seeds the default review pipeline: legal → technical → compliance."""

from django.db import migrations

STAGES = [
    ("legal", ["legal.declarations", "legal.contract_terms", "legal.mechanism_evidence"], 3),
    (
        "technical",
        ["technical.schema", "technical.files_match_schema", "technical.pii_scan",
         "technical.k_threshold"],
        3,
    ),
    (
        "compliance",
        ["compliance.transfer_assessment", "compliance.export_volume",
         "compliance.expiring_evidence", "compliance.dpo"],
        5,
    ),
]


def seed(apps, schema_editor):
    Pipeline = apps.get_model("compliance", "Pipeline")
    PipelineStage = apps.get_model("compliance", "PipelineStage")
    pipeline, _ = Pipeline.objects.get_or_create(
        jurisdiction="", defaults={"name": "Default: legal → technical → compliance"}
    )
    for position, (stage, checks, sla) in enumerate(STAGES, start=1):
        PipelineStage.objects.update_or_create(
            pipeline=pipeline, stage=stage,
            defaults={"position": position, "checks": checks, "sla_days": sla},
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
