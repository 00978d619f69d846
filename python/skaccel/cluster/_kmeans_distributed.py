"""KMeans fitted over many processes (skaccel._distributed, reducer protocol).

Every pass over the rows is a function of one shard (module-level, so that Dask can ship
it): the driver, replicated on every process, holds the random stream and the centers,
and takes from the shards only what scikit-learn's single-process fit computes from all
rows -- column sums, the per-cluster sums and weights of each Lloyd iteration, the rows
farthest from their centers for empty clusters, and for the seeding the rows at given
positions of a cumulative weight. So the random draws are scikit-learn's, in its order,
and the model is the single-process model of the concatenated rows, up to the rounding
of sums taken in another order.
"""

from __future__ import annotations

import dataclasses
import functools
import secrets

import numpy as np
from sklearn.metrics.pairwise import _euclidean_distances
from sklearn.utils.extmath import row_norms

from .. import _core


@dataclasses.dataclass
class Shard:
    """One process's (or block's) validated rows, and the fit's per-row state."""

    X: np.ndarray
    sample_weight: np.ndarray | None  # None: unit weights
    token: bytes = dataclasses.field(default_factory=lambda: secrets.token_bytes(16))
    # k-means++: squared distances to the nearest center so far, their weighted cumulative
    # sums, and the candidates' distances; random init: the rows' remaining probabilities.
    closest: np.ndarray | None = None
    cumulative: np.ndarray | None = None
    trials: np.ndarray | None = None
    x_squared_norms: np.ndarray | None = None
    # Lloyd: the labels of this and of the previous assignment, the shard's sums, and the
    # labels of the best run so far.
    labels: np.ndarray | None = None
    changed: int = 0
    sums: np.ndarray | None = None
    best_labels: np.ndarray | None = None

    def weights(self):
        """The rows' weights in X's dtype (ones for unit weights), as scikit-learn's
        _check_sample_weight gives them."""
        if self.sample_weight is None:
            return np.ones(self.X.shape[0], dtype=self.X.dtype)
        return self.sample_weight


def _with(shard, **changes):
    return dataclasses.replace(shard, **changes)


# --- statistics of all rows -----------------------------------------------------------------


def column_sums(shard):
    """[rows, Σ weights, Σ x (p)], in float64."""
    X = shard.X
    return np.concatenate(
        [[X.shape[0], shard.weights().sum(dtype=np.float64)], X.sum(axis=0, dtype=np.float64)]
    )


def spread(mean, shard, block_rows=65_536):
    """Σ (x − mean)² per column, in float64 (a block of rows at a time: no copy of X)."""
    total = np.zeros(shard.X.shape[1])
    for start in range(0, shard.X.shape[0], block_rows):
        block = shard.X[start : start + block_rows].astype(np.float64) - mean
        total += np.einsum("ij,ij->j", block, block)
    return total


def positive_weights(shard):
    return [np.count_nonzero(shard.weights() > 0)]


# --- picking rows at positions of a cumulative weight ---------------------------------------


def cumulative_total(shard):
    """(token, the shard's total cumulative weight, rows)."""
    cumulative = shard.cumulative
    total = float(cumulative[-1]) if cumulative.shape[0] else 0.0
    return shard.token, total, cumulative.shape[0]


def rows_at(requests, shard):
    """[(slot, local row, the row)] for this shard's requests {token: [(slot, value,
    side)]}: the row where the shard's cumulative weight passes value (NumPy's
    searchsorted on the global cumulative sum, shifted to this shard)."""
    out = []
    for slot, value, side in requests.get(shard.token, ()):
        row = int(np.searchsorted(shard.cumulative, value, side=side))
        row = min(row, shard.cumulative.shape[0] - 1)
        out.append((slot, row, shard.X[row].copy()))
    return out


def pick_rows(reducer, targets, side, dtype, n_features):
    """The rows at global positions ``targets`` of the shards' concatenated cumulative
    weights, as ``np.searchsorted(cumulative, targets, side)`` (clipped to the last row)
    picks them from one array: (rows (m, p) in dtype, [(shard number, local row)])."""
    totals = reducer.gather(cumulative_total)  # [(token, total, rows)], in shard order
    starts = np.concatenate([[0.0], np.cumsum([total for _, total, _ in totals])[:-1]])
    nonempty = [i for i, (_, _, rows) in enumerate(totals) if rows]
    ends = [(i, starts[i] + totals[i][1]) for i in nonempty]
    requests, owners = {}, []
    for slot, target in enumerate(targets):
        owner = next(
            (i for i, end in ends if (end > target if side == "right" else end >= target)),
            nonempty[-1],  # past the end by rounding: the last row, as scikit-learn clips
        )
        requests.setdefault(totals[owner][0], []).append((slot, target - starts[owner], side))
        owners.append(owner)
    found = [
        entry for part in reducer.gather(functools.partial(rows_at, requests)) for entry in part
    ]
    rows = np.empty((len(targets), n_features), dtype=dtype)
    local = [0] * len(targets)
    for slot, row, values in found:
        rows[slot], local[slot] = values, row
    return rows, list(zip(owners, local, strict=True))


