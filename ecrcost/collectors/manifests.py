"""Pure manifest parsing: a manifest document -> snapshot rows (no AWS, no I/O).

Understood media types (what BatchGetImage is asked to accept):

- image manifests: Docker v2 schema 2, OCI image manifest -> one blob row for the config and one
  per layer (digest, compressed size, media type). Foreign / non-distributable layers (Windows
  base layers, which carry `urls` and are not stored in the registry) are left out.
- indexes: Docker manifest list, OCI image index -> one child row per entry (child digest,
  platform "os/architecture[/variant]", media type, size of the child manifest document).

Anything else, or a document that is not valid JSON or lacks digests/sizes, gives a manifest row of
kind "unparsed" with the reason in `error` (never an exception).
"""

from __future__ import annotations

import json
from typing import Any

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"

IMAGE_TYPES = frozenset({DOCKER_MANIFEST, OCI_MANIFEST})
INDEX_TYPES = frozenset({DOCKER_LIST, OCI_INDEX})
#: what BatchGetImage is asked to accept (acceptedMediaTypes)
ACCEPTED_MEDIA_TYPES = [DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX]

Rows = list[dict[str, Any]]


class _Malformed(ValueError):
    pass


def parse_manifest(
    digest: str, media_type: str | None, text: str | bytes
) -> tuple[dict[str, Any], Rows, Rows]:
    """Parse one manifest document.

    `digest`: the manifest's digest ("sha256:..."); `media_type`: the type ECR reported (else the
    document's own `mediaType` is used); `text`: the document exactly as returned.

    Returns `(manifest, blobs, children)`: a row of the snapshot's `manifests` table (digest,
    media_type, kind "image" | "index" | "unparsed", error) and lists of rows of the `blobs` table
    (manifest_digest, blob_digest, size_bytes, kind "config" | "layer", media_type) and the
    `children` table (index_digest, child_digest, platform, media_type, size_bytes).
    """
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict):
            raise _Malformed("not a JSON object")
    except (ValueError, TypeError) as e:
        return _unparsed(digest, media_type, f"not valid JSON: {e}"), [], []
    mt = media_type or doc.get("mediaType")
    if mt is None:  # an OCI document may omit mediaType; tell by its shape
        mt = OCI_INDEX if "manifests" in doc else OCI_MANIFEST if "layers" in doc else None
    try:
        if mt in IMAGE_TYPES:
            return _row(digest, mt, "image"), _blobs(digest, doc), []
        if mt in INDEX_TYPES:
            return _row(digest, mt, "index"), [], _children(digest, doc)
    except _Malformed as e:
        return _unparsed(digest, mt, str(e)), [], []
    return _unparsed(digest, mt, f"unsupported manifest media type {mt!r}"), [], []


def _row(
    digest: str, media_type: str | None, kind: str, error: str | None = None
) -> dict[str, Any]:
    return {"digest": digest, "media_type": media_type, "kind": kind, "error": error}


def _unparsed(digest: str, media_type: str | None, error: str) -> dict[str, Any]:
    return _row(digest, media_type, "unparsed", error)


def _descriptor(d: Any, where: str) -> tuple[str, int, str | None]:
    """(digest, size, mediaType) of an OCI descriptor, or _Malformed naming `where`."""
    if not isinstance(d, dict):
        raise _Malformed(f"{where}: not an object")
    digest, size = d.get("digest"), d.get("size")
    if not isinstance(digest, str) or ":" not in digest:
        raise _Malformed(f"{where}: missing or invalid digest")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise _Malformed(f"{where}: missing or invalid size")
    mt = d.get("mediaType")
    return digest, size, mt if isinstance(mt, str) else None


def _foreign(layer: dict[str, Any]) -> bool:
    mt = layer.get("mediaType") or ""
    return bool(layer.get("urls")) or "foreign" in mt or "nondistributable" in mt


def _blobs(digest: str, doc: dict[str, Any]) -> Rows:
    if "config" not in doc:
        raise _Malformed("image manifest without config")
    layers = doc.get("layers")
    if not isinstance(layers, list):
        raise _Malformed("image manifest without a layers list")
    rows = []
    d, size, mt = _descriptor(doc["config"], "config")
    rows.append(
        {
            "manifest_digest": digest,
            "blob_digest": d,
            "size_bytes": size,
            "kind": "config",
            "media_type": mt,
        }
    )
    for i, layer in enumerate(layers):
        d, size, mt = _descriptor(layer, f"layers[{i}]")
        if not _foreign(layer):
            rows.append(
                {
                    "manifest_digest": digest,
                    "blob_digest": d,
                    "size_bytes": size,
                    "kind": "layer",
                    "media_type": mt,
                }
            )
    return rows


def _children(digest: str, doc: dict[str, Any]) -> Rows:
    entries = doc.get("manifests")
    if not isinstance(entries, list):
        raise _Malformed("index without a manifests list")
    rows = []
    for i, entry in enumerate(entries):
        d, size, mt = _descriptor(entry, f"manifests[{i}]")
        rows.append(
            {
                "index_digest": digest,
                "child_digest": d,
                "platform": _platform(entry.get("platform")),
                "media_type": mt,
                "size_bytes": size,
            }
        )
    return rows


def _platform(p: Any) -> str | None:
    if not isinstance(p, dict) or not p.get("os") or not p.get("architecture"):
        return None
    return "/".join(str(x) for x in (p["os"], p["architecture"], p.get("variant")) if x)
