"""The production settings, served with the bench's URLs (the ceiling view lives only here)."""

from marketplace.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
