"""Licence suspension, and usage records that name their product (a provider's preview of
its own product is metered without a licence). Existing records take their licence's
product."""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def backfill_product(apps, schema_editor):
    UsageRecord = apps.get_model("licensing", "UsageRecord")
    Licence = apps.get_model("licensing", "Licence")
    for licence_id, product_id in Licence.objects.values_list("pk", "product_id"):
        UsageRecord.objects.filter(licence_id=licence_id).update(product_id=product_id)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('catalogue', '0004_product_suspension'),
        ('licensing', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='licence',
            options={'ordering': ['-granted_at'], 'permissions': [('revoke_licence', 'Can revoke any licence (exchange admin)'), ('suspend_licence', 'Can suspend and reinstate a licence (exchange staff)')], 'verbose_name': 'licence'},
        ),
        migrations.AddField(
            model_name='licence',
            name='suspended_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='licence',
            name='suspended_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='licence',
            name='suspension_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='usagerecord',
            name='product',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='usage_records', to='catalogue.dataproduct'),
        ),
        migrations.RunPython(backfill_product, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='usagerecord',
            name='kind',
            field=models.CharField(choices=[('query', 'Query'), ('report', 'Insight report'), ('extract', 'Aggregated extract'), ('preview', 'Provider preview')], max_length=10),
        ),
        migrations.AlterField(
            model_name='usagerecord',
            name='licence',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='usage', to='licensing.licence'),
        ),
        migrations.AddIndex(
            model_name='usagerecord',
            index=models.Index(fields=['product', 'occurred_at'], name='licensing_usage_product_idx'),
        ),
        migrations.AddConstraint(
            model_name='usagerecord',
            constraint=models.CheckConstraint(condition=models.Q(('licence__isnull', False), ('kind', 'preview'), _connector='OR'), name='licensing_usage_licensed_unless_preview'),
        ),
    ]
