"""Demo data products for `manage.py seed_demo`: realistic schemas, samples and datasets.

Every product is created through the catalogue services (and then reviewed through the
review workflow by `marketplace.demo.reviews`), so the audit ledger records the demo like any other
activity. Idempotent: existing slugs are left alone.
"""

import csv
import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import Organization
from catalogue import services
from catalogue.models import Category, DataProduct, Purpose


def _f(name, ftype, description, identifier=False, unit=""):
    return {
        "name": name,
        "type": ftype,
        "description": description,
        "identifier": identifier,
        "unit": unit,
    }


MONTHS = [f"2025-{m:02d}-01" for m in range(1, 13)] + [f"2026-{m:02d}-01" for m in range(1, 10)]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def rows_mall_traffic(rng: random.Random) -> Iterator[list]:
    malls = [
        ("PAV", "Bukit Bintang"),
        ("SUR", "KLCC"),
        ("MVM", "Mid Valley"),
        ("SWY", "Petaling Jaya"),
        ("IOI", "Putrajaya"),
    ]
    zones = ["entrance", "atrium", "food_court", "fashion", "electronics", "car_park_lift"]
    for mall, district in malls:
        for zone in zones:
            for day in WEEKDAYS:
                for hour in range(10, 22):
                    base = 400 if day in ("Sat", "Sun") else 250
                    peak = 1.6 if hour in (12, 13, 19, 20) else 1.0
                    visitors = int(base * peak * rng.uniform(0.6, 1.4))
                    yield [
                        mall,
                        district,
                        zone,
                        day,
                        hour,
                        visitors,
                        round(rng.uniform(4, 35), 1),
                        rng.randint(0, 6),
                    ]


def rows_occupancy(rng):
    for mall in ("PAV", "SUR", "MVM"):
        for floor in ("LG", "G", "1", "2", "3"):
            for zone in ("north", "south", "east", "west", "centre"):
                for month in MONTHS[-6:]:
                    yield [
                        mall,
                        floor,
                        zone,
                        month,
                        round(rng.uniform(0.2, 0.95), 3),
                        round(rng.uniform(1.2, 4.5), 2),
                        rng.randint(40, 400),
                    ]


def rows_port_dwell(rng):
    terminals = ["Northport", "Westports", "Port Klang Free Zone"]
    for terminal in terminals:
        for vessel in ("feeder", "panamax", "neo_panamax", "ulcv"):
            for week in range(1, 53):
                containers = rng.randint(800, 9000)
                yield [
                    terminal,
                    vessel,
                    f"2025-W{week:02d}",
                    round(rng.uniform(18, 96), 1),
                    containers,
                    round(rng.uniform(0.5, 6.0), 2),
                ]


def rows_routes(rng):
    routes = [
        "Port Klang–Shenzhen Yantian",
        "Port Klang–Shanghai Yangshan",
        "Penang–Hong Kong",
        "Tanjung Pelepas–Ningbo",
        "Kuantan–Qinzhou",
        "Port Klang–Singapore",
        "Tanjung Pelepas–Xiamen",
    ]
    for route in routes:
        for month in MONTHS:
            yield [
                route,
                month,
                round(rng.uniform(4, 16), 1),
                round(rng.uniform(55, 98), 1),
                rng.randint(8, 60),
                rng.randint(2, 14),
            ]


def rows_airfreight(rng):
    for origin in ("PEN", "KUL"):
        for dest in ("SZX", "CAN", "PVG", "CTU"):
            for commodity in ("semiconductors", "electronics", "medical_devices", "perishables"):
                for month in MONTHS:
                    yield [
                        origin,
                        dest,
                        commodity,
                        month,
                        round(rng.uniform(18, 96), 1),
                        round(rng.uniform(2.1, 7.8), 2),
                        rng.randint(20, 400),
                    ]


def rows_consumer_index(rng):
    countries = ["MY", "SG", "TH", "ID", "VN", "PH"]
    categories = [
        "groceries",
        "beauty",
        "home_appliances",
        "mobile_phones",
        "apparel",
        "travel",
        "dining",
        "baby_care",
    ]
    for country in countries:
        for cat in categories:
            value = rng.uniform(85, 115)
            for month in MONTHS:
                value *= rng.uniform(0.97, 1.04)
                yield [
                    country,
                    cat,
                    month,
                    round(value, 2),
                    round(rng.uniform(-8, 12), 1),
                    rng.randint(1500, 9000),
                ]


def rows_basket(rng):
    for segment in ("young_professionals", "families", "seniors", "students"):
        for channel in ("online", "hypermarket", "convenience", "wet_market"):
            for month in MONTHS[-12:]:
                yield [
                    segment,
                    channel,
                    month,
                    round(rng.uniform(35, 240), 2),
                    round(rng.uniform(3, 22), 1),
                    round(rng.uniform(0.05, 0.6), 3),
                    rng.randint(300, 4000),
                ]


WORDS_MS = [
    "dan",
    "yang",
    "untuk",
    "dengan",
    "kerajaan",
    "ekonomi",
    "rakyat",
    "syarikat",
    "pelabur",
    "data",
    "digital",
    "teknologi",
    "pendidikan",
    "kesihatan",
    "harga",
    "pasaran",
    "negeri",
    "bandar",
    "projek",
    "pembangunan",
    "makanan",
    "budaya",
]
POS = ["NOUN", "VERB", "ADJ", "ADP", "CONJ", "PRON"]


