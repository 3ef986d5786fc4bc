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

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import call, describe_error, error_code, pages

UNKNOWN = "unknown"
#: tries per call (first included) for operations an endpoint may not implement: the optional
#: settings here, Inspector's coverage (an emulator answers those with retried 500s; Aws.client)
PROBE_ATTEMPTS = 3
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
    return {"account_id": account_id, "region": region, **dict.fromkeys(SETTINGS, UNKNOWN)}


def _replication(client: Any, probe: Any) -> Any:
    rules = call(client.describe_registry).get("replicationConfiguration", {}).get("rules", [])
    return _jsonable(rules)


def _policy(client: Any, probe: Any) -> bool:
    call(client.get_registry_policy)
    return True


def _pull_through(client: Any, probe: Any) -> Any:
    rules = []
    for page in pages(probe, "describe_pull_through_cache_rules", maxResults=1000):
        rules += page.get("pullThroughCacheRules", [])
    return _jsonable(rules)


def _blob_mounting(client: Any, probe: Any) -> Any:
    value = call(probe.get_account_setting, name="BLOB_MOUNTING").get("value")
    return value if value in ("ENABLED", "DISABLED") else UNKNOWN


def _exclusions(client: Any, probe: Any) -> Any:
    arns: list[str] = []
    for page in pages(probe, "list_pull_time_update_exclusions"):
        arns += page.get("pullTimeUpdateExclusions", [])
    return sorted(arns)


#: setting -> (reader(client, probe), error code meaning "there is none", the value then,
#: optional operation), in the order of a `registries` entry
_READERS: dict[str, tuple[Callable[[Any, Any], Any], str | None, Any, bool]] = {
    "replication_rules": (_replication, None, None, False),
    "registry_policy": (_policy, "RegistryPolicyNotFoundException", False, False),
    "pull_through_cache_rules": (_pull_through, None, None, True),
    "blob_mounting": (_blob_mounting, None, None, True),
    "pull_time_update_exclusions": (_exclusions, None, None, True),
}
#: the settings of a `registries` entry, in its order (after account_id and region)
SETTINGS = tuple(_READERS)


def read_setting(name: str, client: Any, probe: Any = None) -> tuple[Any, list[str]]:
    """(the value of setting `name` of SETTINGS, or "unknown"; errors worth reporting). Each is
    one call (or one listing), so the collector reads a registry's settings in parallel.

    `probe`: the client for the operations some endpoints lack (pull-through cache rules, account
    settings, pull-time update exclusions), typically one with fewer retries; default `client`.
    """
    fn, absent, absent_value, optional = _READERS[name]
    try:
        return fn(client, probe or client), []
    except (ClientError, BotoCoreError, NotImplementedError) as e:
        if absent and error_code(e) == absent:
            return absent_value, []
        return UNKNOWN, [] if unsupported(e, optional) else [describe_error(e)]


def collect_registry(
    client: Any, account_id: str, region: str, probe: Any = None
) -> tuple[dict[str, Any], list[str]]:
    """(a `registries` entry of meta.json, errors worth reporting) for one account-region, its
    SETTINGS read one after another (`read_setting`; the collector reads them in parallel)."""
    entry: dict[str, Any] = {"account_id": account_id, "region": region}
    errors: list[str] = []
    for name in SETTINGS:
        entry[name], errs = read_setting(name, client, probe)
        errors += errs
    return entry, errors
