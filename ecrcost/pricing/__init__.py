"""Pricing: the dated price catalog (catalog.py), tier maths (tiers.py), the ECR cost model
(model.py) and the AWS Price List refresh (refresh.py)."""

from .catalog import Catalog, Price, load_catalog
from .model import costs, egress_usage, line_items
from .tiers import TierSplit, split_tiers

__all__ = [
    "Catalog",
    "Price",
    "TierSplit",
    "costs",
    "egress_usage",
    "line_items",
    "load_catalog",
    "split_tiers",
]
