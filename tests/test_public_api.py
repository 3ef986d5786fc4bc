"""The curated public API: every advertised name resolves, and importing ecrcost stays light."""

import subprocess
import sys

import ecrcost


def test_every_public_name_resolves():
    for name in ecrcost.__all__:
        assert getattr(ecrcost, name) is not None, name
    assert callable(ecrcost.collect) and callable(ecrcost.report)  # not shadowed by the packages


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        ecrcost.no_such_thing  # noqa: B018


def test_import_does_not_load_boto3_or_matplotlib():
    code = "import sys, ecrcost; print('boto3' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
