"""The technical stage also checks the privacy declaration (licensing.privacy)."""

from django.db import migrations

CHECK = "technical.privacy_declaration"


def seed(apps, schema_editor):
    PipelineStage = apps.get_model("compliance", "PipelineStage")
    for stage in PipelineStage.objects.filter(stage="technical"):
        if CHECK not in stage.checks:
            stage.checks = [*stage.checks, CHECK]
            stage.save(update_fields=["checks"])


def unseed(apps, schema_editor):
    PipelineStage = apps.get_model("compliance", "PipelineStage")
    for stage in PipelineStage.objects.filter(stage="technical"):
        if CHECK in stage.checks:
            stage.checks = [c for c in stage.checks if c != CHECK]
            stage.save(update_fields=["checks"])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0004_check_run_region")]
    operations = [migrations.RunPython(seed, unseed)]
