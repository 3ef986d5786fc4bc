"""Property tests of the evaluator and the planner over random repositories and policies."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lifecycle_fixtures import repo_snapshot

from ecrcost.errors import LifecyclePolicyError
from ecrcost.lifecycle import cleanup_plan, evaluate_policy, parse_policy
from ecrcost.storage import repository_storage

TAGS = ["prod-1", "prod-2", "beta-1", "beta-2", "dev", "v1", "v2", "release-x"]
PATTERNS = ["prod*", "beta*", "*1", "v*", "*-*", "dev", "release-x", "*"]
PREFIXES = ["prod", "beta", "v", "re"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def images(draw):
    n = draw(st.integers(1, 12))
    out = []
    for i in range(n):
        archived = draw(st.booleans()) and draw(st.integers(0, 4)) == 0
        im = {
            "name": f"img{i}",
            "tags": draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True)),
            "pushed": draw(st.floats(0.5, 400)),
            "pulled": draw(st.one_of(st.none(), st.floats(0.1, 300))),
        }
        if archived:
            im.update(status="ARCHIVED", archived=draw(st.floats(0, 300)))
        out.append(im)
    return out


@st.composite
def rules(draw, first_priority=1, n=None):
    count = n if n is not None else draw(st.integers(1, 4))
    prios = sorted(draw(st.lists(st.integers(1, 50), min_size=count, max_size=count, unique=True)))
    out = []
    for p in prios:
        p += first_priority - 1
        kind = draw(st.sampled_from(["tagged", "tagged", "untagged", "any"]))
        archive = draw(st.integers(0, 5)) == 0
        if archive:
            sel = {"storageClass": "archive", "countType": "sinceImageTransitioned"}
            action = {"type": "expire"}
        else:
            ct = draw(
                st.sampled_from(["imageCountMoreThan", "sinceImagePushed", "sinceImagePulled"])
            )
            sel = {"countType": ct}
            action = (
                {"type": "transition", "targetStorageClass": "archive"}
                if ct == "sinceImagePulled"
                else {"type": draw(st.sampled_from(["expire", "transition"]))}
            )
            if action["type"] == "transition":
                action["targetStorageClass"] = "archive"
        sel = {"tagStatus": kind, **sel}
        if kind == "tagged":
            if draw(st.booleans()):
                sel["tagPatternList"] = draw(
                    st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=2, unique=True)
                )
            else:
                sel["tagPrefixList"] = draw(
                    st.lists(st.sampled_from(PREFIXES), min_size=1, max_size=2, unique=True)
                )
        if sel["countType"] != "imageCountMoreThan":
            sel["countUnit"] = "days"
        sel["countNumber"] = draw(st.integers(1, 200))
        out.append({"rulePriority": p, "selection": sel, "action": action})
    return out


def valid(rule_list):
    try:
        return parse_policy({"rules": rule_list})
    except LifecyclePolicyError:
        return None


@SETTINGS
@given(images(), rules())
def test_a_rule_never_marks_an_image_a_higher_rule_selects(imgs, rule_list):
    policy = valid(rule_list)
    assume(policy is not None)
    r = evaluate_policy(repo_snapshot(imgs), policy)
    status = {f"img{i}": im.get("status", "ACTIVE") for i, im in enumerate(imgs)}
    tags = {f"img{i}": im["tags"] for i, im in enumerate(imgs)}
    names = [f"img{i}" for i in range(len(imgs))]
    for name, (_, row) in zip(names, r.iterrows(), strict=True):
        if row["action"] == "keep":
            continue
        acting = row["rule_priority"]
        for rule in policy.rules:
            if rule.priority >= acting:
                break
            cls = "ARCHIVED" if rule.storage_class == "archive" else "ACTIVE"
            assert not (status[name] == cls and rule.matches_tags(tags[name])), (name, rule.label)


@SETTINGS
@given(images(), rules(), rules(first_priority=60, n=1))
def test_appending_a_rule_never_unexpires_an_image(imgs, rule_list, extra):
    base, more = valid(rule_list), valid(rule_list + extra)
    assume(base is not None and more is not None)
    snap = repo_snapshot(imgs)
    before = evaluate_policy(snap, base)
    after = evaluate_policy(snap, more)
    was = before["action"].to_numpy() != "keep"
    assert (after["action"].to_numpy()[was] == before["action"].to_numpy()[was]).all()


@SETTINGS
@given(images(), rules(), st.data())
def test_bytes_freed_never_exceed_the_repositorys_unique_bytes(imgs, rule_list, data):
    policy = valid(rule_list)
    assume(policy is not None)
    pool = [f"s{i}" for i in range(4)]
    shared = {
        f"img{i}": data.draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))
        for i in range(len(imgs))
    }
    snap = repo_snapshot(imgs, shared=shared)
    plan = cleanup_plan(snap, policy)
    unique = float(repository_storage(snap)["unique_bytes"].iloc[0])
    freed = float(plan.by_repository["freed_bytes"].iloc[0])
    moved = float(plan.by_repository["to_archive_bytes"].iloc[0])
    assert 0 <= freed <= unique + 1e-6
    assert 0 <= freed + moved <= unique + 1e-6
    # per-image shares add up to the repository's joint figure
    assert np.isclose(plan.images["freed_bytes"].sum(), freed)
    # everything expired frees exactly the unique bytes
    everything = evaluate_policy(
        snap,
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "selection": {
                        "tagStatus": "any",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": 1,
                    },
                    "action": {"type": "expire"},
                }
            ]
        },
        at="2030-01-01",
    )
    if (everything["action"] == "expire").all():
        all_plan = cleanup_plan(
            snap,
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {
                            "tagStatus": "any",
                            "countType": "sinceImagePushed",
                            "countUnit": "days",
                            "countNumber": 1,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            },
            at="2030-01-01",
        )
        assert np.isclose(float(all_plan.by_repository["freed_bytes"].iloc[0]), unique)


@SETTINGS
@given(images(), rules(), st.data())
def test_an_in_use_image_is_never_expired_or_archived(imgs, rule_list, data):
    policy = valid(rule_list)
    assume(policy is not None)
    used = data.draw(st.lists(st.integers(0, len(imgs) - 1), max_size=len(imgs), unique=True))
    snap = repo_snapshot(imgs, in_use=[{"name": f"img{i}"} for i in used])
    r = evaluate_policy(snap, policy)
    assert r["in_use"].sum() == len(used)
    assert (r.loc[r["in_use"], "action"] == "keep").all()
    # and the rule that would have acted is listed whenever the same policy acts without in-use
    free = evaluate_policy(repo_snapshot(imgs), policy)
    acted = free["action"].to_numpy() != "keep"
    listed = r["blocked_rule_priority"].notna().to_numpy()
    assert (listed[r["in_use"].to_numpy() & acted]).all()
