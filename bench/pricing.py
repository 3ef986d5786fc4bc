"""Benchmark: `ecrcost costs --by repository` at scale, against a plain DuckDB reference query.

    python bench/pricing.py                                  # 300k and 1M images
    python bench/pricing.py --sizes 1000000 --scale 10       # 1M, and 10M (1M replicated x10)
    python bench/pricing.py --sizes 100000 --cases costs-repository,reference --loop

Synthetic snapshots (`ecrcost.synthetic.synthetic_snapshot`: ~5 manifest->blob edges per image,
2,000 repositories per million images) are written once (format v2) to a temporary directory.
``--scale K`` also builds a K-times larger snapshot from the largest one by replicating its
files under K-1 new account ids with every digest id offset (new content, so 10M images carry
~50M distinct edges); it is written table by table, never held in memory whole.

Every case runs in a fresh Python process, so each peak-memory figure (VmHWM, the process
high-water mark) belongs to that case alone. Cases:

- ``costs-repository`` / ``costs-registry``: `load_snapshot` + `ecrcost.costs(snap, by="repository",
  scope=...)` (storage, egress GB, replication; the bundled catalog) -- the engine;
- ``reference``: one plain DuckDB query over the same Parquet files computing unique bytes per
  repository (images -> manifests / index children -> distinct blobs -> sum), i.e. the floor for
  this work on this machine; the engine's unique bytes are checked against it;
- ``loop-repository`` (with ``--loop``): the old baseline, a per-image Python loop over dicts
  and sets (needs the tables in memory: slow and large; use small sizes).

Every case runs as the `ecrcost` command does, without transparent huge pages
(`ecrcost.process.no_huge_pages`: the engine's kernel time otherwise varies by 3x from run to run;
the reference is not sensitive to it); ``--thp`` keeps the kernel's default instead.

Reported per case (with ``--repeat N``: the median of N runs, each in its own process, and every
run's seconds): wall and CPU seconds of the computation, load seconds (module imports, the
same for every case, are excluded and shown once), peak RSS; then the
engine / reference ratio from the same run and the growth exponent of the pricing wall time
between the smallest and the largest size (log t2/t1 / log n2/n1). Not a test: run by hand; the
numbers go in the closing note.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

GB = 2**30
REFERENCE_SQL = """
WITH img AS (
    SELECT account_id, region, repository, digest_id FROM read_parquet('{d}/images/*/*/*.parquet',
        hive_partitioning = true, hive_types = {{'account_id': VARCHAR, 'region': VARCHAR}})
), reach AS (
    SELECT account_id, region, repository, digest_id AS m FROM img
    UNION ALL
    SELECT i.account_id, i.region, i.repository, c.child_id
    FROM img i JOIN read_parquet('{d}/children.parquet') c ON c.index_id = i.digest_id
), pairs AS (
    SELECT DISTINCT r.account_id, r.region, r.repository, b.blob_id, b.size_bytes
    FROM reach r JOIN read_parquet('{d}/blobs.parquet') b ON b.manifest_id = r.m
)
SELECT account_id, region, repository, sum(size_bytes)::DOUBLE AS unique_bytes
FROM pairs GROUP BY account_id, region, repository
"""


def peak_mb() -> float:
    """This process's peak RSS (MB): VmHWM from /proc, which execve resets (ru_maxrss does not:
    Linux carries the parent's high-water mark over fork + exec, so every case would report
    the generator's peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def cpu_s() -> tuple[float, float]:
    """(user, kernel) CPU seconds of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def loop_costs(snap) -> dict[tuple[str, str, str], float]:
    """The old baseline: per-image Python loops over plain dicts and sets (unique bytes only)."""
    blobs_of: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for m, b, s in zip(
        snap.blobs["manifest_digest"],
        snap.blobs["blob_digest"],
        snap.blobs["size_bytes"],
        strict=True,
    ):
        blobs_of[m].append((b, int(s)))
    children_of: dict[str, list[str]] = defaultdict(list)
    for i, c in zip(snap.children["index_digest"], snap.children["child_digest"], strict=True):
        children_of[i].append(c)
    repo_blobs: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    imgs = snap.images
    for acc, reg, repo, digest in zip(
        imgs["account_id"], imgs["region"], imgs["repository"], imgs["digest"], strict=True
    ):
        own = repo_blobs[(acc, reg, repo)]
        for m in children_of.get(digest) or [digest]:
            for b, s in blobs_of.get(m, ()):
                own[b] = s
    return {k: float(sum(v.values())) for k, v in repo_blobs.items()}


def run_case(snapshot_dir: str, case: str, thp: bool = False) -> dict[str, float | str]:
    if not thp:
        from ecrcost.process import no_huge_pages

        no_huge_pages()
    t0 = time.perf_counter()
    import duckdb
    import pandas  # noqa: F401 -- the reference returns a DataFrame too

    import ecrcost.pricing.summary  # noqa: F401 -- imports are not part of any case's time
    import ecrcost.snapshot

    import_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), cpu_s()
    if case == "reference":
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # never print to the terminal
        load_s = 0.0
        df = con.sql(REFERENCE_SQL.format(d=snapshot_dir)).df()
        rows, unique, storage_usd = len(df), float(df["unique_bytes"].sum()), float("nan")
    else:
        snap = ecrcost.snapshot.load_snapshot(snapshot_dir)
        load_s = time.perf_counter() - t0
        kind, scope = case.split("-")
        if kind == "costs":
            df = ecrcost.pricing.summary.costs(snap, by="repository", scope=scope)
            rows, storage_usd = len(df), float(df["storage_usd"].sum())
            unique = float(df.loc[df["images"] > 0, "unique_bytes"].sum())
        else:
            res = loop_costs(snap)
            rows, unique, storage_usd = len(res), sum(res.values()), float("nan")
    total = time.perf_counter() - t0
    user, kernel = (b - a for a, b in zip(c0, cpu_s(), strict=True))
    return {
        "case": case,
        "import_seconds": round(import_s, 2),
        "seconds": round(total - load_s, 2),
        "load_seconds": round(load_s, 2),
        "total_seconds": round(total, 2),
        "cpu_seconds": round(user + kernel, 2),
        "kernel_seconds": round(kernel, 2),
        "peak_rss_mb": round(peak_mb()),
        "rows": rows,
        "storage_usd": round(storage_usd, 2),
        "unique_bytes": unique,
    }


def replicate(src: Path, dst: Path, copies: int) -> None:
    """A snapshot `copies` times larger: src's files again under new account ids, every digest
    id offset per copy (distinct content). Streams table by table (bounded memory)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    dst.mkdir()
    n_digests = pq.read_metadata(src / "digests.parquet").num_rows
    id_cols = {"digest_id", "subject_id", "manifest_id", "blob_id", "index_id", "child_id", "id"}

    def shifted(t: pa.Table, c: int, n_rows: int) -> pa.Table:
        for i, name in enumerate(t.column_names):
            col = t.column(name)
            if name in id_cols and c:
                t = t.set_column(i, name, pc.add(col, pa.scalar(c * n_digests, col.type)))
            elif name == "position" and c:
                t = t.set_column(i, name, pc.add(col, pa.scalar(c * n_rows, col.type)))
            elif name == "digest" and c:
                t = t.set_column(i, name, pc.binary_join_element_wise(col, f"~{c}", ""))
        return t

    for name in ("digests", "manifests", "blobs", "children"):
        f = pq.ParquetFile(src / f"{name}.parquet")
        with pq.ParquetWriter(dst / f"{name}.parquet", f.schema_arrow) as w:
            for c in range(copies):
                for rg in range(f.num_row_groups):
                    w.write_table(shifted(f.read_row_group(rg), c, 0))
    meta = json.loads((src / "meta.json").read_text())
    accounts = lambda a, c: a if c == 0 else f"9{c:02d}{a[3:]}"  # noqa: E731
    for name in ("repositories", "images", "pulls"):
        files = sorted((src / name).glob("account_id=*/region=*/*.parquet"))
        n_rows = sum(pq.read_metadata(f).num_rows for f in files)
        for c in range(copies):
            for f in files:
                account = f.parent.parent.name.split("=", 1)[1]
                out = dst / name / f"account_id={accounts(account, c)}" / f.parent.name
                out.mkdir(parents=True, exist_ok=True)
                pq.write_table(shifted(pq.read_table(f), c, n_rows), out / f.name)
    for key in ("targets", "registries"):
        meta[key] = [
            dict(t, account_id=accounts(t["account_id"], c))
            for c in range(copies)
            for t in meta[key]
        ]
    (dst / "meta.json").write_text(json.dumps(meta))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="300000,1000000", help="images per synthetic snapshot")
    ap.add_argument(
        "--scale", type=int, default=0, help="also the largest size x SCALE (replicated)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cases", default="costs-repository,costs-registry,reference")
    ap.add_argument("--loop", action="store_true", help="also the per-image Python loop")
    ap.add_argument(
        "--repeat", type=int, default=1, help="run each case N times (own process each): median"
    )
    ap.add_argument("--keep", default=None, help="write the snapshots here (reused if present)")
    ap.add_argument(
        "--thp", action="store_true", help="keep transparent huge pages (the kernel's default)"
    )
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.snapshot, args.case, args.thp)))
        return

    from ecrcost.snapshot_files import file_size
    from ecrcost.synthetic import synthetic_snapshot

    tmp = Path(args.keep or tempfile.mkdtemp(prefix="ecrcost-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    snaps: list[tuple[int, Path]] = []
    try:
        for n in sizes:
            path = tmp / f"snap-{n}"
            if not path.exists():
                t0 = time.perf_counter()
                snap = synthetic_snapshot(images=n, repositories=max(20, n // 500), seed=args.seed)
                snap.write(path)
                print(
                    f"wrote {n:,} images, {len(snap.blobs):,} edges in {time.perf_counter() - t0:.0f} s"
                )
                del snap
            snaps.append((n, path))
        if args.scale > 1:
            n, src = snaps[-1]
            path = tmp / f"snap-{n * args.scale}"
            if not path.exists():
                t0 = time.perf_counter()
                replicate(src, path, args.scale)
                print(f"replicated x{args.scale} in {time.perf_counter() - t0:.0f} s")
            snaps.append((n * args.scale, path))
        cases = args.cases.split(",") + (["loop-repository"] if args.loop else [])
        results: dict[tuple[int, str], dict] = {}
        for n, path in snaps:
            print(f"\n{n:,} images, snapshot {file_size(path) / 2**20:,.0f} MiB on disk")
            imports = []
            for case in cases:
                runs = []
                for _ in range(args.repeat):
                    out = subprocess.run(
                        [sys.executable, __file__, "--case", case, "--snapshot", str(path)]
                        + (["--thp"] if args.thp else []),
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                r = sorted(runs, key=lambda x: x["seconds"])[len(runs) // 2]  # the median run
                if args.repeat > 1:
                    r["all_seconds"] = [x["seconds"] for x in runs]
                results[(n, case)] = r
                imports.append(r["import_seconds"])
                spread = (
                    f" (runs: {', '.join(f'{x:.2f}' for x in r['all_seconds'])})"
                    if "all_seconds" in r
                    else ""
                )
                print(
                    f"  {case:17s} {r['seconds']:7.2f} s wall ({r['cpu_seconds']:6.2f} s CPU, "
                    f"{r['kernel_seconds']:.2f} s of it kernel), "
                    f"load {r['load_seconds']:.2f} s, total {r['total_seconds']:.2f} s, "
                    f"peak RSS {r['peak_rss_mb']:,} MB, {r['rows']:,} rows{spread}"
                )
            print(f"  (imports: {min(imports):.2f}-{max(imports):.2f} s per process, not counted)")
            ref = results.get((n, "reference"))
            for case in cases:
                r = results[(n, case)]
                if ref and case != "reference":
                    same = math.isclose(r["unique_bytes"], ref["unique_bytes"], rel_tol=1e-9)
                    if case.endswith("registry"):
                        same = "n/a (registry scope)"
                    print(
                        f"  {case} / reference = {r['seconds'] / ref['seconds']:.2f}x wall "
                        f"({r['total_seconds'] / ref['seconds']:.2f}x with load); "
                        f"unique bytes agree: {same}"
                    )
        if len(snaps) > 1:
            (n1, _), (n2, _) = snaps[0], snaps[-1]
            for case in cases:
                a, b = results[(n1, case)], results[(n2, case)]
                k = math.log(b["seconds"] / a["seconds"]) / math.log(n2 / n1)
                print(f"growth exponent {case} {n1:,} -> {n2:,}: {k:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
