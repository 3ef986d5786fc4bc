"""Collection: one module per source (ecr.py: repositories, images; manifests.py: manifest
parsing; metrics.py: CloudWatch pull counts; registry.py: registry settings; cache.py: the
manifest cache; spool.py: parsed manifests spilled to Parquet; inuse.py: what runs) and the engine
that fans out over them (engine.py: `collect`, on schedule.py's thread pool, with early.py's reads
of the first region while STS answers)."""

from .engine import collect

__all__ = ["collect"]
