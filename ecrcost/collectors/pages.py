"""Paginate in one place, retry per page.

botocore's retry mode (adaptive) handles throttling first; if throttling still escapes it, the
same page request is retried here (with backoff), so a listing never loses or repeats a page.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from ..aws import error_code

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
#: extra attempts per page after botocore's own retries are exhausted
PAGE_RETRIES = 3


def call(
    fn: Callable[..., dict[str, Any]],
    retries: int = PAGE_RETRIES,
    sleep: Callable[[float], None] = time.sleep,
    **params: Any,
) -> dict[str, Any]:
    """`fn(**params)`, retried up to `retries` more times when throttled (2, 4, 8 s, jittered)."""
    for attempt in range(retries + 1):
        try:
            return fn(**params)
        except ClientError as e:
            if error_code(e) not in THROTTLING_CODES or attempt == retries:
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
