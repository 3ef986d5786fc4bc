"""Every documented example of the ECR User Guide's "Examples of lifecycle policies" page
(lifecycle_policy_examples.html): repository contents, policy and the images the page says are
expired. The page shows each multi-rule example with tagPrefixList (2022 text) and, in the current
version, tagPatternList ("prod*"); both forms are run."""

from __future__ import annotations

import json

import pytest
from lifecycle_fixtures import expired, repo_snapshot

from ecrcost.lifecycle import evaluate_policy


def rule(
    prio, status, count_type, number, tags=None, kind="tagPrefixList", action="expire", storage=None
):
    sel = {"tagStatus": status}
    if tags is not None:
        sel[kind] = tags
    if storage:
        sel["storageClass"] = storage
    sel["countType"] = count_type
    if count_type != "imageCountMoreThan":
        sel["countUnit"] = "days"
    sel["countNumber"] = number
    act = {"type": action}
    if action == "transition":
        act["targetStorageClass"] = "archive"
    return {"rulePriority": prio, "description": f"Rule {prio}", "selection": sel, "action": act}


def img(name, tags, pushed, **kw):
    return dict(name=name, tags=tags, pushed=pushed, **kw)


AB_C = [
    img("A", ["beta-1", "prod-1"], 10),
    img("B", ["beta-2", "prod-2"], 9),
    img("C", ["beta-3"], 8),
]
MULTI_TAG_A = [
    img("A", ["alpha-1"], 12),
    img("B", ["beta-1"], 11),
    img("C", ["alpha-2", "beta-2"], 10),
    img("D", ["alpha-3"], 4),
    img("E", ["beta-3"], 3),
    img("F", ["alpha-4", "beta-4"], 2),
]
MULTI_TAG_B = [
    img("A", ["alpha-1", "beta-1", "gamma-1"], 10),
    img("B", ["alpha-2", "beta-2"], 9),
    img("C", ["alpha-3", "beta-3", "gamma-2"], 8),
]
ALL_A = [
    img("A", ["alpha-1"], 4),
    img("B", ["beta-1"], 3),
    img("C", [], 2),
    img("D", ["alpha-2"], 1),
]
# "Image D ... Pushed: 1 day ago", "Image E ... Pushed: 1 day ago": the page's outcome (rule 3
# keeps E as the newest and expires D; rule 2 does not expire E as older than one day) needs E
# pushed after D and less than a day before the evaluation
ALL_B = [
    img("A", ["alpha-1", "beta-1"], 4),
    img("B", [], 3),
    img("C", ["alpha-2"], 2),
    img("D", ["git hash"], 1.05),
    img("E", [], 0.95),
]

