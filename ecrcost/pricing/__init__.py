"""Pricing: the dated price catalog (catalog.py), tier maths (tiers.py), usage x prices -> line
items (model.py), the sums and method text (summary.py) and the AWS Price List refresh
(refresh.py). The quantities themselves are `ecrcost.usage`."""

from .catalog import Catalog, Price, load_catalog
from .model import line_items
from .summary import costs
from .tiers import TierSplit, split_tiers

__all__ = [
    "Catalog",
    "Price",
    "TierSplit",
    "costs",
    "line_items",
    "load_catalog",
    "split_tiers",
]
