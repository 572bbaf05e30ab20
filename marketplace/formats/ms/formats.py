"""Bahasa Melayu: "2 Dis 2026", "2 Dis 2026, 14:30" (month names from Django's catalogue);
1,234.5 as written in Malaysia: the same formats as English, read with Malay month names."""

from marketplace.formats.en.formats import *  # noqa: F403
