"""The exceptions ecrcost raises on purpose.

Every error a user can cause or meet (bad input, missing permissions, an unreachable endpoint)
is one of these; the CLI turns them into a one-line message and exit code 1, never a traceback.

    EcrcostError
    ├── InputError                 bad user input (options, files the user gave us)
    │   ├── SnapshotError          missing / corrupt / wrong-schema snapshot directory
    │   ├── PriceCatalogError      malformed or incomplete price catalog file
    │   ├── TrafficProfileError    malformed traffic profile TOML
    │   ├── PlanCatalogError       malformed registry plan file
    │   ├── BillError              unusable bill: BILLDIR, CUR file (missing columns), month range
    │   ├── LifecyclePolicyError   a lifecycle policy ECR would reject (same reason as ECR)
    │   ├── TargetError            unknown region, invalid role ARN, bad account list
    │   ├── QueryError             `ecrcost sql`: bad SQL, not a single SELECT, failing query
    │   └── MergeError             `ecrcost merge`: overlapping shards or mismatched settings
    ├── AwsError                   an AWS call failed in a way that stops the whole command
    │   └── ReadOnlyViolation      code asked for an AWS operation outside the read allowlist
    └── OutputExistsError          refusing to overwrite an existing output without --force

    EcrcostWarning                 warnings we emit (fallback prices, low-confidence figures)
"""

from __future__ import annotations


class EcrcostError(Exception):
    """Base class of every error ecrcost raises deliberately."""


class InputError(EcrcostError):
    """The user's input (an option, a file) is not usable; the message says which and why."""


class SnapshotError(InputError):
    """A snapshot directory is missing, corrupt, or of another schema version."""


class PriceCatalogError(InputError):
    """A price catalog file is malformed or incomplete (the message names the file and row)."""


class TrafficProfileError(InputError):
    """A traffic profile is not valid TOML or breaks the contract (names the file and table)."""


class PlanCatalogError(InputError):
    """A registry plan file is malformed (names the file and row)."""


class BillError(InputError):
    """A bill cannot be used: a BILLDIR, a CUR file lacking columns, a bad month range (names it)."""


class LifecyclePolicyError(InputError):
    """A lifecycle policy is not valid JSON or breaks a rule ECR enforces (the message says which)."""


class TargetError(InputError):
    """An account/region target cannot be used: unknown region, invalid role ARN, ..."""


class QueryError(InputError):
    """A query given to `ecrcost sql` is not valid SQL, not one SELECT, or fails when run."""


class MergeError(InputError):
    """Snapshots given to `ecrcost merge` overlap (an account-region twice) or disagree on settings."""


class AwsError(EcrcostError):
    """An AWS call failed in a way that stops the whole command (e.g. no credentials at all)."""


class ReadOnlyViolation(AwsError):
    """Raised before sending any AWS request whose operation is not on the read-only allowlist."""


class OutputExistsError(EcrcostError):
    """The output path exists and --force was not given; nothing was written."""


class EcrcostWarning(UserWarning):
    """Warnings ecrcost emits on purpose (fallback prices, low-confidence figures)."""