# --- k-means++ (scikit-learn's _kmeans_plusplus, greedy local trials) -----------------------


def seed_probabilities(total_weight, shard):
    """The shard with its cumulative first-seed probabilities: scikit-learn draws the first
    seed by ``choice(n, p=sample_weight / sample_weight.sum())``."""
    p = (shard.weights() / shard.weights().dtype.type(total_weight)).astype(np.float64)
    return _with(shard, cumulative=np.cumsum(p), x_squared_norms=row_norms(shard.X, squared=True))


def _distances(centers, shard):
    if not shard.X.shape[0]:  # (scikit-learn's float32 path cannot batch no rows)
        return np.empty((centers.shape[0], 0), dtype=shard.X.dtype)
    return _euclidean_distances(
        centers, shard.X, Y_norm_squared=shard.x_squared_norms, squared=True
    )


def first_seed(center, shard):
    """The shard's squared distances to the first seed, and their weighted cumulative sum."""
    closest = _distances(center[np.newaxis], shard)[0]
    return _with(shard, closest=closest, cumulative=np.cumsum(shard.weights() * closest))


def potential(shard):
    return [shard.closest @ shard.weights()] if shard.X.shape[0] else [0.0]


def try_candidates(candidates, shard):
    """The shard's squared distances to the nearest center if each candidate were added."""
    trials = _distances(candidates, shard)
    np.minimum(shard.closest, trials, out=trials)
    return _with(shard, trials=trials)


def trial_potentials(shard):
    if not shard.X.shape[0]:
        return np.zeros(shard.trials.shape[0])
    return shard.trials @ shard.weights()


def keep_candidate(best, shard):
    closest = shard.trials[best]
    return _with(
        shard, closest=closest, trials=None, cumulative=np.cumsum(shard.weights() * closest)
    )


def kmeans_plusplus(reducer, n_clusters, random_state, total_weight, dtype, n_features):
    """scikit-learn's k-means++ seeds (uncentred rows), every pass over the rows a sum or a
    gather over the shards; the random stream is consumed as scikit-learn consumes it."""
    n_local_trials = 2 + int(np.log(n_clusters))
    centers = np.empty((n_clusters, n_features), dtype=dtype)
    reducer.update(functools.partial(seed_probabilities, total_weight))
    # choice(n, p=...) draws one uniform and takes the first row whose cumulative
    # probability exceeds it.
    uniform = random_state.random_sample()
    total = sum(total for _, total, _ in reducer.gather(cumulative_total))
    first, _ = pick_rows(reducer, [uniform * total], "right", dtype, n_features)
    centers[0] = first[0]
    reducer.update(functools.partial(first_seed, centers[0]))
    current_potential = float(reducer.sum(potential, 1)[0])
    for c in range(1, n_clusters):
        targets = random_state.uniform(size=n_local_trials) * current_potential
        candidates, _ = pick_rows(reducer, targets, "left", dtype, n_features)
        reducer.update(functools.partial(try_candidates, candidates))
        potentials = reducer.sum(trial_potentials, n_local_trials)
        best = int(np.argmin(potentials))
        current_potential = float(potentials[best])
        reducer.update(functools.partial(keep_candidate, best))
        centers[c] = candidates[best]
    reducer.update(functools.partial(_with, closest=None, cumulative=None, x_squared_norms=None))
    return centers


# --- init="random": choice(n, size=k, replace=False, p=sample_weight / Σ) --------------------


def remaining_probabilities(total_weight, shard):
    p = (shard.weights() / shard.weights().dtype.type(total_weight)).astype(np.float64)
    return _with(shard, closest=p, cumulative=np.cumsum(p))


def drop_rows(chosen, shard_numbers, shard):
    """The shard without the chosen rows' probabilities (chosen: [(shard number, row)]);
    ``shard_numbers`` maps tokens to shard numbers."""
    mine = [row for owner, row in chosen if owner == shard_numbers[shard.token]]
    p = shard.closest.copy()
    p[mine] = 0.0
    return _with(shard, closest=p, cumulative=np.cumsum(p))


def shard_tokens(shard):
    return shard.token


def random_centers(reducer, n_clusters, random_state, total_weight, n_positive, dtype, n_features):
    """The rows NumPy's legacy ``choice(n, size=k, replace=False, p=...)`` picks: uniforms
    in batches, each batch's rows by the cumulative probability of the rows not yet
    chosen, repeated rows dropped in order of first appearance."""
    if n_positive < n_clusters:
        raise ValueError("Fewer non-zero entries in p than size")
    shard_numbers = {token: i for i, token in enumerate(reducer.gather(shard_tokens))}
    reducer.update(functools.partial(remaining_probabilities, total_weight))
    centers = np.empty((n_clusters, n_features), dtype=dtype)
    chosen = []
    while len(chosen) < n_clusters:
        uniforms = random_state.rand(n_clusters - len(chosen))
        if chosen:
            reducer.update(functools.partial(drop_rows, list(chosen), shard_numbers))
        total = sum(total for _, total, _ in reducer.gather(cumulative_total))
        rows, where = pick_rows(reducer, uniforms * total, "right", dtype, n_features)
        seen = set()
        for values, position in zip(rows, where, strict=True):
            if position in seen:
                continue
            seen.add(position)
            centers[len(chosen)] = values
            chosen.append(position)
    reducer.update(functools.partial(_with, closest=None, cumulative=None))
    return centers


