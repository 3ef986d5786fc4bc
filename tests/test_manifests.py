"""parse_manifest on the four manifest types, and everything it must refuse without raising."""

import json

import pytest
from collect_fixtures import (
    DOCKER,
    DOCKER_LIST,
    OCI,
    OCI_INDEX,
    blob,
    digest_of,
    image_manifest,
    index_manifest,
)

from ecrcost.collectors.manifests import parse_manifest


@pytest.mark.parametrize("media_type", [DOCKER, OCI])
def test_image_manifest_gives_config_and_layer_blobs(media_type):
    text = image_manifest(("cfg", 1470), [("base", 1000), ("app", 2000)], media_type)
    m, blobs, children = parse_manifest("sha256:m", media_type, text)
    assert m == {"digest": "sha256:m", "media_type": media_type, "kind": "image", "error": None}
    assert [(b["blob_digest"], b["size_bytes"], b["kind"]) for b in blobs] == [
        (blob("cfg"), 1470, "config"),
        (blob("base"), 1000, "layer"),
        (blob("app"), 2000, "layer"),
    ]
    assert all(b["manifest_digest"] == "sha256:m" for b in blobs)
    assert children == []


@pytest.mark.parametrize("media_type", [OCI_INDEX, DOCKER_LIST])
def test_index_gives_children_with_platform(media_type):
    a = image_manifest(("c1", 1), [("l1", 10)])
    b = image_manifest(("c2", 1), [("l2", 20)])
    text = index_manifest([(a, "linux/amd64"), (b, "linux/arm64")], media_type)
    m, blobs, children = parse_manifest("sha256:ix", media_type, text)
    assert m["kind"] == "index" and blobs == []
    assert [(c["child_digest"], c["platform"], c["size_bytes"]) for c in children] == [
        (digest_of(a), "linux/amd64", len(a)),
        (digest_of(b), "linux/arm64", len(b)),
    ]
    assert all(c["index_digest"] == "sha256:ix" and c["media_type"] == DOCKER for c in children)


def test_platform_variant_and_missing_platform():
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": OCI,
                "digest": "sha256:a",
                "size": 5,
                "platform": {"os": "linux", "architecture": "arm", "variant": "v7"},
            },
            {"mediaType": OCI, "digest": "sha256:b", "size": 6},
        ],
    }
    _, _, children = parse_manifest("sha256:ix", None, json.dumps(doc))
    assert [c["platform"] for c in children] == ["linux/arm/v7", None]


def test_media_type_from_the_document_or_its_shape():
    text = image_manifest(("cfg", 1), [("l", 2)], OCI)
    assert parse_manifest("d", None, text)[0]["kind"] == "image"
    doc = json.loads(text)
    del doc["mediaType"]  # OCI allows omitting it
    assert parse_manifest("d", None, json.dumps(doc))[0] == {
        "digest": "d",
        "media_type": OCI,
        "kind": "image",
        "error": None,
    }


def test_foreign_layers_are_not_registry_storage():
    doc = json.loads(image_manifest(("cfg", 1), [("l", 2)]))
    doc["layers"].append(
        {
            "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
            "size": 999,
            "digest": blob("windows"),
            "urls": ["https://example/x"],
        }
    )
    _, blobs, _ = parse_manifest("d", DOCKER, json.dumps(doc))
    assert sum(b["size_bytes"] for b in blobs) == 3


@pytest.mark.parametrize(
    ("media_type", "text", "error"),
    [
        (DOCKER, "{not json", "not valid JSON"),
        (DOCKER, "[1, 2]", "not valid JSON: not a JSON object"),
        (DOCKER, json.dumps({"mediaType": DOCKER, "layers": []}), "without config"),
        (
            DOCKER,
            json.dumps({"mediaType": DOCKER, "config": {"digest": "sha256:c", "size": 1}}),
            "layers list",
        ),
        (
            DOCKER,
            json.dumps({"config": {"digest": "sha256:c", "size": "12"}, "layers": []}),
            "config: missing or invalid size",
        ),
        (
            DOCKER,
            json.dumps({"config": {"digest": "sha256:c", "size": True}, "layers": []}),
            "invalid size",
        ),
        (
            OCI,
            json.dumps({"config": {"digest": "sha256:c", "size": 1}, "layers": [{"size": 3}]}),
            "layers[0]: missing or invalid digest",
        ),
        (OCI_INDEX, json.dumps({"manifests": {"a": 1}}), "manifests list"),
        (
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
            json.dumps({"fsLayers": []}),
            "unsupported manifest media type",
        ),
        (None, json.dumps({"foo": 1}), "unsupported manifest media type"),
    ],
)
def test_malformed_or_unknown_is_unparsed_not_an_exception(media_type, text, error):
    m, blobs, children = parse_manifest("sha256:x", media_type, text)
    assert m["kind"] == "unparsed" and error in m["error"]
    assert blobs == [] and children == []
