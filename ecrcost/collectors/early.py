"""What a collection reads while sts:GetCallerIdentity answers (see `Early`).

The base credentials' first region is collected in every unsharded run, and its first reads need
no account id: they go out with the first call instead of one round trip after it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from ..aws import Aws
from ..targets import Target
from . import ecr, registry


class Early:
    """Work for the base credentials' first region that overlaps the first call
    (sts:GetCallerIdentity, which says whose account they are), up to `calls` calls of it at
    once beside that one (the run's workers - 1, so no more requests are in flight than
    --workers says; 0 with a shard, whose targets may not include this region): that region's
    repository list (DescribeRepositories, the first call its target task makes anyway), then,
    each on a thread of its own, as many of the registry's settings as fit (`registry.SETTINGS`:
    calls that need no answer but the credentials'). And, on one more thread, the other clients
    the workers will need there, made while those calls are in flight (the workers make other
    regions' clients while their first calls wait)."""

    def __init__(self, aws: Aws, region: str, *, calls: int, pulls: bool) -> None:
        self.aws, self.region, self.pulls = aws, region, pulls
        self.prefetch = calls >= 1
        self.repositories: Future[list[dict[str, Any]]] = Future()
        #: the prefetched settings (the others are read by the registry's tasks)
        self.settings: dict[str, Future[tuple[Any, list[str]]]] = {
            name: Future() for name in registry.SETTINGS[: max(0, calls - 1)]
        }
        self.taken = False

    def jobs(self) -> list[Callable[[], None]]:
        """What to start when the first call goes out (`Aws.at_first_call`), one thread each."""
        settings = [functools.partial(self._setting, name) for name in self.settings]
        return [self._repositories, *settings, self._clients]

    def _repositories(self) -> None:
        if self.prefetch:
            _resolve(self.repositories, lambda: ecr.list_repositories(self._client()))

    def _clients(self) -> None:
        """Make the clients now, while the first calls are in flight, not after they return
        (when the target task needs the GIL)."""
        clients = [("ecr", None), ("ecr", registry.PROBE_ATTEMPTS)] + (
            [("cloudwatch", None)] if self.pulls else []
        )
        for service, attempts in clients:
            try:
                self.aws.client(service, self.region, attempts=attempts)
            except Exception:  # noqa: BLE001,S112 -- made (and fails) again where it is used
                continue

    def _client(self, attempts: int | None = None) -> Any:
        return self.aws.client("ecr", self.region, attempts=attempts)

    def _setting(self, name: str) -> None:
        _resolve(
            self.settings[name],
            lambda: registry.read_setting(
                name, self._client(), self._client(registry.PROBE_ATTEMPTS)
            ),
        )

    def take(self, t: Target) -> Early | None:
        """This prefetch if it is target `t`'s (its repositories and settings), once; else None."""
        if self.prefetch and t.role_arn is None and t.region == self.region and not self.taken:
            self.taken = True  # (target tasks run after the first call: the jobs have started)
            return self
        return None


def _resolve(future: Future[Any], fn: Callable[[], Any]) -> None:
    """Set `future` to what `fn()` returns, or to what it raises (its reader raises it)."""
    try:
        future.set_result(fn())
    except BaseException as e:  # noqa: BLE001
        future.set_exception(e)
