"""Developer checks in one command: ``python -m ecrcost.dev check``.

Runs, from the repository root, each with the interpreter running this module:

1. ``ruff check ecrcost tests bench``          lint
2. ``ruff format --check ecrcost tests bench`` formatting (``ruff format`` fixes it)
3. ``mypy``                                    types (configured in pyproject.toml)
4. ``python -m pytest``                        the suite (extra arguments go to pytest)

Every step runs even when an earlier one fails; the exit code is 0 only when all passed, and a
one-line summary per step is printed at the end. ``--no-tests`` skips pytest (CI runs it on its
own, as the README's test command). Needs the test extras: ``pip install -e '.[test]'``.

    python -m ecrcost.dev check                    # everything
    python -m ecrcost.dev check -- -x -q tests/test_storage.py
    python -m ecrcost.dev check --no-tests         # lint, format and types only
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["ecrcost", "tests", "bench"]


def steps(pytest_args: Sequence[str] = (), tests: bool = True) -> list[tuple[str, list[str]]]:
    """The checks as (name, command) pairs, in the order they run."""
    py = sys.executable
    paths = [p for p in PATHS if (ROOT / p).exists()]
    out = [
        ("ruff check", [py, "-m", "ruff", "check", *paths]),
        ("ruff format", [py, "-m", "ruff", "format", "--check", *paths]),
        ("mypy", [py, "-m", "mypy"]),
    ]
    if tests:
        out.append(("pytest", [py, "-m", "pytest", *pytest_args]))
    return out


def check(pytest_args: Sequence[str] = (), tests: bool = True) -> int:
    """Run every step; 0 when all passed, else 1."""
    results = []
    for name, command in steps(pytest_args, tests):
        print(f"==> {name}: {' '.join(command[1:])}", flush=True)
        results.append((name, subprocess.run(command, cwd=ROOT).returncode))
    print("==> summary")
    for name, code in results:
        print(f"    {name:<12} {'ok' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for _, code in results) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecrcost.dev", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="ruff check, ruff format --check, mypy and pytest")
    p.add_argument("--no-tests", action="store_true", help="skip pytest")
    p.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    args = parser.parse_args(argv)
    return check(args.pytest_args, tests=not args.no_tests)


if __name__ == "__main__":
    sys.exit(main())
