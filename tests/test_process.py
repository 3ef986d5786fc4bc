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
