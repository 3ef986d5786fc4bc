"""The shared CLI options (ecrcost/commands/options.py) and the check command (ecrcost/dev.py)."""

import pytest
from click.testing import CliRunner

from ecrcost import dev
from ecrcost.cli import cli


@pytest.mark.parametrize("command", ["compare", "report"])
@pytest.mark.parametrize("users", ["0", "-3", "1.5", "many"])
def test_users_is_validated_the_same_way_everywhere(command, users, tmp_path):
    result = CliRunner().invoke(cli, [command, str(tmp_path / "snap"), "--users", users])
    assert result.exit_code == 2, result.output  # a usage error, before any work
    assert "Invalid value for '--users'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["costs", "report"])
def test_scope_is_one_option(command, tmp_path):
    result = CliRunner().invoke(cli, [command, str(tmp_path / "snap"), "--scope", "galaxy"])
    assert result.exit_code == 2 and "'repository', 'registry'" in result.output


def test_the_check_command_runs_every_tool():
    names = [name for name, _ in dev.steps()]
    assert names == ["ruff check", "ruff format", "mypy", "pytest"]
    commands = dict(dev.steps(["-x", "tests/test_tiers.py"]))
    assert commands["ruff format"][-4:] == ["--check", "ecrcost", "tests", "bench"]
    assert commands["pytest"][-2:] == ["-x", "tests/test_tiers.py"]
    assert [name for name, _ in dev.steps(tests=False)] == ["ruff check", "ruff format", "mypy"]
