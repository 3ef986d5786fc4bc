"""Usage types on an ECR bill -> region, category; resource IDs -> repository names.

Rules (`../shared/facts/BILLING.md` §1; the prefix map is data: `data/usage_type_regions.csv`,
with its source and date):

- A usage type is ``[<PFX>-[<PFX2>-]]<kind>``: ``TimedStorage-ByteHrs`` (no prefix: us-east-1),
  ``EUW1-TimedStorage-ByteHrs``, ``USE1-EUW1-AWS-Out-Bytes`` (inter-region: the first prefix is
  the source region, which pays). A prefix is 2-4 capital letters and an optional digit.
- An unknown prefix is never dropped: `region_of` returns ``None`` with the prefix, and the bill
  row keeps its usage type, its money and ``region_prefix`` so the output can name it.
- Categories (the suffix decides; order matters): ``*-TimedStorage-Archive-ByteHrs`` ->
  ``archive_storage``; ``*TimedStorage-ByteHrs`` -> ``storage``; ``*-Retrieval-Archive`` ->
  ``archive_restore``; ``*DataTransfer-Out-Bytes`` -> ``egress_internet``; ``*-AWS-Out-Bytes`` ->
  ``transfer_inter_region``; anything else (``DataTransfer-In-Bytes``, tax lines without a
  usage type, ...) -> ``other``.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

CATEGORIES = (
    "storage",
    "archive_storage",
    "archive_restore",
    "egress_internet",
    "transfer_inter_region",
    "other",
)
#: the unit AWS reports for each category's usage quantity
UNITS = {
    "storage": "GB-Mo",
    "archive_storage": "GB-Mo",
    "archive_restore": "GB",
    "egress_internet": "GB",
    "transfer_inter_region": "GB",
    "other": "",
}
_RULES = (
    ("TimedStorage-Archive-ByteHrs", "archive_storage"),
    ("TimedStorage-ByteHrs", "storage"),
    ("Retrieval-Archive", "archive_restore"),
    ("DataTransfer-Out-Bytes", "egress_internet"),
    ("AWS-Out-Bytes", "transfer_inter_region"),
)
_PREFIX = re.compile(r"^[A-Z]{2,4}[0-9]?$")
#: ECR repository names (the registry's own rule): lowercase components separated by / . _ -
_REPO_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_REPO_ARN = re.compile(r"^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository/(.+)$")
DEFAULT_REGION = "us-east-1"
PREFIX_FILE = Path(__file__).with_name("data") / "usage_type_regions.csv"


@cache
def prefix_map() -> dict[str, str]:
    """The bundled prefix -> region code map (``data/usage_type_regions.csv``)."""
    lines = [ln for ln in PREFIX_FILE.read_text().splitlines() if not ln.startswith("#")]
    return {r["prefix"]: r["region"] for r in csv.DictReader(lines)}


def split_prefix(usage_type: str) -> tuple[str | None, str]:
    """("EUW1", "TimedStorage-ByteHrs") for "EUW1-TimedStorage-ByteHrs"; (None, ut) unprefixed."""
    head, sep, rest = usage_type.partition("-")
    if sep and rest and _PREFIX.match(head) and head not in ("AWS",):
        return head, rest
    return None, usage_type


def region_of(usage_type: str) -> tuple[str | None, str | None]:
    """(region code or None when the prefix is unknown, the prefix or None when there is none).

    An empty usage type (a tax line) has no region: (None, None).
    """
    if not usage_type:
        return None, None
    prefix, _ = split_prefix(usage_type)
    if prefix is None:
        return DEFAULT_REGION, None
    return prefix_map().get(prefix), prefix


def category_of(usage_type: str) -> str:
    """The bill category of a usage type (module docstring), "other" when none matches."""
    for suffix, category in _RULES:
        if usage_type.endswith(suffix):
            return category
    return "other"


def repository_of(resource_id: str | None) -> str | None:
    """The repository a CUR resource ID names: the full ECR repository ARN or a bare name."""
    if not resource_id:
        return None
    m = _REPO_ARN.match(resource_id)
    if m:
        return m.group(3)
    return resource_id if _REPO_NAME.match(resource_id) else None
