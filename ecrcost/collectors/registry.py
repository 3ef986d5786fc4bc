"""Registry-level settings of one account-region: replication rules, registry policy presence,
pull-through cache rules, the BLOB_MOUNTING account setting and the pull-time update exclusions
(IAM principals whose pulls do not update lastRecordedPullTime, e.g. a scanner's role).

A setting that cannot be read is "unknown". Why matters:

- the endpoint does not implement the operation (an emulator or ECR-compatible service: an
  UnknownOperation-style error code, moto's NotImplementedError, or an HTTP error without an AWS
  error body for the three optional operations) -> "unknown" and nothing else: it is not a fault;
- anything else (AccessDenied, throttling that never clears, a 500, a reset connection, an
  unreachable endpoint) -> "unknown" AND an error, so the target is "partial" and the command
  exits 3: replication cost and blob mounting then rest on a setting nobody could read.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import call, describe_error, error_code, pages

UNKNOWN = "unknown"
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
#: error codes meaning "this endpoint does not have the operation"
UNSUPPORTED = frozenset(
    {
        "UnknownOperationException",
        "UnknownOperation",
        "InvalidAction",
        "NotImplemented",
        "NotImplementedException",
        "UnsupportedOperation",
        "UnsupportedOperationException",
    }
)


def unsupported(exc: BaseException, optional: bool) -> bool:
    """True when `exc` says the endpoint lacks the operation (see the module docstring).

    `optional`: the operation is one some ECR-compatible endpoints lack (pull-through cache rules,
    account settings); for those an HTTP 404/500/501 whose body is not an AWS error (botocore
    then reports the bare status as the code) is an endpoint without the operation too.
    """
    if isinstance(exc, NotImplementedError):
        return True
    if not isinstance(exc, ClientError):
        return False
    code = error_code(exc)
    return code in UNSUPPORTED or (optional and code in ("404", "500", "501"))


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

    def attempt(
        fn: Any, absent: str | None = None, absent_value: Any = None, optional: bool = False
    ) -> Any:
        try:
            return fn()
        except (ClientError, BotoCoreError, NotImplementedError) as e:
            if absent and error_code(e) == absent:
                return absent_value
            if not unsupported(e, optional):
                errors.append(describe_error(e))
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
        "pull_through_cache_rules": attempt(pull_through, optional=True),
        "blob_mounting": attempt(blob_mounting, optional=True),
        "pull_time_update_exclusions": attempt(exclusions, optional=True),
    }
    return entry, errors
