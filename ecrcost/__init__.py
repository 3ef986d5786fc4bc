"""ecrcost: what an Amazon ECR registry really costs, where the money goes, and what it would cost
elsewhere.

The public API (each stage of the data flow is one function; see ARCHITECTURE in the README)::

    snap = ecrcost.collect(region=["us-east-1"])          # boto3, read-only  -> Snapshot
    snap.write("snap")                                     # atomic Parquet + meta.json
    snap = ecrcost.load_snapshot("snap")                   # validated
    ecrcost.repository_storage(snap, scope="repository")   # bytes per repository (DataFrame)
    ecrcost.costs(snap, by="repository", traffic=None)     # monthly cost (DataFrame)
    ecrcost.compare(snap)                                  # the workload on other registries
    ecrcost.report(snap).save("reports/2026-11")           # the monthly report
    ecrcost.evaluate_policy(snap, policy, at=None)         # a lifecycle policy, per image
    ecrcost.plan_cleanup(snap)                             # bytes and $ a cleanup saves
    ecrcost.costs(snap, by="tag:team")                     # chargeback ("untagged" included)
    ecrcost.diff("snap-2026-10", "snap-2026-11")           # added / removed / grown / shrunk
    ecrcost.style(df)                                      # a frame shown as the report shows it

Names are imported lazily so `import ecrcost` stays fast and does not pull in boto3 or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "EcrcostError": "errors",
    "InputError": "errors",
    "SnapshotError": "errors",
    "PriceCatalogError": "errors",
    "TrafficProfileError": "errors",
    "PlanCatalogError": "errors",
    "TargetError": "errors",
    "AwsError": "errors",
    "ReadOnlyViolation": "errors",
    "OutputExistsError": "errors",
    "EcrcostWarning": "errors",
    # snapshot
    "Snapshot": "snapshot",
    "load_snapshot": "snapshot",
    "SCHEMA": "snapshot",
    "SCHEMA_VERSION": "snapshot",
    # collection
    "collect": "collectors.engine",
    "resolve_targets": "targets",
    # storage model
    "image_storage": "storage",
    "repository_storage": "storage",
    "sql": "query",
    "merge_snapshots": "merge",
    "QueryError": "errors",
    "MergeError": "errors",
    # pricing
    "load_catalog": "pricing.catalog",
    "load_traffic": "traffic",
    "costs": "pricing.summary",
    "line_items": "pricing.model",
    # usage (quantities)
    "egress_usage": "usage",
    # comparison
    "compare": "registries",
    "load_plans": "registries",
    "dimensions": "registries",
    "workload": "registries",
    # report
    "report": "reporting.monthly",
    "Report": "reporting.output",
    "render": "reporting.tables",
    # the bill and estimate vs bill
    "BillError": "errors",
    "fetch_bill": "billing",
    "import_bill": "billing",
    "load_bill": "billing",
    "write_bill": "billing",
    "reconcile": "reconcile",
    # lifecycle planning
    "evaluate_policy": "lifecycle",
    "plan_cleanup": "lifecycle",
    "archive_economics": "lifecycle",
    "parse_policy": "lifecycle",
    "LifecyclePolicyError": "errors",
    "style": "reporting.style",
    # history, chargeback and diff
    "find_snapshots": "history",
    "monthly_snapshots": "history",
    "monthly_usage": "history",
    "monthly_totals": "history",
    "forecast": "history",
    "report_month": "history",
    "diff": "snapshot_diff",
    # synthetic data and the demo
    "synthetic_snapshot": "synthetic",
    "synthetic_organization": "synthetic",
    "run_demo": "demo",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ecrcost' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
