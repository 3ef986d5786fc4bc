"""The collector's scheduler: tasks that return their follow-up tasks, run on a thread pool.

`schedule(tasks, workers, progress)` runs `tasks` and every follow-up until none is left; with
`workers == 1` serially, in order. On the pool a task's first follow-up runs next on the same
worker (a chain such as DescribeImages -> BatchGetImage of one repository stays together) and the
others are queued. The first exception stops the run (the tasks still queued are skipped) and is
raised in the calling thread; so is Ctrl-C.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

#: progress callback: (tasks done, tasks known so far, description of the last task)
Progress = Callable[[int, int, str], None]

#: how often the progress callback hears of finished tasks (the workers never wait for it)
PROGRESS_SECONDS = 0.1


@dataclass
class Task:
    """A unit of work: `fn()` returns follow-up tasks. `label` is shown in the progress bar."""

    label: str
    fn: Callable[[], list[Task]]


def schedule(tasks: Iterable[Task], workers: int, progress: Progress | None) -> None:
    """Run `tasks` and their follow-ups; serially when workers == 1, else on a thread pool."""
    pending: deque[Task] = deque(tasks)
    done, total = 0, len(pending)

    def tick(task: Task, follow: list[Task]) -> None:
        nonlocal done, total
        done += 1
        total += len(follow)
        if progress:
            progress(done, total, task.label)

    if workers == 1:
        while pending:
            task = pending.popleft()
            follow = task.fn()
            pending.extend(follow)
            tick(task, follow)
        return
    # Workers submit their own follow-ups; the main thread only waits for the number of tasks in
    # flight to reach 0, and reports progress (a wait() over every pending future after each
    # completion spends GIL time scanning them all). The first exception stops the run.
    cond = threading.Condition()
    finished: deque[tuple[Task, list[Task]]] = deque()
    in_flight = len(pending)
    failure: list[BaseException] = []  # set: the remaining tasks are skipped

    def run(first: Task) -> None:
        # A task's first follow-up runs next on the same worker, ahead of the queue: a chain
        # (DescribeImages, then that repository's BatchGetImage) is not left for the end of the
        # run, where its parsing would follow the last round trip instead of overlapping others.
        nonlocal in_flight
        task: Task | None = first
        while task is not None:
            follow: list[Task] = []
            try:
                if not failure:
                    follow = task.fn()
            except BaseException as e:  # noqa: BLE001 -- raised in the main thread below
                with cond:
                    failure.append(e)
            with cond:
                if not failure:
                    in_flight += len(follow)
                    for t in follow[1:]:
                        pool.submit(run, t)
                in_flight -= 1
                finished.append((task, follow))
                if in_flight == 0 or failure:  # progress is read every PROGRESS_SECONDS instead
                    cond.notify()
                task = follow[0] if follow and not failure else None

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ecrcost") as pool:
        try:
            for t in pending:
                pool.submit(run, t)
            while True:
                with cond:
                    if in_flight and not failure:
                        cond.wait(PROGRESS_SECONDS if progress else None)
                    ticks = list(finished)
                    finished.clear()
                    error = failure[0] if failure else None
                    over = in_flight == 0
                for task, follow in ticks:
                    tick(task, follow)
                if error is not None:
                    raise error
                if over:
                    return
        except BaseException as e:  # Ctrl-C, or a task's error: skip what is still queued
            with cond:
                if not failure:
                    failure.append(e)
            raise
