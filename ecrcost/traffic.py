"""The traffic profile: where pulled bytes go, per repository (a small TOML file).

::

    [default]              # shares of pulled bytes by destination; each table's shares sum to 1
    same_region = 0.8
    cross_region = 0.15
    internet = 0.05
    layer_cache_hit = 0.0  # fraction of a pull's bytes already on the client (0 <= x < 1)

    [[rule]]               # first matching rule wins; glob on the repository name
    repositories = "public/*"        # a glob, or a list of globs
    same_region = 0.0
    cross_region = 0.0
    internet = 1.0
    # layer_cache_hit: optional in a rule, the default table's value otherwise

Validation (`TrafficProfileError`, naming the file and the line or table): not TOML (or nested
too deeply to parse), no
``[default]`` table, unknown keys, a share outside [0, 1] or missing, shares that do not sum to 1
(within 1e-6), a cache hit outside [0, 1), a bad glob (empty, unbalanced brackets, or characters an
ECR repository name cannot contain).
"""

from __future__ import annotations

import fnmatch
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import TrafficProfileError

SHARES = ("same_region", "cross_region", "internet")
TOLERANCE = 1e-6
_TOP_KEYS = {"default", "rule"}
_DEFAULT_KEYS = {*SHARES, "layer_cache_hit"}
_RULE_KEYS = {"repositories", *SHARES, "layer_cache_hit"}
# ECR repository names: lowercase letters, digits, . _ - and /; a glob adds * ? [ ] !
_GLOB_CHARS = re.compile(r"^[a-z0-9._/\-*?\[\]!]+$")


@dataclass(frozen=True)
class Shares:
    """Where one repository's pulled bytes go (fractions summing to 1) and the layer cache hit."""

    same_region: float
    cross_region: float
    internet: float
    layer_cache_hit: float = 0.0


@dataclass(frozen=True)
class Rule:
    """A ``[[rule]]``: globs on the repository name, its shares, and where it was written."""

    patterns: tuple[str, ...]
    shares: Shares
    where: str  # "[[rule]] #2 (line 9)"


@dataclass(frozen=True)
class TrafficProfile:
    """A validated traffic profile. `shares_for(name)` applies the first matching rule."""

    default: Shares
    rules: tuple[Rule, ...] = ()
    source: str = "<dict>"

    def shares_for(self, repository: str) -> tuple[Shares, str]:
        """The shares for `repository` and which table gave them ("[default]" or the rule)."""
        for rule in self.rules:
            if any(fnmatch.fnmatchcase(repository, p) for p in rule.patterns):
                return rule.shares, rule.where
        return self.default, "[default]"

    def assign(self, repositories: pd.Series) -> pd.DataFrame:
        """Per repository name: same_region, cross_region, internet, layer_cache_hit, traffic_rule."""
        names = pd.unique(repositories.astype(str))
        table = {}
        for n in names:
            s, where = self.shares_for(n)
            table[n] = (s.same_region, s.cross_region, s.internet, s.layer_cache_hit, where)
        cols = [*SHARES, "layer_cache_hit", "traffic_rule"]
        lookup = pd.DataFrame.from_dict(table, orient="index", columns=cols)
        return lookup.reindex(repositories.astype(str).to_numpy()).reset_index(drop=True)

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], source: str = "<dict>", text: str | None = None
    ) -> TrafficProfile:
        """Validate a parsed profile (`text`, the TOML source, only locates tables by line)."""
        lines = _table_lines(text or "")
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise TrafficProfileError(
                f"{source}: unknown top-level key(s) {', '.join(sorted(unknown))} "
                f"(expected [default] and [[rule]] tables)"
            )
        if not isinstance(data.get("default"), dict):
            raise TrafficProfileError(f"{source}: missing [default] table")
        default_where = _where("[default]", lines.get("default", []), 0)
        default = _shares(source, default_where, data["default"], _DEFAULT_KEYS, cache_default=None)
        raw_rules = data.get("rule", [])
        if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
            raise TrafficProfileError(f"{source}: 'rule' must be [[rule]] tables")
        rules = []
        for i, r in enumerate(raw_rules):
            where = _where(f"[[rule]] #{i + 1}", lines.get("rule", []), i)
            shares = _shares(source, where, r, _RULE_KEYS, cache_default=default.layer_cache_hit)
            rules.append(Rule(_patterns(source, where, r.get("repositories")), shares, where))
        return cls(default=default, rules=tuple(rules), source=source)


