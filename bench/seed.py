"""Seeds a PostgreSQL database at an exchange's scale, with COPY.

Rows are built as model instances (so every default and `auto_now` a service would fill is
filled) and streamed to PostgreSQL with `COPY ... FROM STDIN`, each value prepared by its
model field as Django would save it. Ids are assigned here so that foreign keys can be
written in the same pass; the sequences are moved past them at the end.

Scale 1.0: 2,000 organisations (400 providers), 100,000 listed products with their versions,
180,000 offers, 200,000 licences with 170,000 guardian rows, 1,000,000 usage records. The
texts are drawn from English, Chinese and Malay fragments about the exchange's products.
"""

import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, Organization, User
from catalogue.models import Category, DataProduct, Offer, ProductVersion, Purpose
from licensing.models import DataProductGroupObjectPermission, Licence, UsageRecord

PLACES = [
    "Kuala Lumpur",
    "Penang",
    "Johor Bahru",
    "Kota Kinabalu",
    "Ipoh",
    "Melaka",
    "Kuching",
    "Singapore",
    "Jurong",
    "Shenzhen",
    "Guangzhou",
    "Dongguan",
    "Xiamen",
    "Shanghai",
    "吉隆坡",
    "槟城",
    "新山",
    "深圳",
    "广州",
    "新加坡",
    "Pulau Pinang",
    "Selangor",
    "Sabah",
]
SUBJECTS_EN = [
    "mall foot traffic by hour",
    "port dwell times",
    "electronics export price index",
    "consumer trend index",
    "shipping routes and transit times",
    "retail basket statistics",
    "cold-chain logistics volumes",
    "tourist arrivals by origin",
    "e-commerce parcel flows",
    "Bahasa Malaysia corpus statistics",
    "palm oil export volumes",
    "warehouse occupancy",
]
SUBJECTS_ZH = [
    "商场客流统计",
    "港口停留时间",
    "电子产品出口价格指数",
    "消费趋势指数",
    "航运路线与时效",
    "零售购物篮统计",
    "冷链物流量",
    "跨境电商包裹流量",
    "仓储占用率",
]
SUBJECTS_MS = [
    "trafik pengunjung pusat beli-belah",
    "masa menunggu di pelabuhan",
    "indeks harga eksport",
    "indeks trend pengguna",
    "laluan perkapalan",
    "statistik bakul runcit",
    "jumlah logistik rantaian sejuk",
    "ketibaan pelancong",
    "penghunian gudang",
]
SUMMARY = [
    "Aggregated weekly figures, reviewed for cross-border use; no personal data.",
    "按周汇总的统计数据，已通过跨境合规审查，不含个人信息。",
    "Angka mingguan teragregat, disemak untuk kegunaan rentas sempadan; tiada data peribadi.",
]
DESCRIPTION = [
    "Counts per site and hour from the operator's own sensors, k ≥ 10 in every group.",
    "数据来自运营方自有传感器，每组至少十个样本，仅提供聚合查询。",
    "Kiraan setiap lokasi dan jam daripada penderia pengendali sendiri; hanya agregat.",
]
LEGAL_FORMS = {
    "MY": "Sdn. Bhd.",
    "SG": "Pte. Ltd.",
    "CN": "Co., Ltd.",
}
NAMES = [
    "Selat",
    "Bukit",
    "Lion City",
    "Pearl River",
    "Harbour",
    "Nusantara",
    "Straits",
    "Jade",
    "Merdeka",
    "Orchid",
    "Dragon Gate",
    "Tropika",
    "Kinabalu",
    "Tanjong",
]


