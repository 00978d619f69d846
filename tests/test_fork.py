"""A fork()ed child of a process that ran threaded kernels fits and predicts (prefork
servers, multiprocessing's fork start method, gunicorn --preload): skaccel's thread pool
gives the child a fresh pool, where GNU libgomp hung forever."""

import multiprocessing
import os
import select
import signal

import numpy as np
import pytest

from skaccel.decomposition import PCA
from skaccel.linear_model import LinearRegression, Ridge

# Enough rows for the kernels to use every thread of the pool (and BLAS's threads).
N_ROWS = 120_000


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_ROWS, 20))
    return X, X @ rng.standard_normal(20) + 1.0


def work():
    """What a child does: fit and predict with threaded kernels."""
    X, y = data(1)
    model = Ridge().fit(X, y)
    return model.predict(X).sum(), PCA(3).fit(X).transform(X[:1000]).sum()


def _child(queue):
    queue.put(work())


@pytest.fixture(autouse=True)
def threaded_parent():
    X, y = data()
    LinearRegression(n_jobs=-1).fit(X, y).predict(X)
    PCA(3).fit(X)


def test_multiprocessing_fork_children_compute():
    expected = work()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_child, args=(queue,)) for _ in range(2)]
    for child in children:
        child.start()
    results = [queue.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    for result in results:
        np.testing.assert_allclose(result, expected, rtol=1e-12)


def test_os_fork_child_and_grandchild_compute():
    expected = work()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: fit, then fork again and let the grandchild fit too
        try:
            work()
            grandchild = os.fork()
            if grandchild == 0:
                os.write(write, repr(work()).encode() + b"\n")
                os._exit(0)
            _, status = os.waitpid(grandchild, 0)
            os._exit(0 if os.waitstatus_to_exitcode(status) == 0 else 1)
        except BaseException:
            os._exit(2)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 120)
    if not ready:  # a hang (libgomp's): fail instead of blocking the suite
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child did not finish in 120 s")
    with os.fdopen(read) as f:
        line = f.readline()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    np.testing.assert_allclose(eval(line, {"np": np}), expected, rtol=1e-12)


def test_a_fork_while_another_thread_fits_a_logistic_model():
    """A child forked while another thread is inside LogisticRegression's solver (scipy's
    BLAS held single-threaded by a counted scope) gets scipy's thread counts back: the
    thread that would end the scope does not exist in the child."""
    import threading

    from skaccel._threadpool import _scipy_blas_controllers, scipy_blas_single_threaded
    from skaccel.linear_model import LogisticRegression

    X, y = data(2)
    labels = (y > np.median(y)).astype(int)
    before = [lib.num_threads for lib in _scipy_blas_controllers()]
    inside, release = threading.Event(), threading.Event()

    def fitting_thread():
        with scipy_blas_single_threaded():
            inside.set()
            release.wait(60)

    thread = threading.Thread(target=fitting_thread)
    thread.start()
    try:
        assert inside.wait(10)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                LogisticRegression().fit(X[:2000], labels[:2000])
                counts = [lib.num_threads for lib in _scipy_blas_controllers()]
                os.write(write, repr(counts).encode() + b"\n")
                os._exit(0)
            except BaseException:
                os._exit(2)
        os.close(write)
        ready, _, _ = select.select([read], [], [], 60)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child's LogisticRegression fit did not finish in 60 s")
        with os.fdopen(read) as f:
            in_child = eval(f.read())
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        release.set()
        thread.join()
    assert in_child == before
    assert [lib.num_threads for lib in _scipy_blas_controllers()] == before
