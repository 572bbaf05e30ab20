"""The demo's data files (``data/``): TOML for what the demo is, CSV for the datasets.

``data/products.toml``, ``accounts.toml``, ``reviews.toml`` and ``licensing.toml`` describe
the demo; ``data/datasets/<slug>.csv`` and ``data/samples/<slug>.csv`` are each product's
processed dataset and sample, uploaded byte for byte. The loaders beside this module read
them and call the same services a person would.
"""

import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
TOML_FILES = ("accounts", "products", "reviews", "licensing")


def read_toml(name: str) -> dict[str, Any]:
    """A fresh copy of ``data/<name>.toml``."""
    with (DATA_DIR / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


def dataset_path(slug: str) -> Path:
    return DATA_DIR / "datasets" / f"{slug}.csv"


def sample_path(slug: str) -> Path:
    return DATA_DIR / "samples" / f"{slug}.csv"
