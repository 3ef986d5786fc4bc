"""Click commands of ecrcost, one module per feature; cli.py registers them."""