class Progress:
    """A progress bar on stderr: what is being written, how far, how fast."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, total, 0
        self.started = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.done == self.total or self.done % max(1, self.total // 50) < n:
            self._draw()

    def _draw(self) -> None:
        width = 30
        filled = int(width * self.done / max(1, self.total))
        rate = self.done / max(1e-9, time.perf_counter() - self.started)
        sys.stderr.write(
            f"\r{self.label:<22} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done:>9,}/{self.total:,} {rate:>9,.0f}/s"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def copy_rows(model, objects, label: str | None = None) -> int:
    """Writes model instances with COPY; every concrete column as the field would save it."""
    objects = list(objects)
    fields = list(model._meta.concrete_fields)
    if objects and objects[0].pk is None:  # rows nothing points at: the sequence numbers them
        fields = [f for f in fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    bar = Progress(label or model._meta.verbose_name_plural, len(objects))
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608 - names
            for obj in objects:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
                )
                bar.advance()
    return len(objects)


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences(*models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def seed(scale: float = 1.0, seed_value: int = 12) -> dict:
    """Seeds the scale; returns the bench's handles (the buyer with 150 licences, ...)."""
    rng = random.Random(seed_value)  # noqa: S311 - reproducible benchmark data
    n_orgs, n_providers = int(2000 * scale) or 20, int(400 * scale) or 4
    n_products, n_offers = int(100_000 * scale), int(180_000 * scale)
    n_licences, n_usage = int(200_000 * scale), int(1_000_000 * scale)
    now = timezone.now()
    categories = list(Category.objects.all())
    purposes = list(Purpose.objects.all())
    use_product = Permission.objects.get(codename="use_product")
    started = time.perf_counter()
    with transaction.atomic():
        group_id, org_id, user_id = _next_id(Group), _next_id(Organization), _next_id(User)
        groups, orgs, users, members = [], [], [], []
        for i in range(n_orgs):
            jur = ("MY", "SG", "CN")[i % 3]
            name = f"{rng.choice(NAMES)} {('Data', 'Analytics', 'Signals', 'Insights')[i % 4]} {i}"
            groups.append(Group(id=group_id + i, name=f"bench-org-{group_id + i}"))
            orgs.append(
                Organization(
                    id=org_id + i,
                    legal_name=f"{name} {LEGAL_FORMS[jur]}",
                    slug=f"bench-org-{org_id + i}",
                    jurisdiction=jur,
                    registration_number=f"{jur}{100000 + i}",
                    is_provider=i < n_providers,
                    is_buyer=i >= n_providers or i % 5 == 0,
                    verification_status=Organization.Verification.VERIFIED,
                    group_id=group_id + i,
                )
            )
            users.append(
                User(id=user_id + i, email=f"bench{user_id + i}@example.com", full_name=name)
            )
            members.append(
                Membership(user_id=user_id + i, organization_id=org_id + i, role="admin")
            )
        copy_rows(Group, groups, "groups")
        copy_rows(Organization, orgs, "organisations")
        for user in users:
            user.set_unusable_password()
        copy_rows(User, users, "users")
        copy_rows(Membership, members, "memberships")

        product_id, version_id = _next_id(DataProduct), _next_id(ProductVersion)
        products, versions = [], []
        for i in range(n_products):
            provider = orgs[i % n_providers]
            language = i % 3
            subject = (SUBJECTS_EN, SUBJECTS_ZH, SUBJECTS_MS)[language]
            title = f"{rng.choice(PLACES)} {rng.choice(subject)} {2020 + i % 7}"
            listed = now - timedelta(minutes=i)
            products.append(
                DataProduct(
                    id=product_id + i,
                    provider_id=provider.id,
                    slug=f"bench-{product_id + i}",
                    title=title[:160],
                    summary=SUMMARY[language],
                    category_id=categories[i % len(categories)].pk,
                    tags=[rng.choice(PLACES), rng.choice(SUBJECTS_EN).split()[0]],
                    origin_jurisdiction=provider.jurisdiction,
                    status=DataProduct.Status.LISTED,
                    listed_version_id=version_id + i,
                    listed_at=listed,
                    price_from_usd=Decimal(rng.choice([0, 250, 900, 2400, 8000, 15000, 60000])),
                )
            )
            versions.append(
                ProductVersion(
                    id=version_id + i,
                    product_id=product_id + i,
                    number=1,
                    state=ProductVersion.State.APPROVED,
                    description=DESCRIPTION[language],
                    data_categories=["non_personal"],
                    delivery_mode=("query_api", "report", "extract")[i % 3],
                    decided_at=listed,
                )
            )
        copy_rows(DataProduct, products, "products")
        copy_rows(ProductVersion, versions, "product versions")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE catalogue_dataproduct p SET search_vector = "
                "setweight(to_tsvector('simple', coalesce(p.title, '')), 'A') || "
                "setweight(to_tsvector('simple', coalesce(p.summary, '')), 'B') || "
                "setweight(to_tsvector('simple', p.tags::text), 'B') || "
                "setweight(to_tsvector('simple', o.legal_name), 'C') || "
                "setweight(to_tsvector('simple', v.description), 'D') "
                "FROM accounts_organization o, catalogue_productversion v "
                "WHERE o.id = p.provider_id AND v.id = p.listed_version_id AND p.id >= %s",
                [product_id],
            )

        offer_id = _next_id(Offer)
        offers, offer_purposes = [], []
        for i in range(n_offers):
            product = products[i % n_products]
            offers.append(
                Offer(
                    id=offer_id + i,
                    product_id=product.id,
                    name=("Standard", "Research", "Enterprise")[i // n_products],
                    price=Decimal(rng.choice([0, 1000, 5000, 12000, 48000])),
                    currency=("MYR", "SGD", "CNY", "USD")[i % 4],
                    territories=["CN", "MY", "SG"],
                    queries_per_month=1000,
                )
            )
            offer_purposes.append(
                Offer.purposes.through(
                    offer_id=offer_id + i, purpose_id=purposes[i % len(purposes)].pk
                )
            )
        copy_rows(Offer, offers, "offers")
        copy_rows(Offer.purposes.through, offer_purposes, "offer purposes")

        # Licences: the bench buyer holds 150; the rest are spread over the other buyers.
        buyers = [o for o in orgs if o.is_buyer and not o.is_provider] or orgs
        bench_buyer = buyers[0]
        licence_id = _next_id(Licence)
        licences, grants = [], []
        for i in range(n_licences):
            buyer = bench_buyer if i < 150 else buyers[1 + i % (len(buyers) - 1)]
            offer = offers[(i * 7919) % n_offers]
            product = products[(offer.id - offer_id) % n_products]
            status = "active" if i % 20 else "expired"
            starts = now - timedelta(days=30 + i % 300)
            licences.append(
                Licence(
                    id=licence_id + i,
                    buyer_id=buyer.id,
                    product_id=product.id,
                    version_id=product.listed_version_id,
                    offer_id=offer.id,
                    purposes=[purposes[i % len(purposes)].code],
                    territories=["CN"],
                    starts_at=starts,
                    ends_at=starts + timedelta(days=365),
                    queries_per_month=1000,
                    status=status,
                    terms={"offer": offer.name, "price": str(offer.price)},
                    policy={"@context": "http://www.w3.org/ns/odrl.jsonld", "uid": i},
                    granted_at=starts,
                )
            )
            if status == "active" and len(grants) < int(170_000 * scale):
                grants.append(
                    DataProductGroupObjectPermission(
                        permission_id=use_product.pk,
                        group_id=buyer.group_id,
                        content_object_id=product.id,
                    )
                )
        copy_rows(Licence, licences, "licences")
        copy_rows(DataProductGroupObjectPermission, grants, "access grants (guardian)")

        usage = []
        for i in range(n_usage):
            licence = licences[i % n_licences]
            usage.append(
                UsageRecord(
                    product_id=licence.product_id,
                    licence_id=licence.id,
                    organization_id=licence.buyer_id,
                    user_id=user_id + (licence.buyer_id - org_id),
                    kind="query",
                    purpose=licence.purposes[0],
                    processing_jurisdiction="CN",
                    occurred_at=now - timedelta(minutes=i % 90_000),
                    region="my",
                    groups_returned=12,
                )
            )
        copy_rows(UsageRecord, usage, "usage records")
        _reset_sequences(Group, Organization, User, Membership, DataProduct, ProductVersion)
        _reset_sequences(Offer, Licence, DataProductGroupObjectPermission, UsageRecord)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "scale": scale,
        "seconds": round(time.perf_counter() - started, 1),
        "organisations": n_orgs,
        "products": n_products,
        "offers": n_offers,
        "licences": n_licences,
        "access_grants": len(grants),
        "usage_records": n_usage,
        "bench_buyer": bench_buyer.id,
        "bench_buyer_user": user_id + (bench_buyer.id - org_id),
        "bench_provider": orgs[0].id,
    }
