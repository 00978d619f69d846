"""skaccel.save never loses the previous model, and readers never see a missing or partial
file: a full disk, a file-size limit, SIGKILL mid-save, concurrent writers; clear OSErrors
for what is not a regular file; symbolic links followed."""

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import skaccel
from skaccel.linear_model import Ridge

ROOT = Path(__file__).resolve().parents[1]


def small_model(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((50, 4))
    return Ridge(alpha=1.0 + seed).fit(X, X @ rng.standard_normal((4, 2)))


def big_model(n_targets=2000, n_features=5000, seed=1):
    """A Ridge of n_targets × n_features coefficients (80 MB by default)."""
    model = small_model(seed)
    rng = np.random.default_rng(seed)
    model.coef_ = rng.standard_normal((n_targets, n_features))
    model.intercept_ = rng.standard_normal(n_targets)
    model.n_features_in_ = n_features
    return model


def assert_same_model(path, model):
    loaded = skaccel.load(path)
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    np.testing.assert_array_equal(loaded.intercept_, model.intercept_)


def leftovers(directory, name="model.skm"):
    return sorted(p.name for p in Path(directory).iterdir() if p.name != name)


def test_save_replaces_the_file_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "model.skm"
    skaccel.save(small_model(0), path)
    skaccel.save(small_model(1), path)
    assert_same_model(path, small_model(1))
    assert leftovers(tmp_path) == []


def test_a_file_size_limit_mid_write_keeps_the_old_model(tmp_path):
    path = tmp_path / "model.skm"
    old = small_model(0)
    skaccel.save(old, path)
    script = textwrap.dedent(
        f"""
        import resource, sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from test_save_atomic import big_model
        import skaccel
        model = big_model()
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))
        try:
            skaccel.save(model, {str(path)!r})
        except OSError as exc:
            print(type(exc).__name__, exc.errno, exc.filename)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    name, code, filename = out.stdout.split()
    assert int(code) == errno.EFBIG and filename == str(path)
    assert_same_model(path, old)
    assert leftovers(tmp_path) == []


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A 1 MiB tmpfs (root only)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_a_full_disk_keeps_the_old_model(tiny_filesystem):
    path = tiny_filesystem / "model.skm"
    old = small_model(0)
    skaccel.save(old, path)
    with pytest.raises(OSError) as info:
        skaccel.save(big_model(n_targets=100, n_features=2000), path)  # 1.6 MB
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    assert_same_model(path, old)
    assert leftovers(tiny_filesystem) == []


SLOW_SAVE = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from test_save_atomic import big_model
    import skaccel
    model = big_model(n_targets=4000, n_features=6000)  # 192 MB
    print("ready", flush=True)
    skaccel.save(model, sys.argv[1])
    """
)


def test_sigkill_mid_save_keeps_the_old_model(tmp_path):
    path = tmp_path / "model.skm"
    old = small_model(0)
    skaccel.save(old, path)
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_SAVE, str(path), str(ROOT / "tests")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the temporary file is being written
        temporaries = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        if temporaries and temporaries[0].stat().st_size > (8 << 20):
            break
        time.sleep(0.005)
    else:
        pytest.fail("the save never started writing")
    child.send_signal(signal.SIGKILL)
    child.wait()
    # The target is the old model; what a SIGKILL leaves is the unfinished temporary.
    assert_same_model(path, old)
    assert all(
        name.startswith(".model.skm.") and name.endswith(".tmp") for name in leftovers(tmp_path)
    )


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from test_save_atomic import small_model
    import skaccel
    for _ in range(int(sys.argv[2])):
        skaccel.save(small_model(int(sys.argv[4])), sys.argv[1])
    """
)


def test_concurrent_writers_and_readers_never_see_a_missing_or_partial_file(tmp_path):
    path = tmp_path / "model.skm"
    skaccel.save(small_model(0), path)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), "60", str(ROOT / "tests"), str(seed)]
        )
        for seed in (1, 2, 3)
    ]
    expected = {seed: small_model(seed).coef_.tobytes() for seed in (0, 1, 2, 3)}
    reads = 0
    while any(w.poll() is None for w in writers):
        loaded = skaccel.load(path)  # never FileNotFoundError, never a bad checksum
        assert loaded.coef_.tobytes() in expected.values()
        reads += 1
    assert all(w.returncode == 0 for w in writers)
    assert reads > 0
    assert leftovers(tmp_path) == []


def test_refusals_are_oserrors_with_the_path(tmp_path):
    model = small_model()
    directory = tmp_path / "dir.skm"
    directory.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        skaccel.save(model, directory)
    assert info.value.filename == str(directory)
    assert directory.is_dir()
    fifo = tmp_path / "fifo.skm"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(OSError) as info:
        skaccel.save(model, fifo)
    assert time.monotonic() - started < 5 and info.value.filename == str(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # not replaced
    with pytest.raises(FileNotFoundError) as info:
        skaccel.save(model, tmp_path / "missing" / "model.skm")
    assert info.value.filename == str(tmp_path / "missing" / "model.skm")
    with pytest.raises(OSError) as info:
        skaccel.save(model, str(tmp_path / "nul\0model.skm"))
    assert info.value.errno == errno.EINVAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.skm", "fifo.skm"]


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    releases = tmp_path / "releases"
    releases.mkdir()
    target = releases / "v1.skm"
    skaccel.save(small_model(0), target)
    link = tmp_path / "current.skm"
    link.symlink_to(os.path.relpath(target, tmp_path))
    skaccel.save(small_model(1), link)
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert_same_model(target, small_model(1))
    dangling = tmp_path / "next.skm"
    dangling.symlink_to("releases/v2.skm")
    skaccel.save(small_model(2), dangling)
    assert dangling.is_symlink()
    assert_same_model(releases / "v2.skm", small_model(2))


def test_permissions_of_the_old_file_are_kept(tmp_path):
    path = tmp_path / "model.skm"
    skaccel.save(small_model(0), path)
    os.chmod(path, 0o640)
    skaccel.save(small_model(1), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_durable_save(tmp_path):
    path = tmp_path / "model.skm"
    skaccel.save(small_model(0), path, durable=True)
    assert_same_model(path, small_model(0))


@pytest.mark.parametrize("how", ["skaccel-mmap", "joblib-mmap"])
def test_models_loaded_read_only_can_be_saved(tmp_path, how):
    import joblib

    model = small_model(0)
    if how == "skaccel-mmap":
        skaccel.save(model, tmp_path / "a.skm")
        loaded = skaccel.load(tmp_path / "a.skm", mmap=True)
    else:
        joblib.dump(model, tmp_path / "a.joblib")
        loaded = joblib.load(tmp_path / "a.joblib", mmap_mode="r")
    assert not loaded.coef_.flags.writeable
    skaccel.save(loaded, tmp_path / "b.skm")
    assert_same_model(tmp_path / "b.skm", model)
    # Saving over the file it is mapped from: the mapping keeps the old inode.
    if how == "skaccel-mmap":
        skaccel.save(loaded, tmp_path / "a.skm")
        assert_same_model(tmp_path / "a.skm", model)
        np.testing.assert_array_equal(
            loaded.predict(np.ones((2, 4))), model.predict(np.ones((2, 4)))
        )
