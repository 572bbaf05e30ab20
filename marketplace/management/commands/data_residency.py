"""Where each product's files live and which region answered its queries (an auditor's view;
docs/architecture.md, "The access engine")."""

import json

from django.core.management.base import BaseCommand, CommandError

from catalogue import services
from catalogue.models import DataProduct
from licensing.selectors import residency


class Command(BaseCommand):
    help = (
        "Lists, per product and version, the data region its origin maps to, where its "
        "sample, dataset and Parquet files are stored, its preparation, and the regions that "
        "answered its queries. --move moves files stored outside their region into it."
    )

    def add_arguments(self, parser):
        parser.add_argument("products", nargs="*", help="Product slugs (default: all).")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="One JSON document."
        )
        parser.add_argument(
            "--move",
            action="store_true",
            help="Move files stored outside their origin's region into it (run where both "
            "storages can be read).",
        )

    def handle(self, *args, products=(), as_json=False, move=False, **options):
        chosen = DataProduct.objects.select_related("provider").order_by("slug")
        if products:
            chosen = chosen.filter(slug__in=products)
            missing = set(products) - set(chosen.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No product with the slug(s): {', '.join(sorted(missing))}")
        report, moved = [], []
        for product in chosen:
            if move:
                for version in product.versions.all():
                    for item in services.version_files_move_to_region(version=version, actor=None):
                        moved.append({"product": product.slug, "version": version.number, **item})
            report.append(
                {
                    "product": product.slug,
                    "origin": product.origin_jurisdiction,
                    "versions": [_version(row) for row in residency(product)],
                }
            )
        misplaced = sum(len(v["misplaced"]) for p in report for v in p["versions"])
        if as_json:
            self.stdout.write(_dumps({"products": report, "moved": moved, "misplaced": misplaced}))
            return
        for item in moved:
            self.stdout.write(
                f"moved {item['product']} v{item['version']} {item['file']}: "
                f"{item['from']} -> {item['to']}"
            )
        for product in report:
            for v in product["versions"]:
                files = ", ".join(
                    f"{f['file']} in {f['region'] or 'no region'}" for f in v["files"]
                )
                answered = (
                    "answered in " + ", ".join(v["answered_in"])
                    if v["answered_in"]
                    else "no queries answered yet"
                )
                self.stdout.write(
                    f"{product['product']} v{v['version']} (origin {product['origin']}, region "
                    f"{v['expected_region']}): {files or 'no files'}; dataset {v['dataset_state']}"
                    f"; {answered}"
                    + (f"; last in {v['last_answered_in']}" if v["last_answered_in"] else "")
                    + (
                        f"; {len(v['misplaced'])} file(s) OUTSIDE ITS REGION"
                        if v["misplaced"]
                        else ""
                    )
                )
        self.stdout.write(
            f"{misplaced} file(s) outside their region."
            + (" Run with --move to move them." if misplaced else "")
        )


def _version(row: dict) -> dict:
    return {
        **{k: v for k, v in row.items() if k != "version"},
        "version": row["version"].number,
        "last_answered_at": (
            row["last_answered_at"].isoformat() if row["last_answered_at"] else None
        ),
    }


def _dumps(document) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)
