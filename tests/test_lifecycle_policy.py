"""Policy validation: every rejection ECR makes (lifecycle_policy_parameters.html) with its reason,
and the policies ECR accepts."""

from __future__ import annotations

import copy
import json

import pytest

from ecrcost.errors import InputError, LifecyclePolicyError
from ecrcost.lifecycle import parse_policy
from ecrcost.lifecycle.policy import pattern_regex

BASE = {
    "rulePriority": 1,
    "description": "d",
    "selection": {
        "tagStatus": "tagged",
        "tagPatternList": ["prod*"],
        "countType": "imageCountMoreThan",
        "countNumber": 5,
    },
    "action": {"type": "expire"},
}


def rule(**changes):
    r = copy.deepcopy(BASE)
    for path, value in changes.items():
        where, key = path.split("__") if "__" in path else (None, path)
        target = r[where] if where else r
        if value is DROP:
            target.pop(key, None)
        else:
            target[key] = value
    return r


DROP = object()
TRANSITION = {"type": "transition", "targetStorageClass": "archive"}

REJECTED = [
    ("countNumber 0", [rule(selection__countNumber=0)], "countNumber must be a positive integer"),
    ("countNumber negative", [rule(selection__countNumber=-3)], "positive integer"),
    ("countNumber not an integer", [rule(selection__countNumber=1.5)], "positive integer"),
    ("countNumber a boolean", [rule(selection__countNumber=True)], "positive integer"),
    (
        "countUnit with imageCountMoreThan",
        [rule(selection__countUnit="days")],
        "countUnit is not allowed with countType imageCountMoreThan",
    ),
    (
        "sinceImagePushed without countUnit",
        [rule(selection__countType="sinceImagePushed")],
        'requires countUnit "days"',
    ),
    (
        "both tag lists",
        [rule(selection__tagPrefixList=["prod"])],
        "tagPatternList and tagPrefixList cannot both be specified",
    ),
    (
        "untagged with a tag list",
        [rule(selection__tagStatus="untagged")],
        "tagStatus untagged takes no tagPatternList",
    ),
    (
        "untagged with a prefix list",
        [
            rule(
                selection__tagStatus="untagged",
                selection__tagPatternList=DROP,
                selection__tagPrefixList=["a"],
            )
        ],
        "tagStatus untagged takes no tagPrefixList",
    ),
    (
        "tagged without a list",
        [rule(selection__tagPatternList=DROP)],
        "tagStatus tagged requires a non-empty tagPatternList or tagPrefixList",
    ),
    ("tagged with an empty list", [rule(selection__tagPatternList=[])], "requires a non-empty"),
    (
        "five wildcards",
        [rule(selection__tagPatternList=["test*1*2*3*4*5"])],
        "at most 4 '*' per pattern",
    ),
    (
        "sinceImagePulled with expire",
        [rule(selection__countType="sinceImagePulled", selection__countUnit="days")],
        "sinceImagePulled can only transition images, not expire them",
    ),
    (
        "sinceImageTransitioned without storageClass archive",
        [rule(selection__countType="sinceImageTransitioned", selection__countUnit="days")],
        'sinceImageTransitioned requires storageClass "archive"',
    ),
    (
        "sinceImageTransitioned with transition",
        [
            rule(
                selection__countType="sinceImageTransitioned",
                selection__countUnit="days",
                selection__storageClass="archive",
                action=TRANSITION,
            )
        ],
        "sinceImageTransitioned can only expire images, not transition them",
    ),
    (
        "storageClass archive with another count type",
        [rule(selection__storageClass="archive")],
        'storageClass "archive" is only allowed with countType sinceImageTransitioned',
    ),
    (
        "transition without targetStorageClass",
        [rule(action={"type": "transition"})],
        "a transition action requires targetStorageClass",
    ),
    (
        "transition to standard",
        [rule(action={"type": "transition", "targetStorageClass": "standard"})],
        "targetStorageClass must be archive",
    ),
    (
        "targetStorageClass on expire",
        [rule(action={"type": "expire", "targetStorageClass": "archive"})],
        "targetStorageClass is only allowed with a transition action",
    ),
    (
        "duplicate rulePriority",
        [rule(), rule(selection__tagPatternList=["beta*"])],
        "rulePriority 1 is used by more than one rule",
    ),
    (
        "any not last",
        [
            rule(selection__tagStatus="any", selection__tagPatternList=DROP),
            rule(rulePriority=2),
        ],
        "tagStatus any must have the highest rulePriority of the standard storage class",
    ),
    (
        "two untagged rules in one storage class",
        [
            rule(selection__tagStatus="untagged", selection__tagPatternList=DROP),
            rule(rulePriority=2, selection__tagStatus="untagged", selection__tagPatternList=DROP),
        ],
        "only one rule of the standard storage class may select untagged images",
    ),
    (
        "same patterns twice in one storage class",
        [rule(), rule(rulePriority=2, selection__countNumber=9)],
        "must use unique tag patterns",
    ),
    ("unknown tagStatus", [rule(selection__tagStatus="all")], "tagStatus must be one of"),
    (
        "unknown countType",
        [rule(selection__countType="sinceImageBuilt")],
        "countType must be one of",
    ),
    (
        "unknown action",
        [rule(action={"type": "delete"})],
        "action type must be expire or transition",
    ),
    ("unknown key", [rule(selection__tagRegex="x")], "unknown selection key(s) ['tagRegex']"),
    ("rulePriority 0", [rule(rulePriority=0)], "rulePriority must be a positive integer"),
    ("no selection", [rule(selection=DROP)], "selection is required"),
]