def rows_corpus_ms(rng):
    for domain in ("news", "parliament", "social_media", "e_commerce", "literature"):
        for word in WORDS_MS:
            for year in (2023, 2024, 2025):
                yield [
                    word,
                    rng.choice(POS),
                    domain,
                    year,
                    rng.randint(200, 90000),
                    rng.randint(20, 9000),
                    round(rng.uniform(0.1, 9.5), 3),
                ]


WORDS_TH = [
    "การ",
    "ของ",
    "ที่",
    "ใน",
    "และ",
    "ข้อมูล",
    "ราคา",
    "ตลาด",
    "รัฐบาล",
    "เศรษฐกิจ",
    "ดิจิทัล",
    "บริษัท",
    "สินค้า",
    "ประเทศ",
]


def rows_corpus_th(rng):
    for domain in ("news", "forums", "e_commerce", "government"):
        for n in (1, 2, 3):
            for word in WORDS_TH:
                yield [
                    word if n == 1 else f"{word} {rng.choice(WORDS_TH)}",
                    n,
                    domain,
                    rng.randint(50, 50000),
                    rng.randint(10, 4000),
                ]


def rows_export_prices(rng):
    groups = [
        ("8517.13", "smartphones"),
        ("8471.30", "laptops"),
        ("8542.31", "processors"),
        ("8504.40", "power_adapters"),
        ("8528.72", "monitors"),
        ("8507.60", "li_ion_cells"),
    ]
    for hs, group in groups:
        price = rng.uniform(5, 400)
        for destination in ("SG", "MY", "VN", "TH"):
            for month in MONTHS:
                price *= rng.uniform(0.97, 1.03)
                yield [
                    hs,
                    group,
                    destination,
                    month,
                    round(price, 2),
                    round(price / 100 * rng.uniform(95, 105), 2),
                    rng.randint(500, 90000),
                ]


def rows_lead_times(rng):
    for component in (
        "mlcc_capacitors",
        "pcb_assemblies",
        "lcd_panels",
        "mcu_chips",
        "connectors",
        "lithium_cells",
        "camera_modules",
    ):
        for month in MONTHS:
            yield [
                component,
                "Shanghai",
                month,
                round(rng.uniform(3, 26), 1),
                round(rng.uniform(0.6, 0.99), 3),
                rng.randint(12, 180),
            ]


def rows_pcb_capacity(rng):
    for city in ("Suzhou", "Kunshan", "Wuxi", "Ningbo", "Hangzhou", "Shanghai"):
        for tier in ("hdi", "multilayer", "flex", "rigid_flex"):
            for month in MONTHS:
                yield [
                    city,
                    tier,
                    month,
                    round(rng.uniform(0.55, 0.97), 3),
                    rng.randint(3, 40),
                    round(rng.uniform(-5, 9), 1),
                ]


def rows_ewallet(rng):
    states = [
        "Selangor",
        "Kuala Lumpur",
        "Johor",
        "Penang",
        "Sabah",
        "Sarawak",
        "Perak",
        "Kedah",
        "Melaka",
        "Pahang",
    ]
    for state in states:
        for age_band in ("18-24", "25-34", "35-44", "45-54", "55+"):
            for category in ("groceries", "transport", "dining", "utilities", "shopping"):
                for month in MONTHS[-12:]:
                    users = rng.randint(120, 9000)
                    yield [
                        state,
                        age_band,
                        category,
                        month,
                        users,
                        round(users * rng.uniform(40, 320), 2),
                        round(rng.uniform(8, 60), 2),
                    ]


def rows_smart_home(rng):
    for device in ("smart_speaker", "robot_vacuum", "air_purifier", "smart_lock"):
        for tier in ("tier_1", "tier_2", "tier_3"):
            for month in MONTHS:
                yield [device, tier, month, rng.randint(800, 20000), round(rng.uniform(0.5, 9), 2)]


def rows_vn_panel(rng):
    for city in ("Ho Chi Minh City", "Hanoi", "Da Nang"):
        for age in ("18-24", "25-34", "35-44", "45+"):
            for month in MONTHS:
                yield [city, age, month, rng.randint(60, 900), round(rng.uniform(150e3, 900e3))]


def rows_ev_charging(rng):
    for park in ("Pavilion B2", "Suria P3", "Mid Valley Blue", "Sunway Orange", "IOI Zone C"):
        for charger in ("AC 7kW", "AC 22kW", "DC 60kW", "DC 120kW"):
            for week in range(1, 41):
                sessions = rng.randint(40, 900)
                yield [
                    park,
                    charger,
                    f"2026-W{week:02d}",
                    sessions,
                    round(sessions * rng.uniform(8, 45), 1),
                    round(rng.uniform(0.1, 0.9), 3),
                ]


def rows_causeway(rng):
    for checkpoint in ("Woodlands Causeway", "Tuas Second Link"):
        for direction in ("MY→SG", "SG→MY"):
            for day in WEEKDAYS:
                for hour in range(24):
                    yield [
                        checkpoint,
                        direction,
                        hour,
                        day,
                        rng.randint(20, 900),
                        round(rng.uniform(5, 140), 1),
                    ]


