"""ECR lifecycle policy documents: parse, validate (as ECR does) and match tags.

The policy grammar is the one of the Amazon ECR User Guide ("Lifecycle policy properties",
lifecycle_policy_parameters.html, November 2025 on, with ``tagPatternList``, ``storageClass``
and the ``transition`` action)::

    {"rules": [{"rulePriority": int, "description": str,
                "selection": {"tagStatus": "tagged" | "untagged" | "any",
                              "tagPatternList": [str] | "tagPrefixList": [str],
                              "storageClass": "standard" | "archive",
                              "countType": "imageCountMoreThan" | "sinceImagePushed"
                                           | "sinceImagePulled" | "sinceImageTransitioned",
                              "countUnit": "days", "countNumber": int},
                "action": {"type": "expire" | "transition", "targetStorageClass": "archive"}}]}

`parse_policy` rejects, with `LifecyclePolicyError` naming the rule and the reason, every policy
ECR's own validation rejects for these reasons: `countNumber` not a positive integer,
`countUnit` with `imageCountMoreThan` (or missing with the ``since*`` types), both tag lists in one
rule, `untagged` with a tag list, `tagged` without one, more than 4 ``*`` in a pattern,
`sinceImagePulled` with `expire`, `sinceImageTransitioned` without `storageClass: archive` or with
`transition`, `storageClass: archive` with another count type, `transition` without
`targetStorageClass` (whose only value is `archive`), duplicate `rulePriority`, a rule with
`tagStatus: any` that is not the last of its storage class, two rules of one storage class
selecting untagged images or the same set of tag patterns, unknown keys.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..errors import LifecyclePolicyError

TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = (
    "imageCountMoreThan",
    "sinceImagePushed",
    "sinceImagePulled",
    "sinceImageTransitioned",
)
STORAGE_CLASSES = ("standard", "archive")
ACTIONS = ("expire", "transition")
MAX_WILDCARDS = 4
#: ECR keeps archived images at least this long (billed for the rest if deleted earlier)
ARCHIVE_MINIMUM_DAYS = 90

_RULE_KEYS = {"rulePriority", "description", "selection", "action"}
_SELECTION_KEYS = {
    "tagStatus",
    "tagPatternList",
    "tagPrefixList",
    "storageClass",
    "countType",
    "countUnit",
    "countNumber",
}
_ACTION_KEYS = {"type", "targetStorageClass"}


@dataclass(frozen=True)
class Rule:
    """One validated rule. `patterns` holds the tag patterns (``tagPatternList``) or prefixes
    (``tagPrefixList``, then `prefix` is true); empty for untagged / any."""

    priority: int
    description: str
    tag_status: str
    patterns: tuple[str, ...]
    prefix: bool
    storage_class: str
    count_type: str
    count_number: int
    action: str

    @cached_property
    def label(self) -> str:
        """A short text for reasons: "rule 2 (expire, tagged prod*, imageCountMoreThan 5)"."""
        if self.tag_status == "tagged":
            sel = "tagged " + ",".join(p + ("*" if self.prefix else "") for p in self.patterns)
        else:
            sel = self.tag_status
        unit = "" if self.count_type == "imageCountMoreThan" else " days"
        cls = ", archive" if self.storage_class == "archive" else ""
        return (
            f"rule {self.priority} ({self.action}, {sel}{cls}, "
            f"{self.count_type} {self.count_number}{unit})"
        )

    @cached_property
    def regexes(self) -> tuple[re.Pattern[str], ...]:
        """One compiled full-match regex per pattern (``*`` = any run of characters)."""
        return tuple(pattern_regex(p, self.prefix) for p in self.patterns)

    def matches_tags(self, tags: list[str]) -> bool:
        """Does an image with `tags` meet this rule's tagging requirement (storage class aside)?"""
        if self.tag_status == "any":
            return True
        if self.tag_status == "untagged":
            return not tags
        return bool(tags) and all(any(r.fullmatch(t) for t in tags) for r in self.regexes)

    def to_json(self) -> dict[str, Any]:
        """The rule as ECR policy JSON (what `put-lifecycle-policy` takes)."""
        sel: dict[str, Any] = {"tagStatus": self.tag_status}
        if self.patterns:
            sel["tagPrefixList" if self.prefix else "tagPatternList"] = list(self.patterns)
        if self.storage_class != "standard":
            sel["storageClass"] = self.storage_class
        sel["countType"] = self.count_type
        if self.count_type != "imageCountMoreThan":
            sel["countUnit"] = "days"
        sel["countNumber"] = self.count_number
        action: dict[str, Any] = {"type": self.action}
        if self.action == "transition":
            action["targetStorageClass"] = "archive"
        out: dict[str, Any] = {"rulePriority": self.priority}
        if self.description:
            out["description"] = self.description
        out.update(selection=sel, action=action)
        return out


