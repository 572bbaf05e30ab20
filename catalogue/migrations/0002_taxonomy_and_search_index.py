"""Seeds the managed taxonomy and purposes; adds the GIN index on PostgreSQL."""

from django.db import migrations

CATEGORIES = [
    ("mobility-logistics", "Mobility & logistics", "Shipping routes, port dwell times, fleets"),
    ("retail-consumer", "Retail & consumer", "Foot traffic, consumer trends, basket indices"),
    ("built-environment-robotics", "Built environment & robotics",
     "Floor layouts, occupancy, robot navigation"),
    ("language-culture", "Language & culture", "Corpus statistics, lexicons, media trends"),
    ("finance-trade", "Finance & trade", "Price indices, trade flows, FX-linked data"),
    ("industry-manufacturing", "Industry & manufacturing", "Output, capacity, supply chains"),
    ("energy-environment", "Energy & environment", "Grid load, emissions, weather-linked data"),
    ("health-life-sciences", "Health & life sciences", "Aggregated, de-identified health data"),
]

PURPOSES = [
    ("product-development", "Product development", "Designing and improving products"),
    ("supply-chain-planning", "Supply-chain planning", "Sourcing, routing and inventory"),
    ("market-research", "Market research", "Market sizing, trends and competitive analysis"),
    ("site-selection", "Site selection", "Choosing locations for stores or operations"),
    ("ai-model-training", "AI model training", "Training or fine-tuning machine-learning models"),
    ("academic-research", "Academic research", "Non-commercial research and publication"),
    ("risk-management", "Risk management", "Credit, trade and operational risk"),
    ("robot-navigation", "Robot navigation & operations", "Planning autonomous machine routes"),
]

GIN = (
    "CREATE INDEX IF NOT EXISTS catalogue_product_search_gin "
    "ON catalogue_dataproduct USING GIN (search_vector)"
)


def seed(apps, schema_editor):
    Category = apps.get_model("catalogue", "Category")
    Purpose = apps.get_model("catalogue", "Purpose")
    for position, (slug, name, description) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    for code, name, description in PURPOSES:
        Purpose.objects.update_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GIN)


def unseed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_product_search_gin")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
