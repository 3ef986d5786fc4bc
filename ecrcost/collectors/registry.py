"""Registry-level settings of one account-region: replication rules, registry policy presence,
pull-through cache rules, the BLOB_MOUNTING account setting and the pull-time update exclusions
(IAM principals whose pulls do not update lastRecordedPullTime, e.g. a scanner's role).

An operation the endpoint does not implement (or a call that fails for any other reason) is
recorded as "unknown", never a failure of the target; an AccessDenied is also returned as an
error so the run says what is missing.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import call, describe_error, error_code, pages

UNKNOWN = "unknown"
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")


def _jsonable(value: Any) -> Any:
    """Response data with datetimes as ISO strings (meta.json is JSON)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def unknown(account_id: str, region: str) -> dict[str, Any]:
    """The `registries` entry of an account-region that could not be read at all."""
    return {
        "account_id": account_id,
        "region": region,
        "replication_rules": UNKNOWN,
        "registry_policy": UNKNOWN,
        "pull_through_cache_rules": UNKNOWN,
        "blob_mounting": UNKNOWN,
        "pull_time_update_exclusions": UNKNOWN,
    }


def collect_registry(
    client: Any, account_id: str, region: str, probe: Any = None
) -> tuple[dict[str, Any], list[str]]:
    """(a `registries` entry of meta.json, errors worth reporting) for one account-region.

    `probe`: the client for the operations some endpoints lack (pull-through cache rules, account
    settings, pull-time update exclusions), typically one with fewer retries; default `client`.
    """
    probe = probe or client
    errors: list[str] = []

    def attempt(fn: Any, absent: str | None = None, absent_value: Any = None) -> Any:
        try:
            return fn()
        except ClientError as e:
            if absent and error_code(e) == absent:
                return absent_value
            if error_code(e) in DENIED:
                errors.append(describe_error(e))
            return UNKNOWN
        except (BotoCoreError, NotImplementedError):  # not implemented by this endpoint
            return UNKNOWN

    def replication() -> Any:
        rules = call(client.describe_registry).get("replicationConfiguration", {}).get("rules", [])
        return _jsonable(rules)

    def policy() -> bool:
        call(client.get_registry_policy)
        return True

    def pull_through() -> Any:
        rules = []
        for page in pages(probe, "describe_pull_through_cache_rules", maxResults=1000):
            rules += page.get("pullThroughCacheRules", [])
        return _jsonable(rules)

    def blob_mounting() -> Any:
        value = call(probe.get_account_setting, name="BLOB_MOUNTING").get("value")
        return value if value in ("ENABLED", "DISABLED") else UNKNOWN

    def exclusions() -> Any:
        arns: list[str] = []
        for page in pages(probe, "list_pull_time_update_exclusions"):
            arns += page.get("pullTimeUpdateExclusions", [])
        return sorted(arns)

    entry = {
        "account_id": account_id,
        "region": region,
        "replication_rules": attempt(replication),
        "registry_policy": attempt(policy, "RegistryPolicyNotFoundException", False),
        "pull_through_cache_rules": attempt(pull_through),
        "blob_mounting": attempt(blob_mounting),
        "pull_time_update_exclusions": attempt(exclusions),
    }
    return entry, errors
