"""ecrcost.process: the `ecrcost` command's process runs without transparent huge pages; the
library leaves its caller's process alone."""

import subprocess
import sys

LINUX = sys.platform.startswith("linux")
STATUS = "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('THP_enabled')])"


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_no_huge_pages_turns_them_off_for_the_process():
    if not LINUX:  # no such switch: nothing is changed and it says so
        assert _run("from ecrcost.process import no_huge_pages; print(no_huge_pages())") == "False"
        return
    assert _run(STATUS) in ("['1']", "[]")  # on by default ([] on kernels before 5.0)
    got = _run(f"from ecrcost.process import no_huge_pages; print(no_huge_pages()); {STATUS}")
    assert got in ("['0']", "[]")
    assert _run("from ecrcost.process import no_huge_pages; print(no_huge_pages())") == "True"


def test_the_command_turns_them_off_and_the_library_does_not():
    if not LINUX:
        return  # (the test above covers other platforms)
    command = (
        "import sys; sys.argv = ['ecrcost', '--version']\n"
        "from ecrcost.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from ecrcost.process import _prctl, PR_GET_THP_DISABLE; print(_prctl(PR_GET_THP_DISABLE))"
    )
    assert _run(command) == "1"
    library = (
        "import ecrcost, ecrcost.storage\n"
        "from ecrcost.snapshot_files import duckdb_connect\n"
        "duckdb_connect().sql('SELECT 42').fetchall()\n"
        "from ecrcost.process import _prctl, PR_GET_THP_DISABLE; print(_prctl(PR_GET_THP_DISABLE))"
    )
    assert _run(library) == "0"


def test_heap_frozen_freezes_for_the_block_only_and_leaves_a_callers_freeze_alone():
    import gc

    from ecrcost.process import heap_frozen

    assert gc.get_freeze_count() == 0
    with heap_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0

    @heap_frozen()
    def work() -> int:
        return gc.get_freeze_count()

    assert work() > 0 and gc.get_freeze_count() == 0
    gc.freeze()  # the process froze objects of its own: they stay frozen
    try:
        frozen = gc.get_freeze_count()
        with heap_frozen():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    try:  # an exception in the block unfreezes too
        with heap_frozen():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.get_freeze_count() == 0
