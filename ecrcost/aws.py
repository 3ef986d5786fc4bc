"""The one seam to AWS: every boto3 session and client ecrcost uses is made here.

- `Aws` holds the base session (a profile, the default credential chain, or a session the caller
  passes), the endpoint override, the botocore `Config` (adaptive retries, connection pool sized
  to the workers) and a thread-safe call counter.
- `Aws.client(service, region, role_arn=None)` returns a cached client; with `role_arn` the client
  uses that role's credentials (AssumeRole through the base session, refreshed before expiry).
- Every client carries the **read-only guard**: a botocore `provide-client-params` hook that raises
  `ReadOnlyViolation` before any request is built for an operation that is not a read
  (`is_read_operation`). ecrcost therefore cannot change anything in an AWS account.

`AWS_PROFILE`, `AWS_REGION` / `AWS_DEFAULT_REGION` and `AWS_ENDPOINT_URL` work as in the AWS CLI
(botocore reads them); an explicit `endpoint_url` overrides the endpoint of every service.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.credentials
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)
from botocore.loaders import Loader, create_loader

from .errors import AwsError, InputError, ReadOnlyViolation

#: Operation-name prefixes that only read.
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet")
#: Read operations whose names do not start with a read prefix ("AssumeRole" only obtains
#: temporary credentials for the role ecrcost reads through).
READ_EXCEPTIONS = frozenset({"AssumeRole"})

#: The IAM actions `ecrcost collect --in-use` adds: what runs (ECS, Lambda, Inspector).
IN_USE_ACTIONS: tuple[str, ...] = (
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:DescribeTasks",
    "ecs:ListClusters",
    "ecs:ListServices",
    "ecs:ListTasks",
    "inspector2:ListCoverage",
    "lambda:GetFunction",
    "lambda:ListFunctions",
)

#: Exactly the IAM actions `ecrcost collect` calls, with `--in-use` (the README's minimal policy
#: lists these; sts:GetCallerIdentity needs no permission but is listed for completeness).
COLLECT_ACTIONS: tuple[str, ...] = (
    "cloudwatch:GetMetricData",
    "ecr:BatchGetImage",
    "ecr:DescribeImages",
    "ecr:DescribePullThroughCacheRules",
    "ecr:DescribeRegistry",
    "ecr:DescribeRepositories",
    "ecr:GetAccountSetting",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRegistryPolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListPullTimeUpdateExclusions",
    "ecr:ListTagsForResource",
    *IN_USE_ACTIONS,
    "organizations:ListAccounts",
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
)

#: The IAM actions `ecrcost bill fetch` (Cost Explorer) and `bill import s3://...` (s3:ListBucket
#: is the action behind ListObjectsV2) call; the README's minimal policy lists them too.
BILL_ACTIONS: tuple[str, ...] = (
    "ce:GetCostAndUsage",
    "s3:GetObject",
    "s3:ListBucket",
)

#: botocore retry attempts per call (first try included). Throttling backs off from 1 s
#: (adaptive mode also rate-limits the client); other retryable errors from 50 ms.
MAX_ATTEMPTS = 6

ROLE_SESSION_NAME = "ecrcost"


def is_read_operation(operation_name: str) -> bool:
    """True when the API operation (e.g. "DescribeImages") only reads."""
    return operation_name.startswith(READ_PREFIXES) or operation_name in READ_EXCEPTIONS


def _read_only_guard(model: Any = None, **_: Any) -> None:
    """botocore `provide-client-params` hook: refuse every non-read operation before sending."""
    if model is not None and not is_read_operation(model.name):
        service = model.service_model.service_name
        raise ReadOnlyViolation(
            f"refusing {service}:{model.name}: ecrcost only reads from AWS "
            f"(allowed: {', '.join(p + '*' for p in READ_PREFIXES)}, {', '.join(sorted(READ_EXCEPTIONS))})"
        )


class _JSONFiles:
    """botocore's file-loader contract (`exists` / `load_file` of a path without its ``.json`` or
    ``.json.gz``) with plain dicts: botocore's own loader decodes into OrderedDicts, 2-3x slower
    (endpoints.json: 14-16 ms against 5-7), for an order plain dicts keep anyway."""

    OPENERS = ((".json", open), (".json.gz", gzip.open))

    def exists(self, file_path: str) -> bool:
        return any(os.path.isfile(file_path + ext) for ext, _ in self.OPENERS)

    def load_file(self, file_path: str) -> Any:
        for ext, opener in self.OPENERS:
            if os.path.isfile(file_path + ext):
                with opener(file_path + ext, "rb") as f:
                    return json.loads(f.read().decode("utf-8"))
        return None


@functools.cache
def data_loader(data_path: str | None = None) -> Loader:
    """botocore's data loader for search path `data_path` (AWS_DATA_PATH's form; None: the bundled
    data), one per process. botocore gives every session a loader of its own, which decodes the
    endpoint data (endpoints.json, 1.2 MB) and each service model again; `Aws` gives its
    sessions this one instead, and `ecrcost.targets` reads the regions through it, so a process
    decodes each file once however many sessions (role sessions, runs) it makes, into plain
    dicts (`_JSONFiles`; a fresh process's first STS client: 40-47 ms, then 36-39 ms). Shared
    data is what every client of one botocore session already shares: its endpoint resolver
    writes each region's resolved hostname back into the data, the same for every session."""
    loader = create_loader(data_path)
    loader.file_loader = _JSONFiles()
    return loader


def share_data_loader(session: botocore.session.Session) -> None:
    """Make `session` use `data_loader` for its own data path (the same files, read once per
    process). A session whose configuration cannot be read keeps its loader."""
    try:
        path = session.get_config_variable("data_path")
    except BotoCoreError:
        return
    session.register_component("data_loader", data_loader(path))


class Aws:
    """Sessions and clients for one ecrcost run.

    `profile`: a named AWS profile (else `AWS_PROFILE` / the default chain). `session`: use this
    boto3 Session instead (tests, the demo); hooks registered on its `events` before the first
    client is made apply to every client, role clients included. `endpoint_url`: send every call
    here (an emulator or another ECR-compatible endpoint). `workers`: threads that will share the
    clients (sizes the connection pool).

    `calls` counts API calls by (service, operation), one per call whatever the retries.
    """

    def __init__(
        self,
        *,
        profile: str | None = None,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        workers: int = 8,
    ) -> None:
        if session is None:
            check_endpoint_url(os.environ.get("AWS_ENDPOINT_URL") or None, "AWS_ENDPOINT_URL")
            try:
                # AWS_REGION wins over AWS_DEFAULT_REGION and the profile, as in the AWS CLI v2
                # (botocore itself only reads AWS_DEFAULT_REGION)
                session = boto3.Session(
                    profile_name=profile, region_name=os.environ.get("AWS_REGION") or None
                )
            except ProfileNotFound as e:
                raise InputError(f"--profile: {e}") from None
        self.session = session
        share_data_loader(session._session)  # boto3 exposes no public accessor for it
        self.endpoint_url = check_endpoint_url(endpoint_url or None, "--endpoint-url")
        self.config = Config(
            retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
            max_pool_connections=max(10, workers + 2),
            user_agent_extra="ecrcost",
        )
        self.calls: Counter[tuple[str, str]] = Counter()
        # two locks: making a client (botocore sessions are not thread-safe; a role client may
        # wait for sts:AssumeRole) must never hold up the counting of calls already in flight
        self._lock = threading.RLock()  # clients and role sessions
        self._count_lock = threading.Lock()
        self._first_call: list[Callable[[], None]] = []  # see at_first_call
        self._clients: dict[tuple[str, str, str | None, int | None], Any] = {}
        self._role_sessions: dict[str, boto3.Session] = {}

    # ---- public ------------------------------------------------------------------------------
    @property
    def default_region(self) -> str | None:
        """The configured region (AWS_REGION / AWS_DEFAULT_REGION / the profile), or None."""
        return self.session.region_name

    def check_credentials(self) -> None:
        """Raise `AwsError` when the credential chain finds no credentials at all (no network)."""
        try:
            creds = self.session.get_credentials()
        except BotoCoreError as e:
            raise AwsError(f"cannot load AWS credentials: {e}") from None
        if creds is None:
            raise AwsError(
                "no AWS credentials found: configure a profile (--profile / AWS_PROFILE), "
                "environment variables or an instance role"
            )

    def client(
        self, service: str, region: str, role_arn: str | None = None, *, attempts: int | None = None
    ) -> Any:
        """A read-only, counted client for `service` in `region` (as `role_arn` when given).

        `attempts` lowers the number of tries per call (first included) for probes of optional
        operations an endpoint may not implement (an emulator answers those with retried 500s).
        """
        key = (service, region, role_arn, attempts)
        c = self._clients.get(key)  # made once, then only read: no lock on the common path
        if c is not None:
            return c
        with self._lock:
            c = self._clients.get(key)
            if c is None:
                session = self._role_session(role_arn, region) if role_arn else self.session
                config = self.config
                if attempts is not None:
                    config = config.merge(
                        Config(retries={"mode": "adaptive", "total_max_attempts": attempts})
                    )
                c = session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=config
                )
                c.meta.events.register("provide-client-params.*.*", _read_only_guard)
                c.meta.events.register("before-call.*.*", self._count)
                self._clients[key] = c
            return c

    def at_first_call(self, fn: Callable[[], None]) -> None:
        """Run `fn` on a background thread as soon as the first API call goes out: work that does
        not need that call's answer (making clients: model files read, endpoints resolved, tens
        of ms of GIL time each; a first read the run will make anyway) then overlaps its network
        wait instead of following it. `fn`'s exceptions are its own business."""
        with self._count_lock:
            self._first_call.append(fn)

    def _start_first_call_work(self) -> None:
        work, self._first_call = self._first_call, []
        for fn in work:
            threading.Thread(target=fn, name="ecrcost-early", daemon=True).start()

    def caller_account(self, region: str) -> str:
        """The account id of the base credentials (sts:GetCallerIdentity)."""
        try:
            return self.client("sts", region).get_caller_identity()["Account"]
        except NoCredentialsError:
            self.check_credentials()
            raise

    def operations(self) -> dict[str, int]:
        """Calls made so far by "service:Operation", sorted by name."""
        with self._count_lock:
            return {f"{s}:{o}": n for (s, o), n in sorted(self.calls.items())}

    # ---- internals ---------------------------------------------------------------------------
    def _count(self, model: Any = None, **_: Any) -> None:
        if model is not None:
            with self._count_lock:
                self.calls[(model.service_model.service_name, model.name)] += 1
                if self._first_call:
                    self._start_first_call_work()

    def _role_session(self, role_arn: str, region: str) -> boto3.Session:
        """A session whose credentials come from assuming `role_arn` (refreshed automatically)."""
        s = self._role_sessions.get(role_arn)
        if s is not None:
            return s
        sts = self.client("sts", region)

        def fetch() -> dict[str, Any]:
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=ROLE_SESSION_NAME)[
                "Credentials"
            ]
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        credentials = botocore.credentials.RefreshableCredentials.create_from_metadata(
            metadata=fetch(), refresh_using=fetch, method="assume-role"
        )
        # A botocore session sharing the base session's event handlers (so hooks a caller
        # registered apply to role clients too), with the role's credentials.
        base = self.session._session  # boto3 exposes no public accessor for it
        events = copy.copy(base.get_component("event_emitter"))
        # the same configuration sources as the base session (its profile, files, variables):
        # a caller's session that reads no profile must not make this one read AWS_PROFILE
        bs = botocore.session.Session(
            session_vars=dict(base.session_var_map),
            event_hooks=events,
            include_builtin_handlers=False,
        )
        for var in ("profile", "config_file", "credentials_file", "data_path"):
            value = base.get_config_variable(var)
            if value is not None:
                bs.set_config_variable(var, value)
        share_data_loader(bs)
        bs.register_component(
            "credential_provider",
            botocore.credentials.CredentialResolver([_StaticProvider(credentials)]),
        )
        s = boto3.Session(botocore_session=bs, region_name=region)
        self._role_sessions[role_arn] = s
        return s


