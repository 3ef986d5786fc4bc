"""The import graph of ecrcost/ follows the stages of docs/architecture.md: every module belongs
to a stage, imports only point down the stage order (or stay in their stage), and no import circle
exists, counting every import a module makes (function-level and TYPE_CHECKING ones included)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

import ecrcost

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ecrcost"

#: The stage order, lowest first: a module may import modules of its own stage and of stages
#: before it, never one after it. Each entry names modules (dotted, relative to `ecrcost`); a
#: package name covers its submodules, and the longest matching name decides (so
#: "reporting.sections" sits above "reporting"). A new module: add it where it belongs.
STAGES: list[tuple[str, list[str]]] = [
    ("foundation", ["__init__", "errors", "flags", "files", "process", "text", "units"]),
    ("snapshot", ["validation", "schema", "snapshot_files", "snapshot"]),
    ("aws", ["aws"]),
    ("targets", ["targets"]),
    ("collection", ["collectors", "merge"]),
    ("storage model", ["storage"]),
    ("traffic", ["traffic"]),
    ("bill", ["billing"]),
    ("usage", ["usage"]),
    ("chargeback grouping", ["chargeback"]),
    ("pricing", ["pricing"]),
    ("reconcile", ["reconcile", "billing.reconcile"]),
    ("lifecycle", ["lifecycle"]),
    ("comparison", ["registries"]),
    ("history", ["history", "diff", "snapshot_diff"]),
    ("sql", ["sql", "query"]),
    (
        "report: formatting and document model",
        ["reporting.tables", "reporting.document", "reporting.labels", "reporting.terminal"],
    ),
    (
        "report: layout and charts",
        [
            "reporting.layout",
            "reporting.notes",
            "reporting.charts",
            "reporting.bill_charts",
            "reporting.trend_charts",
        ],
    ),
    ("report: renderers", ["reporting.html", "reporting.markdown", "reporting.diff_text"]),
    ("report: output", ["reporting.output", "reporting.pdf", "reporting.style"]),
    (
        "report: analysis",
        ["reporting.savings", "reporting.growth", "reporting.sweep", "reporting.overview"],
    ),
    ("report: comparison charts", ["reporting.compare_charts"]),
    ("report: sections", ["reporting.sections"]),
    ("report: assembly", ["reporting", "reporting.monthly"]),
    ("synthetic data", ["synthetic"]),
    ("demo", ["demo"]),
    ("commands: shared options", ["commands", "commands.options"]),
    ("commands", ["commands.*"]),
    ("cli", ["cli", "__main__"]),
    ("developer tools", ["dev"]),
]


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name relative to `ecrcost` ("pricing.model")."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = modules()


def stage_of(module: str) -> int | None:
    """The index in STAGES of `module`'s stage (longest matching name wins), or None."""
    best: tuple[int, int] | None = None  # (length of the matched name, stage index)
    for index, (_, names) in enumerate(STAGES):
        for name in names:
            if name.endswith(".*"):
                parent = name[:-2]
                hit = module.startswith(parent + ".")
                length = len(parent) + 1
            else:
                hit = module == name or module.startswith(name + ".")
                length = len(name)
            if hit and (best is None or length > best[0]):
                best = (length, index)
    return None if best is None else best[1]


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> list[str]:
    """The ecrcost modules an ImportFrom names (a name that is a submodule counts as one)."""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        if module == "__init__":
            package = []
        base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        target = ".".join(base + ([node.module] if node.module else []))
    elif node.module and (node.module == "ecrcost" or node.module.startswith("ecrcost.")):
        target = node.module.removeprefix("ecrcost").removeprefix(".")
    else:
        return []
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}" if target else alias.name
        out.append(sub if sub in MODULES else (target or "__init__"))
    return out


def imports(module: str, path: Path) -> set[str]:
    """The ecrcost modules `module` imports anywhere in its source."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.update(_resolve(module, path, node))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ecrcost."):
                    found.add(alias.name.removeprefix("ecrcost."))
                elif alias.name == "ecrcost":
                    found.add("__init__")
    found = {m if m in MODULES else m.rsplit(".", 1)[0] for m in found}
    found.discard(module)
    return found


GRAPH = {m: imports(m, p) for m, p in MODULES.items()}


def test_every_module_has_a_stage():
    missing = [m for m in MODULES if stage_of(m) is None]
    where = ", ".join(f"ecrcost.{m}" for m in missing)
    assert not missing, (
        f"{where}: in no stage. Add each "
        "to STAGES in tests/test_architecture.py (the stage whose modules it uses and that "
        "use it) and to docs/architecture.md."
    )


def test_imports_point_down_the_stages():
    upward = []
    for module, targets in sorted(GRAPH.items()):
        mine = stage_of(module)
        for target in sorted(targets):
            theirs = stage_of(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(
                    f"{module} ({STAGES[mine][0]}) imports {target} ({STAGES[theirs][0]})"
                )
    assert not upward, "imports that point up the stage order:\n  " + "\n  ".join(upward)


def test_no_import_circle():
    circles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for t in sorted(GRAPH.get(m, ())):
            if state.get(t) == 1:
                circles.append(" -> ".join([*path[path.index(t) :], t]))
            elif t not in state:
                visit(t)
        path.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)
    assert not circles, "import circles:\n  " + "\n  ".join(circles)


def test_the_architecture_doc_names_every_stage():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [name for name, _ in STAGES if name not in doc]
    assert not missing, f"docs/architecture.md does not name the stages {missing}"


@pytest.mark.parametrize(
    ("module", "stage"),
    [
        ("usage", "usage"),
        ("pricing.model", "pricing"),
        ("reporting.sections.summary", "report: sections"),
        ("reporting.html", "report: renderers"),
        ("commands.costs", "commands"),
        ("billing.reconcile", "reconcile"),
        ("billing.cur", "bill"),
    ],
)
def test_stage_lookup(module, stage):
    index = stage_of(module)
    assert index is not None and STAGES[index][0] == stage


def test_the_graph_sees_relative_and_function_level_imports():
    # the report assembly imports its sections; a renderer imports the document model
    assert "reporting.sections" in GRAPH["reporting.monthly"]
    assert "reporting.document" in GRAPH["reporting.html"]
    assert "collectors.manifests" in GRAPH["synthetic.organization"]
    assert "aws" in GRAPH["targets"]


def test_the_public_api_modules_are_strict_in_mypy():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    strict = {
        m
        for o in config["overrides"]
        if o.get("disallow_untyped_defs")
        for m in ([o["module"]] if isinstance(o["module"], str) else o["module"])
    }
    public = {"ecrcost"} | {f"ecrcost.{m}" for m in ecrcost._EXPORTS.values()}
    missing = sorted(public - strict)
    assert not missing, (
        f"{missing}: export public names (ecrcost/__init__.py) but are not in pyproject.toml's "
        "strict [[tool.mypy.overrides]] list; add them there"
    )
