"""Writing a benchmark's results into its marked section of docs/benchmarks.md."""

import time
from pathlib import Path

# Between timed BLAS-heavy calls of different libraries: OpenBLAS's idle worker threads
# spin (yielding) for ~2^28 cycles (~0.1 s) before they sleep, so on few cores the call
# that follows another library's takes a share of its CPU time (measured on 2 cores:
# skaccel's 2M×50 fit 0.20 s right after scikit-learn's, 0.16 s after a pause; sklearnex
# alike). A pause well past that makes the order of the round-robin not matter.
SETTLE_SECONDS = 0.3


def settle():
    """Let the previous call's BLAS threads go to sleep before the next timed call."""
    time.sleep(SETTLE_SECONDS)


def replace_section(path, name, body):
    """Replace the text between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in
    ``path`` by ``body`` (appending the section when absent), keeping everything else."""
    path = Path(path)
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"{begin}\n{body}\n{end}"
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