@pytest.mark.parametrize(("case", "rules", "reason"), REJECTED, ids=[c[0] for c in REJECTED])
def test_ecr_rejections(case, rules, reason):
    with pytest.raises(LifecyclePolicyError) as e:
        parse_policy(json.dumps({"rules": rules}), "p.json")
    assert reason in str(e.value)
    assert str(e.value).startswith("p.json: ")
    assert isinstance(e.value, InputError)  # the CLI turns it into one line, exit 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"rules": {}}',
        '{"rules": [1]}',
        '{"rules": [], "x": 1}',
    ],
)
def test_malformed_documents(text):
    with pytest.raises(LifecyclePolicyError):
        parse_policy(text)


ACCEPTED = [
    # four wildcards is the limit, the documentation's own valid example
    [rule(selection__tagPatternList=["*test*1*2*3", "test*1*2*3*"])],
    # different kinds of list in different rules
    [
        rule(),
        rule(rulePriority=2, selection__tagPatternList=DROP, selection__tagPrefixList=["prod"]),
    ],
    # an any rule last in each storage class (the archive example)
    [
        rule(
            selection__tagStatus="any",
            selection__tagPatternList=DROP,
            selection__countType="sinceImagePulled",
            selection__countUnit="days",
            action=TRANSITION,
        ),
        rule(
            rulePriority=2,
            selection__tagStatus="any",
            selection__tagPatternList=DROP,
            selection__storageClass="archive",
            selection__countType="sinceImageTransitioned",
            selection__countUnit="days",
        ),
    ],
    # untagged in each storage class once
    [
        rule(selection__tagStatus="untagged", selection__tagPatternList=DROP),
        rule(
            rulePriority=7,
            selection__tagStatus="untagged",
            selection__tagPatternList=DROP,
            selection__storageClass="archive",
            selection__countType="sinceImageTransitioned",
            selection__countUnit="days",
        ),
    ],
    # priorities need not be consecutive
    [rule(rulePriority=10), rule(rulePriority=3, selection__tagPatternList=["beta*"])],
]


@pytest.mark.parametrize("rules", ACCEPTED)
def test_accepted_policies_round_trip(rules):
    """(An empty rules list is accepted too: it acts on nothing; repositories hold such policies.)"""
    policy = parse_policy({"rules": rules})
    assert [r.priority for r in policy.rules] == sorted(r["rulePriority"] for r in rules)
    assert parse_policy(policy.text()) == policy


@pytest.mark.parametrize(
    ("pattern", "prefix", "tag", "match"),
    [
        ("prod*", False, "prod", True),
        ("prod*", False, "prod1", True),
        ("prod*", False, "production-team1", True),
        ("prod*", False, "repo-production", False),
        ("*prod*", False, "repo-production", True),
        ("prod", False, "prod1", False),
        ("v1.2", False, "v1x2", False),  # "." is literal
        ("prod", True, "prod1", True),
        ("prod", True, "xprod", False),
    ],
)
def test_tag_patterns(pattern, prefix, tag, match):
    assert (pattern_regex(pattern, prefix).fullmatch(tag) is not None) is match
