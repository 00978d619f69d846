"""Distributed fits against the single-process fit on the same rows, on this machine.

    python benchmarks/bench_distributed.py [--rows 4000000] [--features 50] [--repeats 5]

runs, one after the other: the single-process fit; the SPMD fit under
``mpiexec -n 2`` (this script started again as ``--spmd``, each rank generating its own
half of the rows); the Dask fit on a local cluster of 2 worker processes (one thread
each) with the array persisted on the workers. Each prints medians; the table with the
bytes each rank receives per fit goes to docs/benchmarks.md (section ``distributed``).
On 2 cores no speedup is expected: the ratios are the protocol's overhead.
"""

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _report import replace_section, settle  # noqa: E402

ESTIMATORS = ("LinearRegression", "PCA")


def rows_of(seed, n, p, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p), dtype=dtype)
    y = X @ np.linspace(-1, 1, p, dtype=dtype) + 1.0
    return X, y


def args_of(name, X, y):
    return (X, y) if name == "LinearRegression" else (X,)


def exchanged_bytes(name, p, n_ranks):
    """Bytes one rank receives per SPMD fit: the pickled headers of every rank (one
    allgather) and every rank's float64 statistics (one Allgather)."""
    import skaccel.spmd
    from skaccel._distributed import _layout, _pack

    X, y = rows_of(0, 10, p)
    estimator = getattr(skaccel.spmd, name)()
    statistics_, context = estimator._shard_statistics(*args_of(name, X, y))
    layout = _layout(statistics_)
    header = len(pickle.dumps(("ok", context, layout)))
    return n_ranks * (header + _pack(statistics_, layout).nbytes)


def spmd_main(args):
    from mpi4py import MPI

    import skaccel.spmd

    comm = MPI.COMM_WORLD
    n = args.rows // comm.size + (comm.rank < args.rows % comm.size)
    X, y = rows_of(1 + comm.rank, n, args.features)
    out = {}
    for name in ESTIMATORS:
        times = []
        for _ in range(args.repeats):
            comm.Barrier()
            settle()
            comm.Barrier()
            start = time.perf_counter()
            getattr(skaccel.spmd, name)().fit(*args_of(name, X, y))
            comm.Barrier()
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
    if comm.rank == 0:
        print(json.dumps(out))


def single(args):
    import skaccel.decomposition
    import skaccel.linear_model

    classes = {
        "LinearRegression": skaccel.linear_model.LinearRegression,
        "PCA": skaccel.decomposition.PCA,
    }
    halves = [rows_of(1 + r, args.rows // 2 + (r < args.rows % 2), args.features) for r in (0, 1)]
    X = np.concatenate([h[0] for h in halves])
    y = np.concatenate([h[1] for h in halves])
    del halves
    out = {}
    for name in ESTIMATORS:
        times = []
        for _ in range(args.repeats):
            settle()
            start = time.perf_counter()
            classes[name]().fit(*args_of(name, X, y))
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
    return out


def on_dask(args):
    import dask
    import dask.array as da
    import distributed

    import skaccel.dask

    out = {}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        chunk = -(-args.rows // 4)
        blocks = [
            dask.delayed(rows_of)(1 + i, min(chunk, args.rows - i * chunk), args.features)
            for i in range(4)
        ]
        X = da.concatenate(
            [
                da.from_delayed(
                    b[0], shape=(min(chunk, args.rows - i * chunk), args.features), dtype=np.float64
                )
                for i, b in enumerate(blocks)
            ]
        ).persist()
        y = da.concatenate(
            [
                da.from_delayed(b[1], shape=(min(chunk, args.rows - i * chunk),), dtype=np.float64)
                for i, b in enumerate(blocks)
            ]
        ).persist()
        distributed.wait([X, y])
        for name in ESTIMATORS:
            times = []
            for _ in range(args.repeats):
                settle()
                start = time.perf_counter()
                getattr(skaccel.dask, name)().fit(*args_of(name, X, y))
                times.append(time.perf_counter() - start)
            out[name] = statistics.median(times)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--spmd", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.spmd:
        return spmd_main(args)
    one = single(args)
    mpiexec = Path(sys.executable).with_name("mpiexec")
    command = [str(mpiexec), "-n", "2", sys.executable, __file__, "--spmd"]
    command += ["--rows", str(args.rows), "--features", str(args.features)]
    command += ["--repeats", str(args.repeats)]
    env = dict(os.environ, OMP_NUM_THREADS="1")  # one core per rank
    spmd = json.loads(
        subprocess.run(command, capture_output=True, text=True, check=True, env=env)
        .stdout.strip()
        .splitlines()[-1]
    )
    on = on_dask(args)
    lines = [
        "## Distributed fits (skaccel.spmd, skaccel.dask)",
        "",
        f"{args.rows:,}×{args.features} float64, 2 ranks / 2 workers on this machine's 2 "
        "cores (`python benchmarks/bench_distributed.py`): medians of "
        f"{args.repeats} fits; ratio = distributed / single process (≤ 1 is faster).",
        "",
        "| estimator | single process | SPMD, 2 ranks | ratio | Dask, 2 workers | ratio "
        "| bytes received per rank per SPMD fit (2 ranks / 100 ranks) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ESTIMATORS:
        lines.append(
            f"| {name} | {one[name]:.3f} s | {spmd[name]:.3f} s | {spmd[name] / one[name]:.2f} "
            f"| {on[name]:.3f} s | {on[name] / one[name]:.2f} "
            f"| {exchanged_bytes(name, args.features, 2):,} / "
            f"{exchanged_bytes(name, args.features, 100):,} |"
        )
    print("\n".join(lines))
    if not args.no_write:
        replace_section(
            Path(__file__).parents[1] / "docs" / "benchmarks.md", "distributed", "\n".join(lines)
        )


if __name__ == "__main__":
    main()
