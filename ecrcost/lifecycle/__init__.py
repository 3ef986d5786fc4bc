"""Lifecycle planning: an exact, offline evaluator of ECR lifecycle policies, a cleanup planner
(bytes and dollars saved, in-use protection) and archive economics.

    policy.py     parse_policy: the policy grammar and ECR's validation rules
    evaluate.py   evaluate_policy: per image, what the policy does (expire / transition / keep)
    plan.py       plan_cleanup: the evaluation priced (bytes freed jointly, $/month, one-time)
    economics.py  archive_economics, recommended_policies: keep vs archive-then-expire vs expire
"""

from .economics import archive_economics, recommended_policy, write_policies
from .evaluate import evaluate, evaluate_policy, in_use_images, in_use_known
from .plan import CleanupPlan, cleanup_plan, plan_cleanup
from .policy import Policy, Rule, parse_policy

__all__ = [
    "CleanupPlan",
    "Policy",
    "Rule",
    "archive_economics",
    "cleanup_plan",
    "evaluate",
    "evaluate_policy",
    "in_use_images",
    "in_use_known",
    "parse_policy",
    "plan_cleanup",
    "recommended_policy",
    "write_policies",
]
