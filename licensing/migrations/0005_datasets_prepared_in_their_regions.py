"""The query engine moves from tables in the portal's database to DuckDB over Parquet in each
product's data region: the old per-version tables (``dx_ds_v<pk>``) and their registry are
dropped, and every listed version's dataset is queued for preparation in its region (the
outbox's sweeper publishes the work; the datasets are re-derived from the stored files).
"""

import uuid

from django.db import migrations
from django.utils import timezone


def drop_tables_and_queue(apps, schema_editor):
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    for table in connection.introspection.table_names():
        if table.startswith("dx_ds_v") or table == "dx_ds_registry":
            schema_editor.execute(f"DROP TABLE IF EXISTS {qn(table)}")
    ProductVersion = apps.get_model("catalogue", "ProductVersion")
    OutboxMessage = apps.get_model("outbox", "OutboxMessage")
    from kernel.regions import region_for

    listed = ProductVersion.objects.filter(state="approved").exclude(dataset="")
    for version in listed.select_related("product"):
        region = region_for(version.product.origin_jurisdiction)
        version.dataset_state = "queued"
        version.save(update_fields=["dataset_state"])
        OutboxMessage.objects.create(
            id=uuid.uuid4(),
            task="data.prepare_dataset",
            kwargs={"version_id": version.pk},
            queue=region.queue,
            subject_type="catalogue.productversion",
            subject_id=str(version.pk),
            created_at=timezone.now(),
            available_at=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0004_privacy_budgets_and_answers"),
        ("outbox", "0001_initial"),
    ]

    operations = [migrations.RunPython(drop_tables_and_queue, migrations.RunPython.noop)]
