"""Save/load of a large multi-target Ridge: skaccel model file (plain and mmap), pickle
protocol 5, joblib and skops, against the physical bound of one plain write.

Each measurement runs in a fresh process, so peak RSS (VmHWM) is that of the operation
alone. Usage: python benchmarks/bench_persistence.py [--features N] [--targets T]
[--repeat R] [--output docs/benchmarks.md]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _report import replace_section

# Runs in a child process: prints {"seconds": s, "peak_delta": bytes, "model_bytes": b}.
CHILD = textwrap.dedent(
    r"""
    import json, os, pickle, sys, time
    import numpy as np

    def rss(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1]) * 1024

    method, op, path = sys.argv[1:4]
    p, t = int(sys.argv[4]), int(sys.argv[5])
    import joblib, skaccel, skops.io as sio
    from skaccel.linear_model import Ridge

    def make_model():
        rng = np.random.default_rng(0)
        model = Ridge().fit(rng.random((20, 3)), rng.random((20, 2)))
        model.coef_ = rng.random((t, p))
        model.intercept_ = rng.random(t)
        model.n_features_in_ = p
        return model

    model = make_model() if op == "save" else None
    before = rss("VmRSS:")
    start = time.perf_counter()
    if op == "save":
        if method == "plain write":  # over the old file (truncated first)
            with open(path, "wb") as f:
                f.write(memoryview(model.coef_).cast("B"))
        elif method == "plain write + rename":  # a new file renamed over the old one
            with open(path + ".new", "wb") as f:
                f.write(memoryview(model.coef_).cast("B"))
            os.rename(path + ".new", path)
        elif method == "skaccel file":
            skaccel.save(model, path)
        elif method == "skaccel file durable":
            skaccel.save(model, path, durable=True)
        elif method == "pickle p5":
            with open(path, "wb") as f:
                pickle.dump(model, f, protocol=5)
        elif method == "joblib":
            joblib.dump(model, path)
        elif method == "skops":
            sio.dump(model, path)
    else:
        if method == "skaccel file":
            model = skaccel.load(path)
        elif method == "skaccel file mmap":
            model = skaccel.load(path, mmap=True)  # checksums verified (the default)
        elif method == "skaccel file mmap no-verify":
            model = skaccel.load(path, mmap=True, verify=False)
        elif method == "pickle p5":
            with open(path, "rb") as f:
                model = pickle.load(f)
        elif method == "joblib":
            model = joblib.load(path)
        elif method == "joblib mmap":
            model = joblib.load(path, mmap_mode="r")
        elif method == "skops":
            model = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    seconds = time.perf_counter() - start
    assert model.coef_.shape == (t, p)
    print(json.dumps({"seconds": seconds, "peak_delta": rss("VmHWM:") - before,
                      "model_bytes": model.coef_.nbytes + model.intercept_.nbytes}))
    """
)

FILES = {
    "plain write": "plain.bin",
    "plain write + rename": "plain-renamed.bin",
    "skaccel file": "model.skm",
    "skaccel file durable": "model.skm",
    "skaccel file mmap": "model.skm",
    "skaccel file mmap no-verify": "model.skm",
    "pickle p5": "model.pkl",
    "joblib": "model.joblib",
    "joblib mmap": "model.joblib",
    "skops": "model.skops",
}
SAVES = [
    "plain write",
    "plain write + rename",
    "skaccel file",
    "skaccel file durable",
    "pickle p5",
    "joblib",
    "skops",
]
LOADS = [
    "skaccel file",
    "skaccel file mmap",
    "skaccel file mmap no-verify",
    "pickle p5",
    "joblib",
    "joblib mmap",
    "skops",
]
SETTLE_SECONDS = 4.0
PYTHON = sys.executable  # --python: another environment's skaccel (e.g. a former release)


def run(method, op, folder, p, t):
    # Flush the previous runs' dirty pages first (untimed), so that no write is throttled
    # by the kernel's writeback of another method's file. Then wait until the memory that
    # the previous run freed is no longer "just freed": on a VM whose balloon reports free
    # pages to the host (virtio free page reporting, ~2 s after the free), a write into
    # reported pages faults on the host, into just-freed ones it does not, so without the
    # wait each method's time would depend on what the method before it freed.
    os.sync()
    time.sleep(SETTLE_SECONDS)
    out = subprocess.run(
        [PYTHON, "-c", CHILD, method, op, str(folder / FILES[method]), str(p), str(t)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(p, t, repeat, folder, methods):
    results = {}
    for _ in range(repeat):  # round-robin: noise hits every method alike
        for method in SAVES:
            if method in methods:
                results.setdefault(("save", method), []).append(run(method, "save", folder, p, t))
        for method in LOADS:
            if method in methods:
                results.setdefault(("load", method), []).append(run(method, "load", folder, p, t))
    return results


def _seconds(seconds):
    return f"{seconds * 1e3:.2f} ms" if seconds < 0.1 else f"{seconds:.3f}"


def table(results, p, t):
    model_bytes = next(iter(results.values()))[0]["model_bytes"]
    plain = statistics.median(r["seconds"] for r in results[("save", "plain write")])
    pickle_save = statistics.median(r["seconds"] for r in results[("save", "pickle p5")])
    lines = [
        f"Ridge with {t:,} targets × {p:,} features: {model_bytes / 1e6:,.0f} MB of "
        "coefficients (float64). Median of the runs, and the fastest and slowest; peak RSS "
        "is the rise of the process's high-water mark during the operation, relative to "
        "the model's bytes.",
        "",
        "| operation | method | time (s) | min–max (s) | vs plain write | vs pickle p5 "
        "| peak RSS / model |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (op, method), runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = statistics.median(r["peak_delta"] for r in runs) / model_bytes
        rel_plain = f"{seconds / plain:.2f}×" if op == "save" else ""
        rel_pickle = f"{seconds / pickle_save:.2f}×" if op == "save" else ""
        low = min(r["seconds"] for r in runs)
        high = max(r["seconds"] for r in runs)
        lines.append(
            f"| {op} | {method} | {_seconds(seconds)} | {_seconds(low)}–{_seconds(high)} "
            f"| {rel_plain} | {rel_pickle} | {peak:.2f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--features", type=int, default=10_000)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", default=None, help="update this Markdown file")
    parser.add_argument("--python", default=sys.executable, help="the Python whose skaccel runs")
    parser.add_argument("--section", default="persistence", help="the section of --output")
    parser.add_argument("--title", default="Saving and loading a large model")
    parser.add_argument(
        "--methods",
        default=",".join(FILES),
        help="comma-separated subset (the plain writes and pickle p5 are always kept)",
    )
    args = parser.parse_args()
    global PYTHON
    PYTHON = args.python
    methods = set(args.methods.split(",")) | {"plain write", "plain write + rename", "pickle p5"}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        results = measure(args.features, args.targets, args.repeat, Path(tmp), methods)
    body = table(results, args.features, args.targets)
    where = os.environ.get("BENCH_TMP")
    prefix = f"BENCH_TMP={where} " if where else ""
    python = "" if args.python == sys.executable else f" --python {args.python}"
    if args.methods != parser.get_default("methods"):
        python += f' --methods "{args.methods}"'
    body += (
        f"\n\nCommand: `{prefix}python benchmarks/bench_persistence.py --features "
        f"{args.features} --targets {args.targets} --repeat {args.repeat}{python}` (files in "
        f"{where or 'the system temporary folder'}; `os.sync()` before each run so that no "
        "write waits for another's writeback; the page cache holds the files, so load times "
        "are those of serialization, copies and page faults, not of the disk)."
    )
    print(body)
    if args.output:
        replace_section(args.output, args.section, f"## {args.title}\n\n" + body)


if __name__ == "__main__":
    main()