def check_endpoint_url(url: str | None, option: str = "--endpoint-url") -> str | None:
    """`url` if it is a usable endpoint (http or https, a host, a valid port), else `InputError`.

    A URL carrying credentials (``http://KEY:SECRET@host``) is refused without repeating them:
    ecrcost never stores credentials, and the endpoint is recorded in the snapshot's meta.json.
    """
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        raise InputError(f"{option}: not a valid URL (expected http(s)://host[:port])") from None
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise InputError(
            f"{option}: the URL holds credentials (user:password@); they are refused and never "
            "stored: give credentials through a profile or the environment instead"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = url if len(url) <= 80 else url[:77] + "..."
        raise InputError(
            f"{option} {shown!r}: expected http(s)://host[:port], e.g. http://127.0.0.1:5000"
        )
    return url


class _StaticProvider(botocore.credentials.CredentialProvider):
    METHOD = "assume-role"

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError ("AccessDeniedException"), else the exception type."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    return type(exc).__name__


def describe_error(exc: BaseException) -> str:
    """A one-line description of an AWS failure, for meta.json and the CLI."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        op = getattr(exc, "operation_name", "")
        msg = str(err.get("Message") or "").strip()
        return f"{op}: {error_code(exc)}: {msg}".strip(": ") if op else f"{error_code(exc)}: {msg}"
    if isinstance(exc, EndpointConnectionError):
        return f"endpoint unreachable: {exc}"
    return f"{type(exc).__name__}: {exc}"


# ---- pagination: in one place, retried per page ------------------------------------------------
# botocore's retry mode (adaptive) handles throttling, 5xx and resets first; if one still escapes
# it, the same page request is retried here (with backoff), so a listing never loses or repeats a
# page.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "LimitExceededException",
    }
)
#: AWS-shaped server errors worth another try of the same page (a bare HTTP status code, i.e. an
#: answer without an AWS error body, is not: an emulator says "not implemented" that way)
TRANSIENT_CODES = frozenset(
    {
        "ServerException",
        "InternalServerError",
        "InternalServerException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
#: extra attempts per page after botocore's own retries are exhausted
PAGE_RETRIES = 3


def transient(exc: BaseException) -> bool:
    """True for a failure the same request may not meet again: throttling, an AWS 5xx error, a
    connection closed or timed out mid-response."""
    if isinstance(exc, ClientError):
        return error_code(exc) in THROTTLING_CODES or error_code(exc) in TRANSIENT_CODES
    return isinstance(exc, ConnectionClosedError | ReadTimeoutError)


def call(
    fn: Callable[..., dict[str, Any]],
    retries: int = PAGE_RETRIES,
    sleep: Callable[[float], None] = time.sleep,
    **params: Any,
) -> dict[str, Any]:
    """`fn(**params)`, retried up to `retries` more times (2, 4, 8 s, jittered) when the failure is
    `transient` -- throttling, a 5xx, a reset connection -- after botocore's own retries."""
    for attempt in range(retries + 1):
        try:
            return fn(**params)
        except (ClientError, ConnectionClosedError, ReadTimeoutError) as e:
            if not transient(e) or attempt == retries:
                raise
            sleep(random.uniform(1, 2) * 2**attempt)
    raise AssertionError("unreachable")


def pages(
    client: Any,
    operation: str,
    *,
    token: str = "nextToken",
    sleep: Callable[[float], None] = time.sleep,
    **params: Any,
) -> Iterator[dict[str, Any]]:
    """Every page of `client.<operation>(**params)`, following the `token` field (nextToken /
    NextToken). A page that comes back with the token it was asked with would loop forever, so
    it raises RuntimeError instead."""
    fn = getattr(client, operation)
    seen: set[str] = set()
    next_token: str | None = None
    while True:
        kwargs = dict(params, **({token: next_token} if next_token else {}))
        page = call(fn, sleep=sleep, **kwargs)
        yield page
        next_token = page.get(token) or None
        if next_token is None:
            return
        if next_token in seen:
            raise RuntimeError(f"{operation}: the service returned the same {token} twice")
        seen.add(next_token)