def rows_returns(rng):
    for line in ("smartphones", "tablets", "wearables", "earbuds"):
        for channel in ("marketplace", "retail_chain", "carrier_store"):
            for month in MONTHS:
                yield [
                    line,
                    channel,
                    month,
                    rng.randint(5000, 200000),
                    round(rng.uniform(0.01, 0.12), 4),
                    rng.choice(["battery", "screen", "changed_mind", "connectivity"]),
                ]


@dataclass
class DemoProduct:
    slug: str
    provider: str
    title: str
    summary: str
    category: str
    tags: list[str]
    delivery_mode: str
    update_frequency: str
    description: str
    schema_fields: list[dict]
    rows: Callable[[random.Random], Iterator[list]]
    offers: list[dict]
    data_categories: list[str] = field(default_factory=lambda: ["non_personal"])
    data_subject_count: int = 0
    anonymised: bool = False
    min_group_size: int = 10
    lawful_basis: str = "Collected by the provider's own systems; the provider owns the data."
    consent_evidence: str = ""
    important_data: bool = False
    origin: str = ""  # empty: the provider's home jurisdiction
    # Where the review workflow leaves it: "listed", "awaiting_legal", "awaiting_technical",
    # "awaiting_compliance", "overdue_legal", "changes_requested".
    review: str = "listed"
    evidence: list[dict] = field(default_factory=list)
    sample_extra_rows: list[list] = field(default_factory=list)


STANDARD_TERMS = {
    "audit_rights": "The provider and the exchange may audit the licensee's use on 30 days' "
    "notice, including query logs kept by the exchange.",
}

