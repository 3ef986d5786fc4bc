"""Collection: one module per source (ecr.py: repositories, images; manifests.py: manifest
parsing; metrics.py: CloudWatch pull counts; registry.py: registry settings; cache.py: the
manifest cache) and the engine that fans out over them (engine.py: `collect`)."""

from .engine import collect

__all__ = ["collect"]