EXAMPLES = {
    # "Filtering on image age" (current page): tagged prod*, older than 14 days
    "age-prod-pattern": (
        [img("old", ["prod-1"], 20), img("new", ["prod-2"], 3), img("dev", ["dev-1"], 30)],
        [rule(1, "tagged", "sinceImagePushed", 14, ["prod*"], "tagPatternList")],
        {"old"},
    ),
    # "Filtering on image age" (2022 page): untagged older than 14 days
    "age-untagged": (
        [img("u-old", [], 20), img("u-new", [], 3), img("t-old", ["v1"], 30)],
        [rule(1, "untagged", "sinceImagePushed", 14)],
        {"u-old"},
    ),
    # "Filtering on image count": keep only one untagged image
    "count-untagged": (
        [img("u1", [], 5), img("u2", [], 4), img("u3", [], 3), img("t", ["v"], 9)],
        [rule(1, "untagged", "imageCountMoreThan", 1)],
        {"u1", "u2"},
    ),
    # "Filtering on multiple rules", Example A: Image A is expired
    "multiple-rules-A-prefix": (
        AB_C,
        [
            rule(1, "tagged", "imageCountMoreThan", 1, ["prod"]),
            rule(2, "tagged", "imageCountMoreThan", 1, ["beta"]),
        ],
        {"A"},
    ),
    "multiple-rules-A-pattern": (
        AB_C,
        [
            rule(1, "tagged", "imageCountMoreThan", 1, ["prod*"], "tagPatternList"),
            rule(2, "tagged", "imageCountMoreThan", 1, ["beta*"], "tagPatternList"),
        ],
        {"A"},
    ),
    # Example B: same repository, priorities swapped: Images A and B are expired
    "multiple-rules-B-prefix": (
        AB_C,
        [
            rule(1, "tagged", "imageCountMoreThan", 1, ["beta"]),
            rule(2, "tagged", "imageCountMoreThan", 1, ["prod"]),
        ],
        {"A", "B"},
    ),
    "multiple-rules-B-pattern": (
        AB_C,
        [
            rule(1, "tagged", "imageCountMoreThan", 1, ["beta*"], "tagPatternList"),
            rule(2, "tagged", "imageCountMoreThan", 1, ["prod*"], "tagPatternList"),
        ],
        {"A", "B"},
    ),
    # "Filtering on multiple tags in a single rule", Example A: Image C is expired
    "multiple-tags-A-prefix": (
        MULTI_TAG_A,
        [rule(1, "tagged", "sinceImagePushed", 5, ["alpha", "beta"])],
        {"C"},
    ),
    "multiple-tags-A-pattern": (
        MULTI_TAG_A,
        [rule(1, "tagged", "sinceImagePushed", 5, ["alpha*", "beta*"], "tagPatternList")],
        {"C"},
    ),
    # Example B: tags are not exclusive: Images A and B are expired
    "multiple-tags-B-prefix": (
        MULTI_TAG_B,
        [rule(1, "tagged", "imageCountMoreThan", 1, ["alpha", "beta"])],
        {"A", "B"},
    ),
    "multiple-tags-B-pattern": (
        MULTI_TAG_B,
        [rule(1, "tagged", "imageCountMoreThan", 1, ["alpha*", "beta*"], "tagPatternList")],
        {"A", "B"},
    ),
    # "Filtering on all images", Example A: Images A, B and C are expired
    "all-images-A": (ALL_A, [rule(1, "any", "imageCountMoreThan", 1)], {"A", "B", "C"}),
    # Example B: all rule types together: Images A, B and D are expired
    "all-images-B-prefix": (
        ALL_B,
        [
            rule(1, "tagged", "imageCountMoreThan", 1, ["alpha"]),
            rule(2, "untagged", "sinceImagePushed", 1),
            rule(3, "any", "imageCountMoreThan", 1),
        ],
        {"A", "B", "D"},
    ),
    "all-images-B-pattern": (
        ALL_B,
        [
            rule(1, "tagged", "imageCountMoreThan", 1, ["alpha*"], "tagPatternList"),
            rule(2, "untagged", "sinceImagePushed", 1),
            rule(3, "any", "imageCountMoreThan", 1),
        ],
        {"A", "B", "D"},
    ),
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_documented_example(name):
    images, rules, want = EXAMPLES[name]
    result = evaluate_policy(repo_snapshot(images), {"rules": rules})
    assert expired(result, images) == want
    # the same policy as the repository's own (no --policy) gives the same outcome
    own = evaluate_policy(repo_snapshot(images, policy=json.dumps({"rules": rules})))
    assert expired(own, images) == want


def test_protected_image_is_still_counted():
    # Example A: rule 2 counts Image B (newest-first C, B, A) but may not mark it
    images, rules, _ = EXAMPLES["multiple-rules-A-prefix"]
    r = evaluate_policy(repo_snapshot(images), {"rules": rules}).set_index("image_digest")
    b = r.iloc[1]
    assert b["action"] == "keep" and "higher-priority rule 1" in b["reason"]


# ---- the archive class (template of the current page: transition, then expire from archive) ----
def test_transition_unpulled_then_expire_archived():
    images = [
        img("hot", ["v3"], 200, pulled=2),
        img("cold", ["v2"], 200, pulled=120),
        img("never", ["v1"], 200),  # never pulled: the push time counts
        img("fresh", ["v4"], 10),
        img("restored", ["v0"], 400, pulled=300, activated=5),  # restored 5 days ago: not cold
        img("arch-old", ["v-1"], 500, status="ARCHIVED", archived=200),
        img("arch-new", ["v-2"], 500, status="ARCHIVED", archived=30),
    ]
    policy = {
        "rules": [
            rule(1, "any", "sinceImagePulled", 90, action="transition"),
            rule(2, "any", "sinceImageTransitioned", 180, storage="archive"),
        ]
    }
    r = evaluate_policy(repo_snapshot(images), policy)
    assert expired(r, images, "transition") == {"cold", "never"}
    assert expired(r, images) == {"arch-old"}


def test_wildcards_every_pattern_must_match():
    images = [
        img("p", ["prod"], 30),
        img("p1", ["prod1"], 30),
        img("team", ["production-team1"], 30),
        img("repo", ["repo-production"], 30),
        img("both", ["repo-production", "v1-rc"], 30),
    ]
    star = {"rules": [rule(1, "tagged", "sinceImagePushed", 1, ["prod*"], "tagPatternList")]}
    assert expired(evaluate_policy(repo_snapshot(images), star), images) == {"p", "p1", "team"}
    inner = {"rules": [rule(1, "tagged", "sinceImagePushed", 1, ["*prod*"], "tagPatternList")]}
    assert expired(evaluate_policy(repo_snapshot(images), inner), images) == {
        "p",
        "p1",
        "team",
        "repo",
        "both",
    }
    two = {
        "rules": [rule(1, "tagged", "sinceImagePushed", 1, ["*prod*", "*-rc"], "tagPatternList")]
    }
    assert expired(evaluate_policy(repo_snapshot(images), two), images) == {"both"}
