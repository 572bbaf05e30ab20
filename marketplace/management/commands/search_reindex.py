"""Rebuilds the stored search vector of every listed product (after the search's
segmentation or vocabulary changed, e.g. on upgrading to the Chinese-aware index)."""

from django.core.management.base import BaseCommand

from catalogue.models import DataProduct
from catalogue.services import product_refresh_search_vector


class Command(BaseCommand):
    help = "Rebuild the catalogue's stored search vectors (PostgreSQL; nothing to do on SQLite)."

    def handle(self, *args, **options):
        count = 0
        products = DataProduct.objects.listed().select_related("provider", "listed_version")
        for product in products.iterator(chunk_size=200):
            product_refresh_search_vector(product=product)
            count += 1
        self.stdout.write(f"{count} product(s) reindexed.")