def load_traffic(path: str | Path) -> TrafficProfile:
    """Read and validate the traffic profile TOML at `path` (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise TrafficProfileError(f"{p}: no such traffic profile file")
    try:
        text = p.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as e:
        raise TrafficProfileError(f"{p}: not a UTF-8 text file ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise TrafficProfileError(f"{p}: not valid TOML: {e}") from None
    except RecursionError:  # tomllib recurses once per nesting level: a hostile file is refused
        raise TrafficProfileError(f"{p}: not a traffic profile (nested too deeply)") from None
    return TrafficProfile.from_dict(data, source=str(p), text=text)


def as_traffic(
    traffic: TrafficProfile | str | Path | dict[str, Any] | None,
) -> TrafficProfile | None:
    """A TrafficProfile from a loaded profile, a path, a parsed dict, or None (no profile)."""
    if traffic is None or isinstance(traffic, TrafficProfile):
        return traffic
    if isinstance(traffic, dict):
        return TrafficProfile.from_dict(traffic)
    return load_traffic(traffic)


# ---- validation helpers ---------------------------------------------------------------------------
def _table_lines(text: str) -> dict[str, list[int]]:
    """Line numbers of each ``[default]`` / ``[[rule]]`` header in the TOML text."""
    out: dict[str, list[int]] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"^\s*\[\[?\s*([A-Za-z0-9_\-]+)\s*\]\]?", line)
        if m:
            out.setdefault(m.group(1), []).append(n)
    return out


def _where(name: str, lines: list[int], i: int) -> str:
    return f"{name} (line {lines[i]})" if i < len(lines) else name


def _number(source: str, where: str, key: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(float(v)):
        raise TrafficProfileError(f"{source}: {where}: {key} must be a number, not {v!r}")
    return float(v)


def _shares(
    source: str, where: str, table: dict[str, Any], allowed: set[str], cache_default: float | None
) -> Shares:
    unknown = set(table) - allowed
    if unknown:
        raise TrafficProfileError(
            f"{source}: {where}: unknown key(s) {', '.join(sorted(unknown))} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )
    missing = [k for k in SHARES if k not in table]
    if missing:
        raise TrafficProfileError(f"{source}: {where}: missing {', '.join(missing)}")
    values = {k: _number(source, where, k, table[k]) for k in SHARES}
    for k, v in values.items():
        if not 0 <= v <= 1:
            raise TrafficProfileError(f"{source}: {where}: {k} = {v:g} is outside [0, 1]")
    total = math.fsum(values.values())
    if abs(total - 1) > TOLERANCE:
        raise TrafficProfileError(
            f"{source}: {where}: same_region + cross_region + internet = {total:g}, not 1"
        )
    if "layer_cache_hit" in table:
        hit = _number(source, where, "layer_cache_hit", table["layer_cache_hit"])
    else:
        hit = cache_default if cache_default is not None else 0.0
    if not 0 <= hit < 1:
        raise TrafficProfileError(f"{source}: {where}: layer_cache_hit = {hit:g} must be in [0, 1)")
    return Shares(layer_cache_hit=hit, **values)


def _patterns(source: str, where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        raise TrafficProfileError(
            f"{source}: {where}: missing repositories (a glob or a list of globs)"
        )
    globs = [value] if isinstance(value, str) else value
    if not isinstance(globs, list) or not globs:
        raise TrafficProfileError(
            f"{source}: {where}: repositories must be a glob or a non-empty list of globs"
        )
    for g in globs:
        if not isinstance(g, str) or not g:
            raise TrafficProfileError(f"{source}: {where}: bad glob {g!r} (empty or not a string)")
        if not _GLOB_CHARS.match(g):
            raise TrafficProfileError(
                f"{source}: {where}: bad glob {g!r}: repository names are lowercase "
                f"letters, digits, '.', '_', '-', '/' (plus * ? [ ] ! in a glob)"
            )
        if not _brackets_balanced(g):
            raise TrafficProfileError(f"{source}: {where}: bad glob {g!r}: unbalanced [ ]")
    return tuple(globs)


def _brackets_balanced(glob: str) -> bool:
    depth = 0
    for ch in glob:
        if ch == "[":
            if depth:
                return False
            depth = 1
        elif ch == "]":
            if not depth:
                return False
            depth = 0
    return depth == 0
