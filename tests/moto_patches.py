"""Test-only patches that make moto 5.2.5 behave like real ECR where ecrcost depends on it
(MOTO.md §1.6). Product code never works around moto; tests apply these with `monkeypatch`.

- `imageSizeInBytes`: moto reports the config blob's size; real ECR reports the compressed size of
  the image's layers (an index: the largest child). Patched with the demo's own
  `ecrcost.demo.real_image_size` (the layer sum / max over children).
- pagination: moto ignores `maxResults` / `nextToken` for DescribeImages and DescribeRepositories;
  patched to page like ECR (default page 100, `maxResults` up to 1000, opaque `nextToken`).
"""

from __future__ import annotations

import copy

from moto.core.responses import ActionResult
from moto.ecr import models as ecr_models
from moto.ecr.responses import ECRResponse

from ecrcost.demo import real_image_size


def _page(self, items, key):
    n = self._get_param("maxResults") or 100
    start = int(self._get_param("nextToken") or 0)
    out = {key: items[start : start + n]}
    if start + n < len(items):
        out["nextToken"] = str(start + n)
    return out


def _describe_images(self):
    imgs = list(
        self.ecr_backend.describe_images(
            self._get_param("repositoryName"),
            self._get_param("registryId"),
            self._get_param("imageIds"),
        )
    )
    dtos = []
    for i in imgs:
        d = copy.copy(i)
        if not d.image_tags:
            del d.image_tags  # real ECR omits imageTags when untagged
        dtos.append(d)
    return ActionResult(_page(self, dtos, "imageDetails"))


def _describe_repositories(self):
    repos = list(
        self.ecr_backend.describe_repositories(
            registry_id=self._get_param("registryId"),
            repository_names=self._get_param("repositoryNames"),
        )
    )
    return ActionResult(_page(self, repos, "repositories"))


def apply(monkeypatch) -> None:
    """Patch moto for the duration of a test (undone by `monkeypatch`)."""
    monkeypatch.setattr(ecr_models.Image, "get_image_size_in_bytes", real_image_size)
    monkeypatch.setattr(ECRResponse, "describe_images", _describe_images)
    monkeypatch.setattr(ECRResponse, "describe_repositories", _describe_repositories)
