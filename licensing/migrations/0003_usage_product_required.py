"""Every usage record names its product (filled in by 0002; a separate migration so that
PostgreSQL has no pending deferred-constraint events when the column becomes NOT NULL)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("licensing", "0002_licence_suspension_and_provider_preview")]

    operations = [
        migrations.AlterField(
            model_name='usagerecord',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='usage_records', to='catalogue.dataproduct'),
        ),
    ]
