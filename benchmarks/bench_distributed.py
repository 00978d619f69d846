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

ESTIMATORS = ("LinearRegression", "PCA", "KMeans")
# KMeans as issue 9's benchmark runs it: a fixed init array (the first rows of rank 0's
# data, the same for every fit), 30 Lloyd iterations.
KMEANS_CLUSTERS, KMEANS_ITERATIONS = 20, 30


def rows_of(seed, n, p, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p), dtype=dtype)
    y = X @ np.linspace(-1, 1, p, dtype=dtype) + 1.0
    return X, y


def args_of(name, X, y):
    return (X, y) if name == "LinearRegression" else (X,)


def params_of(name, p):
    if name != "KMeans":
        return {}
    init = rows_of(1, KMEANS_CLUSTERS, p)[0]
    return dict(n_clusters=KMEANS_CLUSTERS, init=init, n_init=1, max_iter=KMEANS_ITERATIONS, tol=0)


class CountingComm:
    """A communicator that counts the bytes this rank receives (the receive buffers of
    Allgather, the pickled objects of allgather) and forwards everything else."""

    def __init__(self, comm):
        self.comm, self.received = comm, 0

    def Allgather(self, send, receive):
        self.received += receive.nbytes
        return self.comm.Allgather(send, receive)

    def allgather(self, value):
        values = self.comm.allgather(value)
        self.received += sum(len(pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for v in values)
        return values

    def __getattr__(self, name):
        return getattr(self.comm, name)


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


def received_bytes(name, args, spmd):
    """'measured at 2 ranks / projected at 100 ranks' for one estimator."""
    measured = spmd[f"{name} bytes"]
    if name != "KMeans":
        scale = exchanged_bytes(name, args.features, 100) / exchanged_bytes(name, args.features, 2)
        return f"{measured:,} / {round(measured * scale):,}"
    labels = 4 * args.rows  # every row's label, received once whatever the ranks
    return f"{measured:,} / {(measured - labels) * 50 + labels:,}"


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
            getattr(skaccel.spmd, name)(**params_of(name, args.features)).fit(*args_of(name, X, y))
            comm.Barrier()
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
        counting = CountingComm(comm)
        model = getattr(skaccel.spmd, name)(**params_of(name, args.features))
        model.fit(*args_of(name, X, y), comm=counting)
        out[f"{name} bytes"] = counting.received
        out[f"{name} n_iter"] = int(getattr(model, "n_iter_", 0))
    if comm.rank == 0:
        print(json.dumps(out))


def single(args):
    import skaccel.cluster
    import skaccel.decomposition
    import skaccel.linear_model

    classes = {
        "LinearRegression": skaccel.linear_model.LinearRegression,
        "PCA": skaccel.decomposition.PCA,
        "KMeans": skaccel.cluster.KMeans,
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
            classes[name](**params_of(name, args.features)).fit(*args_of(name, X, y))
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
                getattr(skaccel.dask, name)(**params_of(name, args.features)).fit(
                    *args_of(name, X, y)
                )
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
            f"| {received_bytes(name, args, spmd)} |"
        )
    lines += [
        "",
        "Bytes: measured at 2 ranks (a communicator that counts what each rank receives); "
        "the 100-rank figure scales every all-gather to 100 senders. KMeans: "
        f"{KMEANS_CLUSTERS} clusters, a fixed init array, {spmd['KMeans n_iter']} Lloyd "
        "iterations; its labels_ (4 bytes per row, every row's label on every rank) are "
        "the bulk and do not grow with the ranks.",
    ]
    print("\n".join(lines))
    if not args.no_write:
        replace_section(
            Path(__file__).parents[1] / "docs" / "benchmarks.md", "distributed", "\n".join(lines)
        )


if __name__ == "__main__":
    main()