DEMO_PRODUCTS = [
    DemoProduct(
        "kl-mall-foot-traffic",
        "bukit-bintang-malls",
        "Kuala Lumpur mall foot traffic by zone and hour",
        "Hourly visitor counts, dwell times and cleaning events for five Klang Valley malls, "
        "by zone — built for cleaning-robot route planning.",
        "built-environment-robotics",
        ["foot traffic", "malls", "robotics", "kuala lumpur"],
        "query_api",
        "weekly",
        "Door and zone sensors in **five Klang Valley malls** (Pavilion, Suria, Mid Valley, "
        "Sunway Pyramid, IOI City) counted visitors per zone and hour.\n\n"
        "* `visitors`: people entering the zone in that hour\n"
        "* `dwell_minutes`: mean time spent in the zone\n"
        "* `cleaning_events`: spills and cleaning calls logged by facility staff\n\n"
        "Typical use: plan when and where autonomous cleaning robots run without "
        "disturbing shoppers.",
        [
            _f("mall_code", "string", "Mall code", identifier=True),
            _f("district", "string", "District"),
            _f("zone", "string", "Zone type"),
            _f("weekday", "string", "Day of week"),
            _f("hour", "integer", "Hour of day (local time)"),
            _f("visitors", "integer", "Visitors entering the zone", unit="people"),
            _f("dwell_minutes", "number", "Mean dwell time", unit="min"),
            _f("cleaning_events", "integer", "Cleaning calls logged"),
        ],
        rows_mall_traffic,
        [
            {
                "name": "Robotics R&D",
                "price": "18000",
                "currency": "MYR",
                "term_months": 12,
                "territories": ["CN", "MY"],
                "queries_per_month": 5000,
                "purposes": ["robot-navigation", "product-development"],
                "governing_law": "MY",
                "dispute_forum": "AIAC",
            },
            {
                "name": "Pilot (3 months)",
                "price": "3500",
                "currency": "MYR",
                "term_months": 3,
                "territories": ["CN", "MY", "SG"],
                "queries_per_month": 500,
                "purposes": ["robot-navigation"],
                "governing_law": "MY",
                "dispute_forum": "AIAC",
                "approval_mode": "automatic",
            },
        ],
    ),
    DemoProduct(
        "kl-mall-occupancy-heatmaps",
        "bukit-bintang-malls",
        "KL mall floor occupancy heatmaps (monthly insight report)",
        "Monthly occupancy and crowding by floor and wing for three flagship KL malls.",
        "built-environment-robotics",
        ["occupancy", "layout", "heatmap"],
        "insight_report",
        "monthly",
        "A monthly report of **occupancy ratios** and crowd density per floor and wing, "
        "rendered by the exchange from the operator's sensor data.",
        [
            _f("mall_code", "string", "Mall code", identifier=True),
            _f("floor", "string", "Floor"),
            _f("wing", "string", "Wing"),
            _f("month", "date", "Month"),
            _f("occupancy_ratio", "number", "Share of capacity in use"),
            _f("density_per_100m2", "number", "People per 100 m²"),
            _f("sensor_count", "integer", "Sensors reporting"),
        ],
        rows_occupancy,
        [
            {
                "name": "Annual report subscription",
                "price": "9600",
                "currency": "MYR",
                "term_months": 12,
                "territories": ["CN", "MY", "SG"],
                "purposes": ["robot-navigation", "site-selection"],
                "governing_law": "MY",
                "dispute_forum": "AIAC",
            }
        ],
    ),
    DemoProduct(
        "port-klang-dwell-times",
        "selat-melaka-logistics",
        "Port Klang container dwell times by terminal and vessel class",
        "Weekly container dwell-time statistics at Northport, Westports and PKFZ.",
        "mobility-logistics",
        ["port klang", "containers", "dwell time", "supply chain"],
        "query_api",
        "weekly",
        "Weekly mean **dwell time** of import containers at Port Klang terminals, by vessel "
        "class, with container volumes and a congestion score. Useful for supply-chain "
        "planning of China–Malaysia shipments.",
        [
            _f("terminal", "string", "Terminal"),
            _f("vessel_class", "string", "Vessel class"),
            _f("iso_week", "string", "ISO week"),
            _f("mean_dwell_hours", "number", "Mean dwell time", unit="h"),
            _f("containers", "integer", "Containers handled", unit="TEU"),
            _f("congestion_score", "number", "Congestion score (0–10)"),
        ],
        rows_port_dwell,
        [
            {
                "name": "Supply-chain planning",
                "price": "4200",
                "currency": "USD",
                "term_months": 12,
                "territories": ["CN", "MY", "SG"],
                "queries_per_month": 2000,
                "purposes": ["supply-chain-planning"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            },
            {
                "name": "Research",
                "price": "900",
                "currency": "USD",
                "term_months": 6,
                "territories": ["CN", "MY", "SG", "TH", "VN"],
                "queries_per_month": 300,
                "purposes": ["academic-research"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
                "approval_mode": "automatic",
            },
        ],
    ),
    DemoProduct(
        "malaysia-china-shipping-routes",
        "selat-melaka-logistics",
        "Malaysia–China shipping-route transit statistics",
        "Monthly transit times, schedule reliability and sailings on seven Malaysia–China lanes.",
        "mobility-logistics",
        ["shipping", "transit time", "schedule reliability"],
        "aggregated_extract",
        "monthly",
        "Median transit days and on-time performance per **shipping lane** between Malaysian "
        "ports and Chinese ports, aggregated from carrier schedules and port calls.",
        [
            _f("route", "string", "Lane"),
            _f("month", "date", "Month"),
            _f("median_transit_days", "number", "Median transit", unit="days"),
            _f("on_time_pct", "number", "Sailings on time", unit="%"),
            _f("sailings", "integer", "Sailings"),
            _f("carriers", "integer", "Carriers"),
        ],
        rows_routes,
        [
            {
                "name": "Quarterly extract",
                "price": "15000",
                "currency": "CNY",
                "term_months": 12,
                "territories": ["CN"],
                "purposes": ["supply-chain-planning", "market-research"],
                "governing_law": "SG",
                "dispute_forum": "CIETAC",
            }
        ],
    ),
    DemoProduct(
        "penang-shenzhen-air-freight",
        "selat-melaka-logistics",
        "Penang & KL to South China air-freight lead times",
        "Door-to-door air-freight lead times and rates from Penang and KLIA to four Chinese hubs.",
        "mobility-logistics",
        ["air freight", "lead time", "semiconductors"],
        "query_api",
        "monthly",
        "Lead times and **per-kg rates** for air freight from Penang (PEN) and KLIA (KUL) to "
        "Shenzhen, Guangzhou, Shanghai and Chengdu, by commodity.",
        [
            _f("origin_airport", "string", "Origin (IATA)"),
            _f("destination_airport", "string", "Destination (IATA)"),
            _f("commodity", "string", "Commodity"),
            _f("month", "date", "Month"),
            _f("lead_time_hours", "number", "Door-to-door lead time", unit="h"),
            _f("rate_usd_per_kg", "number", "Rate", unit="USD/kg"),
            _f("shipments", "integer", "Shipments"),
        ],
        rows_airfreight,
        [
            {
                "name": "Standard",
                "price": "2400",
                "currency": "USD",
                "term_months": 12,
                "territories": ["CN", "MY", "SG"],
                "queries_per_month": 1000,
                "purposes": ["supply-chain-planning"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            }
        ],
    ),
    DemoProduct(
        "asean-consumer-trend-index",
        "merlion-insights",
        "ASEAN consumer-trend index by category",
        "Monthly spending-intent index for eight consumer categories in six ASEAN markets.",
        "retail-consumer",
        ["consumer trends", "asean", "index", "retail"],
        "query_api",
        "monthly",
        "A panel-based **spending-intent index** (2025-01 = 100) for groceries, beauty, "
        "appliances, phones, apparel, travel, dining and baby care across MY, SG, TH, ID, VN "
        "and PH. Panel answers are aggregated; no respondent-level data is kept.",
        [
            _f("country", "string", "Market"),
            _f("category", "string", "Category"),
            _f("month", "date", "Month"),
            _f("index_value", "number", "Index (2025-01 = 100)"),
            _f("yoy_change_pct", "number", "Change on a year earlier", unit="%"),
            _f("panel_size", "integer", "Panel respondents"),
        ],
        rows_consumer_index,
        [
            {
                "name": "Regional",
                "price": "8800",
                "currency": "SGD",
                "term_months": 12,
                "territories": ["CN", "SG", "MY", "TH", "VN", "ID", "PH"],
                "queries_per_month": 3000,
                "purposes": ["market-research", "product-development"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            },
            {
                "name": "Single analyst",
                "price": "1900",
                "currency": "SGD",
                "term_months": 3,
                "territories": ["CN", "SG", "MY"],
                "queries_per_month": 200,
                "purposes": ["market-research"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
                "approval_mode": "automatic",
            },
        ],
    ),
    DemoProduct(
        "singapore-basket-composition",
        "merlion-insights",
        "Singapore household basket composition (insight report)",
        "What Singapore households buy, by segment and channel: basket size, items and shares.",
        "retail-consumer",
        ["basket", "singapore", "fmcg"],
        "insight_report",
        "monthly",
        "Monthly **basket metrics** by shopper segment and channel from a receipt panel.",
        [
            _f("segment", "string", "Shopper segment"),
            _f("channel", "string", "Channel"),
            _f("month", "date", "Month"),
            _f("basket_sgd", "number", "Mean basket", unit="SGD"),
            _f("items", "number", "Mean items per basket"),
            _f("private_label_share", "number", "Private-label share"),
            _f("panel_households", "integer", "Panel households"),
        ],
        rows_basket,
        [
            {
                "name": "Annual",
                "price": "6500",
                "currency": "SGD",
                "term_months": 12,
                "territories": ["SG", "CN", "MY"],
                "purposes": ["market-research"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            }
        ],
    ),
    DemoProduct(
        "bahasa-malaysia-corpus-statistics",
        "merlion-insights",
        "Bahasa Malaysia corpus statistics for LLM tuning",
        "Word frequencies, part-of-speech tags and document counts across five Malay domains.",
        "language-culture",
        ["bahasa malaysia", "corpus", "llm", "nlp"],
        "aggregated_extract",
        "quarterly",
        "Token statistics from a **1.2-billion-token Malay corpus** (news, parliament, social "
        "media, e-commerce, literature). Frequencies only: no source text is included.",
        [
            _f("token", "string", "Token"),
            _f("pos", "string", "Part of speech"),
            _f("domain", "string", "Domain"),
            _f("year", "integer", "Year"),
            _f("frequency", "integer", "Occurrences"),
            _f("documents", "integer", "Documents"),
            _f("per_million", "number", "Occurrences per million tokens"),
        ],
        rows_corpus_ms,
        [
            {
                "name": "Model training",
                "price": "30000",
                "currency": "USD",
                "term_months": None,
                "territories": ["CN", "SG", "MY"],
                "purposes": ["ai-model-training"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            },
            {
                "name": "Academic",
                "price": "0",
                "currency": "USD",
                "term_months": 12,
                "territories": ["CN", "SG", "MY", "TH", "ID"],
                "purposes": ["academic-research"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
                "approval_mode": "automatic",
            },
        ],
    ),
    DemoProduct(
        "thai-corpus-ngrams",
        "merlion-insights",
        "Thai language n-gram statistics",
        "Unigram to trigram counts from Thai news, forums, e-commerce and government text.",
        "language-culture",
        ["thai", "corpus", "n-grams", "llm"],
        "query_api",
        "quarterly",
        "N-gram **frequency tables** for Thai, segmented with a dictionary tokenizer.",
        [
            _f("ngram", "string", "N-gram"),
            _f("n", "integer", "N"),
            _f("domain", "string", "Domain"),
            _f("frequency", "integer", "Occurrences"),
            _f("documents", "integer", "Documents"),
        ],
        rows_corpus_th,
        [
            {
                "name": "Standard",
                "price": "12000",
                "currency": "USD",
                "term_months": 12,
                "territories": ["CN", "SG", "TH"],
                "queries_per_month": 10000,
                "purposes": ["ai-model-training", "academic-research"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            }
        ],
    ),
    DemoProduct(
        "shenzhen-electronics-export-prices",
        "huadian-electronics",
        "Shenzhen electronics export price index",
        "Monthly FOB prices and indices for six electronics HS codes exported to ASEAN.",
        "finance-trade",
        ["export prices", "electronics", "shenzhen", "hs codes"],
        "query_api",
        "monthly",
        "**FOB export prices** from Shenzhen and Shanghai exporters to Singapore, Malaysia, "
        "Vietnam and Thailand, for smartphones, laptops, processors, adapters, monitors and "
        "lithium-ion cells. Trade data: no personal information.",
        [
            _f("hs_code", "string", "HS code"),
            _f("product_group", "string", "Product group"),
            _f("destination", "string", "Destination market"),
            _f("month", "date", "Month"),
            _f("fob_price_usd", "number", "Mean FOB unit price", unit="USD"),
            _f("price_index", "number", "Price index"),
            _f("units", "integer", "Units shipped"),
        ],
        rows_export_prices,
        [
            {
                "name": "Traders",
                "price": "36000",
                "currency": "CNY",
                "term_months": 12,
                "territories": ["SG", "MY", "VN", "TH", "CN"],
                "queries_per_month": 3000,
                "purposes": ["market-research", "risk-management"],
                "governing_law": "CN",
                "dispute_forum": "CIETAC",
            },
            {
                "name": "Singapore desk",
                "price": "5200",
                "currency": "SGD",
                "term_months": 12,
                "territories": ["SG"],
                "queries_per_month": 1000,
                "purposes": ["risk-management"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
                "approval_mode": "automatic",
            },
        ],
    ),
    DemoProduct(
        "shanghai-component-lead-times",
        "huadian-electronics",
        "Shanghai electronic component lead-time tracker",
        "Monthly supplier lead times and fill rates for seven component families.",
        "industry-manufacturing",
        ["lead time", "components", "supply chain"],
        "query_api",
        "monthly",
        "Quoted **lead times** and order fill rates from a panel of Shanghai distributors.",
        [
            _f("component", "string", "Component family"),
            _f("hub", "string", "Hub"),
            _f("month", "date", "Month"),
            _f("lead_time_weeks", "number", "Lead time", unit="weeks"),
            _f("fill_rate", "number", "Order fill rate"),
            _f("quotes", "integer", "Quotes"),
        ],
        rows_lead_times,
        [
            {
                "name": "Standard",
                "price": "22000",
                "currency": "CNY",
                "term_months": 12,
                "territories": ["CN", "MY", "SG", "VN"],
                "queries_per_month": 2000,
                "purposes": ["supply-chain-planning"],
                "governing_law": "CN",
                "dispute_forum": "CIETAC",
            }
        ],
    ),
    DemoProduct(
        "yangtze-pcb-capacity",
        "huadian-electronics",
        "Yangtze River Delta PCB capacity utilisation",
        "Monthly capacity utilisation of PCB makers in six Yangtze Delta cities, by board type.",
        "industry-manufacturing",
        ["pcb", "capacity", "manufacturing"],
        "aggregated_extract",
        "monthly",
        "Capacity **utilisation** and reporting-plant counts by city and board technology.",
        [
            _f("city", "string", "City"),
            _f("board_type", "string", "Board technology"),
            _f("month", "date", "Month"),
            _f("utilisation", "number", "Capacity utilisation"),
            _f("plants", "integer", "Plants reporting"),
            _f("mom_change_pct", "number", "Change on the month", unit="%"),
        ],
        rows_pcb_capacity,
        [
            {
                "name": "Annual extract",
                "price": "18000",
                "currency": "CNY",
                "term_months": 12,
                "territories": ["CN", "MY", "SG", "TH", "VN"],
                "purposes": ["supply-chain-planning", "market-research"],
                "governing_law": "CN",
                "dispute_forum": "CIETAC",
            }
        ],
    ),
    DemoProduct(
        "malaysia-ewallet-spending",
        "merlion-insights",
        "Malaysian e-wallet spending by state and age band",
        "Aggregated e-wallet spend by state, age band and category — from consenting users.",
        "finance-trade",
        ["e-wallet", "payments", "malaysia", "consumer spending"],
        "query_api",
        "monthly",
        "Monthly **e-wallet spending** aggregated by state, age band and merchant category. "
        "Derived from personal transaction data of users who consented to research use; "
        "groups under 25 users are never shown.",
        [
            _f("state", "string", "State"),
            _f("age_band", "string", "Age band"),
            _f("category", "string", "Merchant category"),
            _f("month", "date", "Month"),
            _f("active_users", "integer", "Active users", unit="people"),
            _f("spend_myr", "number", "Total spend", unit="MYR"),
            _f("mean_ticket_myr", "number", "Mean transaction", unit="MYR"),
        ],
        rows_ewallet,
        [
            {
                "name": "Research licence",
                "price": "45000",
                "currency": "MYR",
                "term_months": 12,
                "territories": ["MY", "SG"],
                "queries_per_month": 2000,
                "purposes": ["market-research", "risk-management"],
                "governing_law": "MY",
                "dispute_forum": "AIAC",
            }
        ],
        data_categories=["personal"],
        data_subject_count=150_000,
        anonymised=True,
        min_group_size=25,
        lawful_basis="Consent of e-wallet users to research use (PDPA 2010 s.6); data "
        "aggregated by the provider before listing.",
        consent_evidence="In-app consent screen v3 (2025-02), consent logs retained 7 years.",
        origin="MY",
        evidence=[
            {
                "kind": "my_transfer_impact_assessment",
                "title": "Transfer impact assessment: Malaysia → Singapore",
                "reference": "TIA-2026-014",
                "issued_on": date(2026, 3, 2),
                "body": "Transfer impact assessment under the PDPA cross-border guidelines of "
                "29 April 2025: Singapore's PDPA 2012 offers substantially similar protection.",
            }
        ],
    ),
    DemoProduct(
        "shenzhen-smart-home-usage",
        "huadian-electronics",
        "Shenzhen smart-home device usage panel",
        "How households use smart speakers, robot vacuums and air purifiers, by city tier.",
        "industry-manufacturing",
        ["smart home", "iot", "usage"],
        "query_api",
        "monthly",
        "Aggregated **device usage** from a consenting household panel in Guangdong, by device "
        "type and city tier. Personal information of 150,000 panel members, aggregated.",
        [
            _f("device_type", "string", "Device type"),
            _f("city_tier", "string", "City tier"),
            _f("month", "date", "Month"),
            _f("households", "integer", "Households reporting", unit="households"),
            _f("hours_per_day", "number", "Mean daily use", unit="h"),
        ],
        rows_smart_home,
        [
            {
                "name": "ASEAN product teams",
                "price": "48000",
                "currency": "CNY",
                "term_months": 12,
                "territories": ["SG", "MY"],
                "queries_per_month": 1500,
                "purposes": ["product-development"],
                "governing_law": "CN",
                "dispute_forum": "CIETAC",
            }
        ],
        data_categories=["personal"],
        data_subject_count=150_000,
        anonymised=True,
        min_group_size=50,
        lawful_basis="Separate consent of panel members (PIPL Art. 39) to research use.",
        consent_evidence="Panel consent form v2 with separate cross-border consent, 2025-11.",
    ),
    DemoProduct(
        "vietnam-shopper-panel",
        "merlion-insights",
        "Vietnam online shopper panel: basket and channel mix",
        "Monthly basket size and channel mix of a Ho Chi Minh City and Hanoi shopper panel.",
        "retail-consumer",
        ["vietnam", "e-commerce", "panel"],
        "query_api",
        "monthly",
        "Aggregates from a **consenting shopper panel** in Vietnam, by city and age band.",
        [
            _f("city", "string", "City"),
            _f("age_band", "string", "Age band"),
            _f("month", "date", "Month"),
            _f("shoppers", "integer", "Panel shoppers", unit="people"),
            _f("basket_vnd", "number", "Mean basket", unit="VND"),
        ],
        rows_vn_panel,
        [
            {
                "name": "Regional research",
                "price": "7500",
                "currency": "USD",
                "term_months": 12,
                "territories": ["SG", "CN"],
                "queries_per_month": 800,
                "purposes": ["market-research"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            }
        ],
        data_categories=["personal"],
        data_subject_count=8_000,
        anonymised=True,
        min_group_size=20,
        origin="VN",
        lawful_basis="Panel members' consent under Decree 13/2023; aggregated before export.",
        consent_evidence="Panel terms v4, consent logged per member.",
    ),
    DemoProduct(
        "klang-valley-ev-charging",
        "bukit-bintang-malls",
        "Klang Valley EV charging sessions by mall car park",
        "Charging sessions, energy delivered and occupancy of EV bays in five mall car parks.",
        "mobility-logistics",
        ["ev", "charging", "car parks"],
        "query_api",
        "weekly",
        "Weekly **EV charging** statistics per car park and charger type.",
        [
            _f("car_park", "string", "Car park"),
            _f("charger_type", "string", "Charger type"),
            _f("week", "string", "ISO week"),
            _f("sessions", "integer", "Sessions"),
            _f("energy_kwh", "number", "Energy delivered", unit="kWh"),
            _f("bay_occupancy", "number", "Share of time bays are occupied"),
        ],
        rows_ev_charging,
        [
            {
                "name": "Standard",
                "price": "6000",
                "currency": "MYR",
                "term_months": 12,
                "territories": ["MY", "CN", "SG"],
                "queries_per_month": 1000,
                "purposes": ["site-selection", "market-research"],
                "governing_law": "MY",
                "dispute_forum": "AIAC",
            }
        ],
        review="awaiting_legal",
    ),
    DemoProduct(
        "causeway-truck-crossings",
        "selat-melaka-logistics",
        "Johor–Singapore causeway truck crossings",
        "Hourly truck crossings and queue times at the Causeway and the Second Link.",
        "mobility-logistics",
        ["causeway", "trucks", "border"],
        "query_api",
        "daily",
        "Hourly **truck crossings** and mean queue time by checkpoint and direction.",
        [
            _f("checkpoint", "string", "Checkpoint"),
            _f("direction", "string", "Direction"),
            _f("hour", "integer", "Hour of day"),
            _f("weekday", "string", "Day of week"),
            _f("trucks", "integer", "Trucks crossing"),
            _f("queue_minutes", "number", "Mean queue time", unit="min"),
        ],
        rows_causeway,
        [
            {
                "name": "Standard",
                "price": "3000",
                "currency": "SGD",
                "term_months": 12,
                "territories": ["MY", "SG", "CN"],
                "queries_per_month": 2000,
                "purposes": ["supply-chain-planning"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            }
        ],
        review="awaiting_technical",
    ),
    DemoProduct(
        "guangdong-electronics-returns",
        "huadian-electronics",
        "Guangdong consumer-electronics return rates by channel",
        "Monthly return rates and reasons for phones, tablets and wearables sold into ASEAN.",
        "retail-consumer",
        ["returns", "electronics", "after-sales"],
        "insight_report",
        "monthly",
        "Monthly **return rates** and leading return reasons by product line and channel.",
        [
            _f("product_line", "string", "Product line"),
            _f("channel", "string", "Channel"),
            _f("month", "date", "Month"),
            _f("units_sold", "integer", "Units sold"),
            _f("return_rate", "number", "Return rate"),
            _f("top_reason", "string", "Top reason"),
        ],
        rows_returns,
        [
            {
                "name": "Annual report",
                "price": "28000",
                "currency": "CNY",
                "term_months": 12,
                "territories": ["SG", "MY", "TH"],
                "purposes": ["product-development"],
                "governing_law": "CN",
                "dispute_forum": "CIETAC",
            }
        ],
        review="awaiting_compliance",
    ),
    DemoProduct(
        "kl-mall-loyalty-visits",
        "bukit-bintang-malls",
        "KL mall loyalty-programme visit frequency",
        "How often loyalty members visit, by mall, zone and hour (declared non-personal).",
        "retail-consumer",
        ["loyalty", "visits", "malls"],
        "query_api",
        "weekly",
        "Visit frequency of loyalty-programme members, aggregated by zone and hour.",
        [
            _f("mall_code", "string", "Mall code", identifier=True),
            _f("district", "string", "District"),
            _f("zone", "string", "Zone type"),
            _f("weekday", "string", "Day of week"),
            _f("hour", "integer", "Hour of day"),
            _f("visitors", "integer", "Member visits", unit="people"),
            _f("dwell_minutes", "number", "Mean dwell time", unit="min"),
            _f("cleaning_events", "integer", "Cleaning calls logged"),
        ],
        rows_mall_traffic,
        [
            {
                "name": "Standard",
                "price": "7000",
                "currency": "MYR",
                "term_months": 12,
                "territories": ["MY", "CN"],
                "queries_per_month": 1000,
                "purposes": ["market-research"],
                "governing_law": "MY",
                "dispute_forum": "AIAC",
            }
        ],
        review="awaiting_technical",
        # A sloppy export: member contact details slipped into the sample.
        sample_extra_rows=[
            ["PAV", "aisyah.member@gmail.com", "atrium", "Sat", 14, 310, 22.5, 1],
            ["SUR", "+60 12-345 6789", "food_court", "Sun", 13, 280, 30.1, 2],
        ],
    ),
    DemoProduct(
        "penang-port-berth-occupancy",
        "selat-melaka-logistics",
        "Penang Port berth occupancy and vessel waiting time",
        "Weekly berth occupancy, vessel waiting time and container moves at Penang Port.",
        "mobility-logistics",
        ["penang", "berths", "ports"],
        "query_api",
        "weekly",
        "Weekly **berth occupancy** at North Butterworth Container Terminal.",
        [
            _f("terminal", "string", "Terminal"),
            _f("vessel_class", "string", "Vessel class"),
            _f("iso_week", "string", "ISO week"),
            _f("mean_dwell_hours", "number", "Mean waiting time", unit="h"),
            _f("containers", "integer", "Container moves", unit="TEU"),
            _f("congestion_score", "number", "Congestion score (0–10)"),
        ],
        rows_port_dwell,
        [
            {
                "name": "Standard",
                "price": "2600",
                "currency": "USD",
                "term_months": 12,
                "territories": ["MY", "SG", "CN"],
                "queries_per_month": 1000,
                "purposes": ["supply-chain-planning"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            }
        ],
        review="overdue_legal",
    ),
    DemoProduct(
        "singapore-office-occupancy",
        "merlion-insights",
        "Singapore CBD office occupancy",
        "Monthly occupancy and density by building grade and floor band in the CBD.",
        "built-environment-robotics",
        ["offices", "occupancy", "singapore"],
        "aggregated_extract",
        "monthly",
        "Office **occupancy ratios** from badge and sensor data, by building grade.",
        [
            _f("mall_code", "string", "Building code", identifier=True),
            _f("floor", "string", "Floor band"),
            _f("wing", "string", "Grade"),
            _f("month", "date", "Month"),
            _f("occupancy_ratio", "number", "Share of capacity in use"),
            _f("density_per_100m2", "number", "People per 100 m²"),
            _f("sensor_count", "integer", "Sensors reporting"),
        ],
        rows_occupancy,
        [
            {
                "name": "Annual extract",
                "price": "9000",
                "currency": "SGD",
                "term_months": 12,
                "territories": ["SG", "CN"],
                "purposes": ["site-selection"],
                "governing_law": "SG",
                "dispute_forum": "SIAC",
            }
        ],
        review="changes_requested",
    ),
]


def _csv_bytes(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def seed_products() -> list[tuple[DemoProduct, DataProduct]]:
    """Creates the demo products that do not exist yet, each with a complete draft version,
    its files, evidence and offers; the review workflow takes them further."""
    created = []
    for spec in DEMO_PRODUCTS:
        if DataProduct.objects.filter(slug=spec.slug).exists():
            continue
        with transaction.atomic():
            created.append((spec, _seed_one(spec)))
    return created


def _seed_one(spec: DemoProduct) -> DataProduct:
    provider = Organization.objects.get(slug=spec.provider)
    actor = provider.memberships.filter(role="admin").order_by("created_at").first().user
    rng = random.Random(spec.slug)  # noqa: S311 - reproducible demo figures, not secrets
    header = [f["name"] for f in spec.schema_fields]
    all_rows = list(spec.rows(rng))
    product = services.product_create(
        provider=provider,
        actor=actor,
        title=spec.title,
        summary=spec.summary,
        category=Category.objects.get(slug=spec.category),
        origin_jurisdiction=spec.origin or provider.jurisdiction,
        tags=spec.tags,
        slug=spec.slug,
    )
    version = product.versions.get()
    services.version_update(
        version=version,
        actor=actor,
        description=spec.description,
        data_categories=spec.data_categories,
        data_subject_count=spec.data_subject_count,
        anonymised=spec.anonymised,
        min_group_size=spec.min_group_size,
        update_frequency=spec.update_frequency,
        delivery_mode=spec.delivery_mode,
        schema={"fields": spec.schema_fields},
        lawful_basis=spec.lawful_basis,
        rights_confirmed=True,
        consent_evidence=spec.consent_evidence,
        important_data=spec.important_data,
        change_note="First release.",
    )
    services.version_upload_sample(
        version=version,
        actor=actor,
        upload=SimpleUploadedFile(
            "sample.csv", _csv_bytes(header, all_rows[:25] + spec.sample_extra_rows)
        ),
    )
    services.version_upload_dataset(
        version=version,
        actor=actor,
        upload=SimpleUploadedFile("dataset.csv", _csv_bytes(header, all_rows)),
    )
    for evidence in spec.evidence:
        evidence = dict(evidence)
        body = evidence.pop("body").encode()
        services.version_add_attachment(
            version=version,
            actor=actor,
            upload=SimpleUploadedFile("evidence.txt", body),
            **evidence,
        )
    for offer in spec.offers:
        offer = dict(offer)
        purposes = list(Purpose.objects.filter(code__in=offer.pop("purposes")))
        services.offer_create(
            product=product, actor=actor, purposes=purposes, **{**STANDARD_TERMS, **offer}
        )
    return product