# --- Lloyd's iterations (the core's lloyd, step by step) -------------------------------------


def start_run(shard):
    return _with(shard, labels=np.full(shard.X.shape[0], -1, dtype=np.int32))


def assign(centers, offset, threads, shard):
    """The shard's labels for the centers, how many changed, and its sums and weights."""
    labels = np.empty(shard.X.shape[0], dtype=np.int32)
    out = _core.kmeans_assign(shard.X, offset, shard.sample_weight, centers, labels, threads)
    changed = int(np.count_nonzero(labels != shard.labels))
    sums = np.concatenate([out["sums"].reshape(-1), out["weights"]])
    return _with(shard, labels=labels, changed=changed, sums=sums)


def lloyd_statistics(shard):
    return np.concatenate([shard.sums, [shard.changed]])


def farthest(centers, offset, count, threads, shard):
    """The shard's ``count`` rows farthest from their centers: [(squared distance, local
    row, the row minus offset in float64, its weight, its label)]."""
    rows, distances = _core.kmeans_farthest(shard.X, offset, centers, shard.labels, count, threads)
    weights = shard.weights()
    return [
        (
            float(d),
            int(r),
            (shard.X[r] - offset).astype(np.float64),
            float(weights[r]),
            int(shard.labels[r]),
        )
        for r, d in zip(rows, distances, strict=True)
    ]


def relocate_empty_clusters(reducer, sums, weights, centers, offset, threads):
    """scikit-learn's _relocate_empty_clusters_dense over all shards: each empty cluster
    takes the farthest row of all (the lower row of the concatenation among equals),
    farthest first, moving the row's weighted sum out of its cluster."""
    empty = np.flatnonzero(weights == 0.0)
    if not empty.size:
        return
    parts = reducer.gather(functools.partial(farthest, centers, offset, int(empty.size), threads))
    candidates = [(-entry[0], number, entry[1], entry) for number, part in enumerate(parts)
                  for entry in part]  # fmt: skip
    candidates.sort(key=lambda c: c[:3])
    if not candidates or candidates[0][3][0] == 0.0:
        return  # every row at its center: scikit-learn leaves the clusters empty
    for to, (_, _, _, (_, _, x, w, source)) in zip(empty, candidates, strict=False):
        sums[source] -= x * w
        sums[to] = x * w
        weights[to] = w
        weights[source] -= w


def labelled_inertia(centers, offset, threads, shard):
    return [
        _core.kmeans_labelled_inertia(
            shard.X, offset, shard.sample_weight, centers, shard.labels, threads
        )
    ]


def lloyd(reducer, centers, offset, max_iter, tol, threads):
    """One run of the core's lloyd over the shards: (centers, inertia, n_iter); the shards
    keep the run's labels."""
    k, p = centers.shape
    reducer.update(start_run)
    strict_convergence = False
    iteration = 0
    for iteration in range(max_iter):  # noqa: B007 (n_iter below)
        reducer.update(functools.partial(assign, centers, offset, threads))
        statistics = reducer.sum(lloyd_statistics, k * p + k + 1)
        sums = statistics[: k * p].reshape(k, p).copy()
        weights = statistics[k * p : k * p + k].copy()
        changed = statistics[-1]
        relocate_empty_clusters(reducer, sums, weights, centers, offset, threads)
        centers, shift = _core.kmeans_average(sums, weights, centers)
        if changed == 0:
            strict_convergence = True
            break
        if shift <= tol:
            break
    n_iter = min(iteration + 1, max_iter)
    if not strict_convergence:  # the labels of the final centers
        reducer.update(functools.partial(assign, centers, offset, threads))
    inertia = float(
        reducer.sum(functools.partial(labelled_inertia, centers, offset, threads), 1)[0]
    )
    return centers, inertia, n_iter


# --- n_init: the best of several runs -------------------------------------------------------


def label_pairs(n_clusters, shard):
    """The distinct (label, best run's label) pairs of the shard's rows, as codes."""
    return np.unique(shard.labels.astype(np.int64) * n_clusters + shard.best_labels)


def keep_labels(shard):
    return _with(shard, best_labels=shard.labels)


def best_labels(shard):
    return shard.best_labels


def same_clustering(reducer, n_clusters):
    """scikit-learn's _is_same_clustering of the current and the best run's labels over
    all rows: every label of one maps to a single label of the other."""
    codes = np.unique(np.concatenate(reducer.gather(functools.partial(label_pairs, n_clusters))))
    first = codes // n_clusters
    return bool(np.unique(first).shape[0] == first.shape[0])