@dataclass(frozen=True)
class Policy:
    """A validated lifecycle policy: its rules in priority order (lowest number first)."""

    rules: tuple[Rule, ...]

    def to_json(self) -> dict[str, Any]:
        """The policy document."""
        return {"rules": [r.to_json() for r in self.rules]}

    def text(self) -> str:
        """The policy as indented JSON text (for `aws ecr put-lifecycle-policy`)."""
        return json.dumps(self.to_json(), indent=2) + "\n"


def pattern_regex(pattern: str, prefix: bool = False) -> re.Pattern[str]:
    """The full-match regex of a tag pattern (``*`` matches any characters, including none) or,
    with `prefix`, of a tag prefix."""
    body = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.compile(body + (".*" if prefix else ""), re.DOTALL)


def parse_policy(policy: str | bytes | dict[str, Any] | Policy, source: str = "policy") -> Policy:
    """Parse and validate a lifecycle policy (JSON text or the decoded dict).

    Raises `LifecyclePolicyError` "<source>: rule <priority>: <reason>" for the first problem found
    (see the module docstring for the checks).
    """
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, str | bytes):
        try:
            doc = json.loads(policy)
        except (ValueError, UnicodeDecodeError) as e:
            raise LifecyclePolicyError(f"{source}: not valid JSON ({e})") from None
    else:
        doc = policy

    def fail(msg: str) -> LifecyclePolicyError:
        return LifecyclePolicyError(f"{source}: {msg}")

    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise fail('a lifecycle policy is a JSON object with a "rules" list')
    if set(doc) - {"rules"}:
        raise fail(f"unknown key(s) {sorted(set(doc) - {'rules'})}")
    rules = [_parse_rule(i, r, fail) for i, r in enumerate(doc["rules"], 1)]
    _check_together(rules, fail)
    return Policy(tuple(sorted(rules, key=lambda r: r.priority)))


