"""The docs cannot drift: README examples for every command, help texts, the Quickstart and CI."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import ecrcost
from ecrcost.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
COMMANDS = [
    "collect",
    "costs",
    "compare",
    "report",
    "prices show",
    "prices refresh",
    "demo",
    "bill fetch",
    "bill import",
    "reconcile",
    "lifecycle",
    "sql",
    "merge",
    "diff",
]


def code_lines(markdown: str) -> list[str]:
    """The lines inside fenced code blocks, stripped."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines()]


def leaf_commands(
    group: click.Group = cli, prefix: tuple[str, ...] = ()
) -> dict[str, click.Command]:
    out = {}
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out.update(leaf_commands(cmd, (*prefix, name)))
        else:
            out[" ".join((*prefix, name))] = cmd
    return out


def test_the_cli_has_exactly_the_documented_commands():
    assert sorted(leaf_commands()) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_readme_example(command):
    examples = [
        line for line in code_lines(README) if re.match(rf"^(\$ )?ecrcost {command}(\s|$)", line)
    ]
    assert examples, f"README has no example of `ecrcost {command}` in a code block"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_ends_with_an_example(command):
    result = CliRunner().invoke(cli, [*command.split(), "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    help_text = result.output  # examples in the text (before Options:) or in click's epilog (after)
    lines = [line.strip() for line in help_text.splitlines()]
    assert "Examples:" in lines, help_text
    examples = []
    for line in lines[lines.index("Examples:") + 1 :]:
        if not line or line == "Options:":
            break
        examples.append(line)
    assert examples and all(e.startswith("ecrcost ") for e in examples), help_text
    assert any(e.startswith(f"ecrcost {command}") for e in examples), help_text  # of this command


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert (
        result.exit_code == 0 and result.output.strip() == f"ecrcost, version {ecrcost.__version__}"
    )


def test_python_dash_m_ecrcost(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ecrcost", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: ecrcost" in result.stdout or "Usage: python -m ecrcost" in result.stdout
    for command in ("collect", "costs", "compare", "report", "prices", "demo"):
        assert re.search(rf"^\s+{command}\s", result.stdout, flags=re.M), command
    version = subprocess.run(
        [sys.executable, "-m", "ecrcost", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert version.stdout.strip() == f"ecrcost, version {ecrcost.__version__}"


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0].split("<!--", 1)[0]
    return [line for line in code_lines(section) if line and not line.startswith("#")]


def test_quickstart_is_two_commands_that_exist():
    first, second = quickstart_commands()  # exactly two
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    install, run = (part.strip() for part in first.split("&&"))
    assert install == "pip install -e '.[demo]'" and "demo" in project["optional-dependencies"]
    assert run == "ecrcost demo" and "demo" in leaf_commands()
    assert project["scripts"]["ecrcost"] == "ecrcost.cli:main"
    install, run = (part.strip() for part in second.split("&&"))
    assert install == "pip install -e '.[test]'" and "test" in project["optional-dependencies"]
    assert run == "python -m pytest"
    # everything the demo and the suite import at run time is declared
    demo = " ".join(project["optional-dependencies"]["demo"])
    assert "moto" in demo and "flask" in demo
    test = " ".join(project["optional-dependencies"]["test"])
    for package in ("ecrcost[demo]", "pytest", "nbclient", "ipykernel", "nbformat"):
        assert package in test


def test_ci_runs_the_quickstart_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [
        line.strip()
        for line in ci.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands[-1] == quickstart_commands()[1]


def test_readme_documents_the_demo_output_and_the_notebook():
    assert "reports/demo/" in README and "notebooks/explore.ipynb" in README
    assert (ROOT / "notebooks" / "explore.ipynb").is_file()
    assert "127.0.0.1" in README and "0.0.0.0" in README
