"""What changed between two versions, for the reviewer's case page."""

import difflib
import json
from typing import Any

from catalogue.services import VERSION_FIELDS

# The reviewable fields of a version (its change note excepted) and its files.
DIFF_FIELDS = [
    *sorted(VERSION_FIELDS - {"change_note"}),
    "sample",
    "dataset",
    "sample_rows",
    "dataset_rows",
]


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def version_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per changed field: name, old, new and unified diff lines for long text."""
    out = []
    for name in DIFF_FIELDS:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        ta, tb = _text(a), _text(b)
        lines = []
        if "\n" in ta or "\n" in tb or len(ta) > 80 or len(tb) > 80:
            lines = list(
                difflib.unified_diff(
                    ta.splitlines(), tb.splitlines(), "before", "after", lineterm="", n=2
                )
            )[2:]
        out.append({"field": name, "old": ta, "new": tb, "lines": lines})
    return out


def version_fields(version) -> dict[str, Any]:
    files = ("sample", "dataset")
    data = {name: getattr(version, name) for name in DIFF_FIELDS if name not in files}
    data["sample"] = version.sample.name
    data["dataset"] = version.dataset.name
    return data