def _parse_rule(index: int, raw: Any, fail: Any) -> Rule:
    if not isinstance(raw, dict):
        raise fail(f"rule #{index} is not a JSON object")
    prio = raw.get("rulePriority")
    where = f"rule {prio}" if _is_int(prio) else f"rule #{index}"

    def bad(msg: str) -> LifecyclePolicyError:
        return fail(f"{where}: {msg}")

    if not isinstance(prio, int) or isinstance(prio, bool) or prio < 1:
        raise bad("rulePriority must be a positive integer")
    _no_unknown(raw, _RULE_KEYS, "rule", bad)
    desc = raw.get("description", "")
    if not isinstance(desc, str):
        raise bad("description must be a string")
    sel, act = raw.get("selection"), raw.get("action")
    if not isinstance(sel, dict):
        raise bad("selection is required (a JSON object)")
    if not isinstance(act, dict):
        raise bad("action is required (a JSON object)")
    _no_unknown(sel, _SELECTION_KEYS, "selection", bad)
    _no_unknown(act, _ACTION_KEYS, "action", bad)

    status = sel.get("tagStatus")
    if status not in TAG_STATUSES:
        raise bad(f"tagStatus must be one of {', '.join(TAG_STATUSES)}, not {status!r}")
    has_patterns, has_prefixes = "tagPatternList" in sel, "tagPrefixList" in sel
    if has_patterns and has_prefixes:
        raise bad("tagPatternList and tagPrefixList cannot both be specified in one rule")
    key = "tagPatternList" if has_patterns else "tagPrefixList"
    patterns = sel.get(key)
    if status == "untagged" and (has_patterns or has_prefixes):
        raise bad(f"tagStatus untagged takes no {key}")
    if status == "any" and (has_patterns or has_prefixes):
        raise bad(f"tagStatus any takes no {key}")
    if status == "tagged":
        if not (has_patterns or has_prefixes) or not patterns:
            raise bad("tagStatus tagged requires a non-empty tagPatternList or tagPrefixList")
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
            raise bad(f"{key} must be a list of non-empty strings")
        for p in patterns:
            if has_patterns and p.count("*") > MAX_WILDCARDS:
                raise bad(
                    f"tag pattern {p!r} has {p.count('*')} wildcards; "
                    f"at most {MAX_WILDCARDS} '*' per pattern"
                )
        if len(set(patterns)) != len(patterns):
            raise bad(f"{key} lists a pattern twice")

    storage = sel.get("storageClass", "standard")
    if storage not in STORAGE_CLASSES:
        raise bad(f"storageClass must be standard or archive, not {storage!r}")
    count_type = sel.get("countType")
    if count_type not in COUNT_TYPES:
        raise bad(f"countType must be one of {', '.join(COUNT_TYPES)}, not {count_type!r}")
    number = sel.get("countNumber")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise bad(f"countNumber must be a positive integer, not {number!r}")
    if count_type == "imageCountMoreThan":
        if "countUnit" in sel:
            raise bad("countUnit is not allowed with countType imageCountMoreThan")
    elif sel.get("countUnit") != "days":
        raise bad(f'countType {count_type} requires countUnit "days"')

    action = act.get("type")
    if action not in ACTIONS:
        raise bad(f"action type must be expire or transition, not {action!r}")
    if action == "transition":
        if "targetStorageClass" not in act:
            raise bad("a transition action requires targetStorageClass")
        if act["targetStorageClass"] != "archive":
            raise bad(
                f"targetStorageClass must be archive (its only value), not {act['targetStorageClass']!r}"
            )
    elif "targetStorageClass" in act:
        raise bad("targetStorageClass is only allowed with a transition action")
    if count_type == "sinceImagePulled" and action == "expire":
        raise bad("countType sinceImagePulled can only transition images, not expire them")
    if count_type == "sinceImageTransitioned":
        if storage != "archive":
            raise bad('countType sinceImageTransitioned requires storageClass "archive"')
        if action == "transition":
            raise bad(
                "countType sinceImageTransitioned can only expire images, not transition them"
            )
    elif storage == "archive":
        raise bad('storageClass "archive" is only allowed with countType sinceImageTransitioned')
    return Rule(
        priority=prio,
        description=desc,
        tag_status=status,
        patterns=tuple(patterns or ()),
        prefix=has_prefixes,
        storage_class=storage,
        count_type=count_type,
        count_number=number,
        action=action,
    )


def _check_together(rules: list[Rule], fail: Any) -> None:
    seen: dict[int, Rule] = {}
    for r in rules:
        if r.priority in seen:
            raise fail(
                f"rule {r.priority}: rulePriority {r.priority} is used by more than one rule"
            )
        seen[r.priority] = r
    for storage in STORAGE_CLASSES:
        same = sorted((r for r in rules if r.storage_class == storage), key=lambda r: r.priority)
        if not same:
            continue
        for r in same[:-1]:
            if r.tag_status == "any":
                raise fail(
                    f"rule {r.priority}: a rule with tagStatus any must have the highest "
                    f"rulePriority of the {storage} storage class (rule {same[-1].priority} comes after it)"
                )
        untagged = [r for r in same if r.tag_status == "untagged"]
        if len(untagged) > 1:
            raise fail(
                f"rule {untagged[1].priority}: only one rule of the {storage} storage class may "
                f"select untagged images (rule {untagged[0].priority} already does)"
            )
        sets: dict[tuple[bool, frozenset[str]], int] = {}
        for r in same:
            if r.tag_status != "tagged":
                continue
            k = (r.prefix, frozenset(r.patterns))
            if k in sets:
                raise fail(
                    f"rule {r.priority}: rules of the {storage} storage class must use unique "
                    f"tag patterns (rule {sets[k]} has the same)"
                )
            sets[k] = r.priority


def _no_unknown(obj: dict[str, Any], allowed: set[str], what: str, bad: Any) -> None:
    extra = set(obj) - allowed
    if extra:
        raise bad(f"unknown {what} key(s) {sorted(extra)}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
