"""Builders for collection tests: manifests with known blobs, pushed into moto with real digests.

Every image is pushed with `imageDigest = sha256(manifest bytes)` (MOTO.md §1.3), so digests are
unique and an index's `manifests[].digest` resolves to its child images.
"""

from __future__ import annotations

import hashlib
import json

DOCKER = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def blob(name: str) -> str:
    """A stable fake blob digest for a readable name."""
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def image_manifest(
    config: tuple[str, int], layers: list[tuple[str, int]], media_type: str = DOCKER
) -> str:
    """A manifest whose config and layers are (name, size) pairs."""
    layer_mt = (
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
        if media_type == DOCKER
        else "application/vnd.oci.image.layer.v1.tar+gzip"
    )
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": config[1],
                "digest": blob(config[0]),
            },
            "layers": [{"mediaType": layer_mt, "size": s, "digest": blob(n)} for n, s in layers],
        }
    )


def index_manifest(children: list[tuple[str, str]], media_type: str = OCI_INDEX) -> str:
    """An index over (child manifest text, "os/arch") pairs."""
    entries = []
    for text, platform in children:
        os_, arch = platform.split("/")[:2]
        child_mt = json.loads(text)["mediaType"]
        entries.append(
            {
                "mediaType": child_mt,
                "size": len(text.encode()),
                "digest": digest_of(text),
                "platform": {"os": os_, "architecture": arch},
            }
        )
    return json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": entries})


def push(ecr, repository: str, manifest: str, tag: str | None = None) -> str:
    """put_image with the real digest; returns the digest."""
    d = digest_of(manifest)
    kw = {"imageTag": tag} if tag else {}
    ecr.put_image(
        repositoryName=repository,
        imageManifest=manifest,
        imageDigest=d,
        imageManifestMediaType=json.loads(manifest)["mediaType"],
        **kw,
    )
    return d


def seed_images(
    account: str, region: str, repository: str, manifests: list[tuple[str, str | None]]
) -> list[str]:
    """Append Image objects straight into moto's backend (fast for thousands; MOTO.md §1.6).
    `manifests`: (text, tag or None). The repository must exist. Returns the digests."""
    from moto.ecr.models import Image, ecr_backends

    repo = ecr_backends[account][region].repositories[repository]
    out = []
    for text, tag in manifests:
        d = digest_of(text)
        repo.images.append(Image(account, tag, text, repository, json.loads(text)["mediaType"], d))
        out.append(d)
    return out
