"""Atomic writes: a snapshot, a report or a catalog file is complete or absent, never half-written.

Both helpers write into a temporary sibling (same directory, so the final rename is atomic on one
filesystem), then rename it into place. An existing destination is refused with
`OutputExistsError` unless `force`, and is then replaced only once the new content is complete.

A staging sibling is named ``.NAME.HOST.PID.XXXXXXXX`` (``.NAME.old-HOST.PID`` for the content
being replaced). A run killed outright (kill -9, power loss) cannot remove its own, so the next
write to the same destination removes those of processes of this host that no longer exist:
a 10M-image snapshot's staging copy is gigabytes.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, OutputExistsError


def _check_dest(path: str | os.PathLike[str], force: bool) -> Path:
    dest = Path(path)
    if dest.exists() and not force:
        raise OutputExistsError(f"{dest} already exists; pass --force to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def _prefix(dest: Path) -> str:
    """The staging name prefix of this process for `dest`."""
    return f".{dest.name}.{_host()}.{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep_staging(dest: Path) -> list[Path]:
    """Remove the staging siblings of `dest` left by processes of this host that are gone (see
    the module docstring); returns what was removed. Those of live processes or other hosts
    stay."""
    pattern = re.compile(
        rf"\.{re.escape(dest.name)}\.(?:old-)?{re.escape(_host())}\.(\d+)(?:\.[A-Za-z0-9_]+)?$"
    )
    removed = []
    with contextlib.suppress(OSError):
        for entry in dest.parent.iterdir():
            m = pattern.match(entry.name)
            if m and not _alive(int(m.group(1))):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
    return removed


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str], force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary directory; on success it becomes `path` (mode 0755)."""
    dest = _check_dest(path, force)
    sweep_staging(dest)
    tmp = Path(tempfile.mkdtemp(prefix=_prefix(dest), dir=dest.parent))
    try:
        yield tmp
        tmp.chmod(0o755)  # mkdtemp makes it private (0700)
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old-{_host()}.{os.getpid()}")
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], force: bool = False) -> Iterator[Path]:
    """Yield a temporary file path to write; on success it replaces `path` (mode 0644)."""
    dest = _check_dest(path, force)
    sweep_staging(dest)
    fd, name = tempfile.mkstemp(prefix=_prefix(dest), dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_writable(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Raise `InputError` unless `path` could be created: its nearest existing ancestor is a
    directory in which a temporary directory can be made and removed (checked before a long
    computation, so nothing is computed for nothing).

    The atomic writers create missing parents, so any existing ancestor will do; an existing
    `path` itself must be a directory we can replace entries in (its parent is checked)."""
    dest = Path(path)
    probe = dest.parent if dest.exists() else dest
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(f"{option} {dest}: {probe} is a file, not a directory")
    try:  # really try (permission bits say little to root, or on /proc, or a read-only mount)
        shutil.rmtree(tempfile.mkdtemp(prefix=".ecrcost-probe-", dir=probe))
    except OSError as e:
        raise InputError(
            f"{option} {dest}: cannot write there ({probe}: {e.strerror or e})"
        ) from None
    return dest
