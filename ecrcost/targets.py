"""Which account-regions to collect: accounts x regions.

Accounts:
- without `role_arns` / `org_role`: the account of the current credentials (sts:GetCallerIdentity;
  if the endpoint has no STS, the registry id ECR reports);
- `role_arns`: exactly the accounts of these roles, each read through AssumeRole;
- `org_role`: every ACTIVE account of the AWS Organization, through `arn:<partition>:iam::<id>:role/<org_role>`.

Regions: `regions` as given; `all_regions`: every region where botocore's bundled endpoint data
says ECR is available in the partition of the configured (or first given) region, no network;
default: the configured region. Unknown regions and malformed role ARNs raise `TargetError`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.regions import EndpointResolver

from .aws import Aws, data_loader, describe_error, pages
from .errors import AwsError, InputError, TargetError

ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,512}$")


@dataclass(frozen=True)
class Target:
    """One account-region to collect; `role_arn` is the role read through (None: own credentials)."""

    account_id: str
    region: str
    role_arn: str | None = None


#: ECR's endpoint prefix in botocore's endpoint data (its service model's ``endpointPrefix``)
ECR_ENDPOINT_PREFIX = "api.ecr"


@functools.cache
def _endpoints() -> EndpointResolver:
    """botocore's endpoint data (its search paths, AWS_DATA_PATH, compressed files), read through
    the process's shared loader (`aws.data_loader`): the sessions `Aws` makes then reuse it
    instead of decoding the 1.2 MB file again. No botocore session: no profile (one that does
    not exist must not break region validation) and no credentials are read, and neither the
    session's setup nor ECR's service model is paid for on the way to the first API call."""
    return EndpointResolver(
        data_loader(os.environ.get("AWS_DATA_PATH") or None).load_data("endpoints")
    )


def ecr_regions(partition: str = "aws") -> list[str]:
    """Regions where ECR is available in `partition` (botocore's bundled endpoint data)."""
    return sorted(_endpoints().get_available_endpoints(ECR_ENDPOINT_PREFIX, partition))


@functools.cache
def _known_regions() -> frozenset[str]:
    """Every ECR region of every partition."""
    return frozenset(r for p in _endpoints().get_available_partitions() for r in ecr_regions(p))


def partition_of(region: str) -> str:
    """The partition ("aws", "aws-cn", ...) a region belongs to."""
    return str(_endpoints().get_partition_for_region(region))


def resolve_regions(
    regions: Iterable[str] | None = None, *, all_regions: bool = False, default: str | None = None
) -> list[str]:
    """The regions to collect, validated (see module docstring). Raises `TargetError`."""
    given = list(dict.fromkeys(r.strip() for r in regions or () if r.strip()))
    known = _known_regions()
    unknown = [r for r in given if r not in known]
    if unknown:
        raise TargetError(
            f"--region: unknown region(s) {', '.join(unknown)} "
            "(not an ECR region in botocore's endpoint data)"
        )
    if all_regions:
        anchor = given[0] if given else default or "us-east-1"
        if anchor not in known:
            raise TargetError(f"unknown configured region {anchor!r}")
        return ecr_regions(partition_of(anchor))
    if given:
        return given
    if not default:
        raise TargetError("no region: pass --region R (or --all-regions), or set AWS_REGION")
    if default not in known:
        raise TargetError(f"configured region {default!r} is not an ECR region")
    return [default]


def parse_role_arn(arn: str) -> str:
    """The account id of IAM role ARN `arn`; `TargetError` when it is not a role ARN."""
    m = ROLE_ARN.match(arn.strip())
    if not m:
        raise TargetError(
            f"--role-arn: invalid IAM role ARN {arn!r} "
            "(expected arn:aws:iam::123456789012:role/NAME)"
        )
    return m.group(2)


def org_accounts(aws: Aws, region: str) -> list[str]:
    """Ids of the ACTIVE accounts of the caller's AWS Organization (organizations:ListAccounts)."""
    org = aws.client("organizations", region)
    ids = []
    try:
        for page in pages(org, "list_accounts", token="NextToken"):
            ids += [a["Id"] for a in page.get("Accounts", []) if a.get("Status") == "ACTIVE"]
    except (ClientError, BotoCoreError) as e:
        raise AwsError(
            f"--org-role: cannot list the organization's accounts ({describe_error(e)}); run from the "
            "management account or a delegated administrator, or pass --role-arn per account"
        ) from None
    return sorted(set(ids))


def resolve_targets(
    *,
    regions: Sequence[str] | None = None,
    all_regions: bool = False,
    role_arns: Sequence[str] = (),
    org_role: str | None = None,
    aws: Aws | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    session: Any = None,
) -> list[Target]:
    """Account x region targets (see module docstring). Role ARNs and regions are validated
    before any network call; `TargetError` names the bad option."""
    for arn in role_arns:
        parse_role_arn(arn)
    if org_role is not None and not ROLE_NAME.match(org_role):
        raise TargetError(f"--org-role: invalid role name {org_role!r}")
    if role_arns and org_role:
        raise TargetError("--role-arn and --org-role cannot be combined")
    if aws is None:
        aws = Aws(profile=profile, endpoint_url=endpoint_url, session=session)
    region_list = resolve_regions(regions, all_regions=all_regions, default=aws.default_region)
    home = region_list[0]
    if role_arns:
        accounts: list[tuple[str, str | None]] = [
            (parse_role_arn(a), a.strip()) for a in dict.fromkeys(role_arns)
        ]
    elif org_role:
        aws.check_credentials()
        part = partition_of(home)
        accounts = [(i, f"arn:{part}:iam::{i}:role/{org_role}") for i in org_accounts(aws, home)]
        if not accounts:
            raise TargetError("--org-role: the organization has no ACTIVE accounts")
    else:
        aws.check_credentials()
        accounts = [(_own_account(aws, home), None)]
    return [Target(acct, region, role) for acct, role in accounts for region in region_list]


def _own_account(aws: Aws, region: str) -> str:
    """The current credentials' account: STS, or the ECR registry id where there is no STS."""
    try:
        return str(aws.caller_account(region))
    except (ClientError, BotoCoreError) as sts_error:
        try:
            return str(aws.client("ecr", region).describe_registry()["registryId"])
        except (ClientError, BotoCoreError):
            raise AwsError(
                f"cannot tell which account the credentials belong to: {describe_error(sts_error)}"
            ) from None


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 1 <= K <= N; `InputError` otherwise."""
    try:
        k, n = (int(p) for p in text.split("/"))
    except ValueError:
        raise InputError(f"--shard {text!r}: expected K/N, e.g. 1/4") from None
    if not 1 <= k <= n:
        raise InputError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def shard_of(account_id: str, region: str, n: int) -> int:
    """The shard (1..n) an account-region belongs to: a hash of "account_id/region", the same on
    every machine and run (not Python's salted hash()), so N jobs each given K/N split the
    targets without overlap or gap, however the target list is ordered."""
    h = hashlib.sha256(f"{account_id}/{region}".encode()).digest()
    return int.from_bytes(h[:8], "big") % n + 1


def select_shard(targets: Sequence[Target], shard: tuple[int, int] | None) -> list[Target]:
    """The targets of shard K of N (all of them when `shard` is None)."""
    if shard is None:
        return list(targets)
    k, n = shard
    return [t for t in targets if shard_of(t.account_id, t.region, n) == k]
