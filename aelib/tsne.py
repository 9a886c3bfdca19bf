"""t-SNE (and symmetric SNE) in PyTorch, with scikit-learn's estimator interface.

``TSNE(method="exact")`` is the O(N^2) textbook algorithm of van der Maaten & Hinton (2008),
written to be read. ``method="fast"`` keeps the same optimiser but computes the forces
approximately: attraction over the sparse k-nearest-neighbour affinities only, repulsion
by interpolating the points onto a grid and convolving with the kernel by FFT (the idea of
FIt-SNE, Linderman et al. 2019), which costs O(N + G^2 log G) per iteration.

Both follow scikit-learn's optimisation recipe (PCA initialisation, early exaggeration 12
for 250 iterations with momentum 0.5, then momentum 0.8, per-parameter gains, learning
rate ``max(N / exaggeration / 4, 50)``), so results are comparable.

Explained in chapter 1, `chapters/01_tsne.ipynb`.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import Tensor

from . import config, validate

MACHINE_EPSILON = float(np.finfo(np.double).eps)
EXPLORATION_ITERATIONS = 250


# ----------------------------------------------------------------------------- affinities


def squared_distances(X: Tensor, Z: Tensor | None = None) -> Tensor:
    """(N, D), (M, D) -> (N, M) squared Euclidean distances; Z defaults to X, and then the
    (N, N) result is exactly zero on the diagonal."""
    if Z is None:
        return squared_distances(X, X).fill_diagonal_(0)
    d2 = X.pow(2).sum(1)[:, None] + Z.pow(2).sum(1)[None, :] - 2 * X @ Z.T
    return d2.clamp_min(0)


def conditional_probabilities(d2: Tensor, perplexity: float, *, tol: float = 1e-5,
                              max_steps: int = 100, self_column: bool = True) -> Tensor:
    """p_{j|i} = exp(-beta_i d2_ij) / sum_{k != i} exp(-beta_i d2_ik), row by row.

    Each beta_i = 1 / (2 sigma_i^2) is found by bisection so that the entropy of row i is
    log(perplexity) (natural log), as in scikit-learn. ``d2`` holds squared distances:
    (N, N) with the diagonal ignored (``self_column=True``), or (N, k) to the k nearest
    neighbours. All rows are searched at once.
    """
    n = d2.shape[0]
    target = math.log(perplexity)
    beta = torch.ones(n, dtype=d2.dtype, device=d2.device)
    lo = torch.full_like(beta, -math.inf)
    hi = torch.full_like(beta, math.inf)
    final_beta = beta.clone()
    active = torch.ones(n, dtype=torch.bool, device=d2.device)
    off_diagonal = None
    if self_column:
        off_diagonal = ~torch.eye(n, dtype=torch.bool, device=d2.device)
    for _ in range(max_steps):
        p = torch.exp(-d2 * beta[:, None])
        if off_diagonal is not None:
            p = p * off_diagonal
        row_sum = p.sum(1).clamp_min(1e-8)
        entropy = torch.log(row_sum) + beta * (d2 * p).sum(1) / row_sum
        diff = entropy - target
        final_beta = torch.where(active, beta, final_beta)
        active = active & (diff.abs() > tol)
        if not active.any():
            break
        too_flat = active & (diff > 0)  # entropy too high: sharpen (raise beta)
        too_sharp = active & (diff <= 0)
        lo = torch.where(too_flat, beta, lo)
        hi = torch.where(too_sharp, beta, hi)
        up = torch.where(torch.isinf(hi), beta * 2, (beta + hi) / 2)
        down = torch.where(torch.isinf(lo), beta / 2, (beta + lo) / 2)
        beta = torch.where(too_flat, up, torch.where(too_sharp, down, beta))
    p = torch.exp(-d2 * final_beta[:, None])
    if off_diagonal is not None:
        p = p * off_diagonal
    return p / p.sum(1, keepdim=True).clamp_min(1e-8)


def joint_probabilities(X: Tensor, perplexity: float) -> Tensor:
    """Dense symmetric P (N, N): (p_{j|i} + p_{i|j}) / (2N), floored at machine epsilon."""
    X = X.double()
    p = conditional_probabilities(squared_distances(X), perplexity)
    p = p + p.T
    p = (p / p.sum().clamp_min(MACHINE_EPSILON)).clamp_min(MACHINE_EPSILON)
    return p.fill_diagonal_(0)


def kl_divergence(P: Tensor, Y: Tensor | np.ndarray) -> float:
    """Exact KL(P || Q) of an embedding Y (N, 2) for a dense P, with the Student-t Q."""
    Y = torch.as_tensor(np.asarray(Y) if not isinstance(Y, Tensor) else Y, dtype=torch.float64)
    kl, _ = exact_gradient(P.double(), Y.to(P.device))
    return float(kl)


def exact_kl(X: Tensor | np.ndarray, Y: Tensor | np.ndarray, perplexity: float = 30.0) -> float:
    """Score any embedding Y of X by the exact KL against the dense P of ``perplexity``.

    Use it to compare tools on equal terms (each tool's own reported KL uses its own P).
    """
    X = _validate(X, perplexity)
    return kl_divergence(joint_probabilities(X, perplexity), Y)


def sparse_joint_probabilities(X: Tensor, perplexity: float) -> tuple[Tensor, Tensor, Tensor]:
    """Symmetric P on the k = 3 * perplexity nearest neighbours, as edges i < j.

    Returns (rows, cols, values) with rows < cols: each pair once, p_ij = p_ji, and the
    values sum to 1/2 (the other half is the mirrored pairs).
    """
    n = X.shape[0]
    k = min(n - 1, int(3.0 * perplexity + 1))
    X = X.double()
    dists, neighbours = [], []
    for start in range(0, n, 1024):  # bounded memory: 1024 x N distances at a time
        block = squared_distances(X[start:start + 1024], X)
        rows = torch.arange(start, min(start + 1024, n), device=X.device)
        block[rows - start, rows] = math.inf  # exclude each point itself
        d, j = block.topk(k, largest=False)
        dists.append(d)
        neighbours.append(j)
    d2, nbr = torch.cat(dists), torch.cat(neighbours)
    p = conditional_probabilities(d2, perplexity, self_column=False)
    rows = torch.arange(n, device=X.device).repeat_interleave(k)
    indices = torch.stack([torch.cat([rows, nbr.flatten()]), torch.cat([nbr.flatten(), rows])])
    sym = torch.sparse_coo_tensor(indices, torch.cat([p.flatten(), p.flatten()]), (n, n),
                                  check_invariants=False).coalesce()
    i, j = sym.indices()
    values = sym.values() / sym.values().sum().clamp_min(MACHINE_EPSILON)
    upper = i < j
    return i[upper].contiguous(), j[upper].contiguous(), values[upper].contiguous()


def dense_from_edges(rows: Tensor, cols: Tensor, p: Tensor, n: int) -> Tensor:
    """The dense symmetric (N, N) matrix of edges given once each (i < j)."""
    dense = torch.zeros(n, n, dtype=p.dtype, device=p.device)
    return dense.index_put_((rows, cols), p).index_put_((cols, rows), p)


# ----------------------------------------------------------------------------- gradients


def exact_gradient(P: Tensor, Y: Tensor, kernel: str = "student-t") -> tuple[Tensor, Tensor]:
    """KL(P||Q) and its gradient for a dense P (N, N) and embedding Y (N, d).

    t-SNE: w_ij = 1 / (1 + ||y_i - y_j||^2), grad_i = 4 sum_j (p_ij - q_ij) w_ij (y_i - y_j).
    Symmetric SNE (``kernel="gaussian"``): w_ij = exp(-||y_i - y_j||^2),
    grad_i = 4 sum_j (p_ij - q_ij) (y_i - y_j).
    """
    d2 = squared_distances(Y)
    if kernel == "gaussian":  # a softmax over -d2: stable when exp(-d2) underflows
        logits = (-d2).fill_diagonal_(-math.inf)
        q = torch.softmax(logits.flatten(), 0).view_as(d2).clamp_min(MACHINE_EPSILON)
        pq = P - q
    else:
        w = (1.0 / (1.0 + d2)).fill_diagonal_(0)
        q = (w / w.sum()).clamp_min(MACHINE_EPSILON)
        pq = (P - q) * w
    kl = (P * torch.log(P.clamp_min(MACHINE_EPSILON) / q)).sum()
    grad = 4.0 * (pq.sum(1, keepdim=True) * Y - pq @ Y)
    return kl, grad


def _lagrange_weights(t: Tensor) -> Tensor:
    """Cubic Lagrange weights (N, 4) for nodes -1, 0, 1, 2 at fractional positions t in [0, 1)."""
    return torch.stack([
        -t * (t - 1) * (t - 2) / 6,
        (t + 1) * (t - 1) * (t - 2) / 2,
        -(t + 1) * t * (t - 2) / 2,
        (t + 1) * t * (t - 1) / 6,
    ], 1)


def grid_repulsion(Y: Tensor, spacing: float = 0.5, max_grid: int = 320) -> tuple[Tensor, Tensor]:
    """Approximate sum_{j != i} w_ij^2 (y_i - y_j) (N, 2) and Z = sum_{i != j} w_ij.

    Each point spreads onto the 4 x 4 nodes around it of a uniform grid with cubic Lagrange
    weights; convolving the grid with the kernel (by FFT) and interpolating back with the
    same weights gives every point's sum over all others in O(N + G^2 log G).
    """
    n = Y.shape[0]
    lo = Y.min(0).values
    extent = float((Y.max(0).values - lo).max())
    g_inner = min(max_grid - 3, max(29, math.ceil(extent / spacing) + 1))
    h = max(extent, 1e-12) / (g_inner - 1)
    g = g_inner + 3  # one node of margin below, two above, for the 4-point stencil
    pos = (Y - lo) / h + 1  # grid coordinates in [1, g_inner]
    base = pos.floor().clamp(1, g_inner - 1)
    t = pos - base
    wx, wy = _lagrange_weights(t[:, 0]), _lagrange_weights(t[:, 1])  # (N, 4) each
    ix = base[:, 0].long()[:, None] + torch.arange(-1, 3, device=Y.device)  # (N, 4)
    iy = base[:, 1].long()[:, None] + torch.arange(-1, 3, device=Y.device)
    weights = (wx[:, :, None] * wy[:, None, :]).reshape(n, 16)
    nodes = (ix[:, :, None] * g + iy[:, None, :]).reshape(n, 16)

    charges = torch.stack([torch.ones_like(Y[:, 0]), Y[:, 0], Y[:, 1]])  # (3, N)
    grid = torch.zeros(3, g * g, dtype=Y.dtype, device=Y.device)
    grid.index_add_(1, nodes.flatten(), (charges[:, :, None] * weights).reshape(3, -1))
    grid = grid.view(3, g, g)

    offsets = torch.arange(2 * g, device=Y.device, dtype=Y.dtype)
    offsets = torch.where(offsets < g, offsets, offsets - 2 * g) * h  # circular layout
    d2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
    kernel = 1.0 / (1.0 + d2)
    k1, k2 = torch.fft.rfft2(kernel), torch.fft.rfft2(kernel * kernel)
    spectrum = torch.fft.rfft2(grid, s=(2 * g, 2 * g))
    products = torch.stack([spectrum[0] * k1, spectrum[0] * k2, spectrum[1] * k2, spectrum[2] * k2])
    potentials = torch.fft.irfft2(products, s=(2 * g, 2 * g))[:, :g, :g].reshape(4, g * g)
    at_points = (potentials[:, nodes] * weights).sum(-1)  # (4, N)
    # remove each point's interaction with itself, as interpolated (not exactly w_ii = 1):
    # the 16 stencil nodes have the same relative offsets for every point
    stencil = torch.arange(-1, 3, device=Y.device, dtype=Y.dtype)
    sx, sy = (stencil[:, None].expand(4, 4).reshape(16), stencil[None, :].expand(4, 4).reshape(16))
    k16 = 1.0 / (1.0 + h * h * ((sx[:, None] - sx[None]) ** 2 + (sy[:, None] - sy[None]) ** 2))
    self_terms = ((weights @ k16) * weights).sum(1)
    z = at_points[0].sum() - self_terms.sum()
    force = torch.stack([Y[:, 0] * at_points[1] - at_points[2],
                         Y[:, 1] * at_points[1] - at_points[3]], 1)
    return force, z.clamp_min(MACHINE_EPSILON)


def fast_gradient(rows: Tensor, cols: Tensor, p: Tensor, Y: Tensor, spacing: float = 0.5,
                  with_kl: bool = True) -> tuple[Tensor | None, Tensor]:
    """Approximate KL and gradient: sparse attraction + grid repulsion (t-SNE kernel).

    ``rows, cols, p`` are the edges i < j of a symmetric P (from sparse_joint_probabilities).
    """
    yx, yy = Y[:, 0].contiguous(), Y[:, 1].contiguous()
    dx = yx.index_select(0, rows) - yx.index_select(0, cols)
    dy = yy.index_select(0, rows) - yy.index_select(0, cols)
    w = 1.0 / (1.0 + dx * dx + dy * dy)
    pw = p * w
    # each pair pulls both its points: +force on i, -force on j
    fx = torch.zeros_like(yx).index_add_(0, rows, pw * dx).index_add_(0, cols, pw * dx, alpha=-1)
    fy = torch.zeros_like(yy).index_add_(0, rows, pw * dy).index_add_(0, cols, pw * dy, alpha=-1)
    repulsion, z = grid_repulsion(Y, spacing)
    grad = 4.0 * (torch.stack([fx, fy], 1) - repulsion / z)
    kl = None
    if with_kl:  # both halves of the symmetric P
        kl = 2 * (p * torch.log(p.clamp_min(MACHINE_EPSILON) * z / w)).sum()
    return kl, grad


# ----------------------------------------------------------------------------- estimator


def _validate(X, perplexity: float) -> Tensor:
    if isinstance(X, np.ndarray):
        X = torch.from_numpy(X)
    if not isinstance(X, Tensor):
        raise TypeError(f"X must be a numpy array or torch tensor, got {type(X).__name__}")
    if X.dim() != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {tuple(X.shape)};"
                         " flatten images first, e.g. X.reshape(len(X), -1)")
    validate.tensor(X, "X", floating=False)  # empty, NaN, inf
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"t-SNE needs at least 2 samples: X has shape {tuple(X.shape)}")
    if not 0 < perplexity < n:
        raise ValueError(f"perplexity must be in (0, n_samples) = (0, {n}), got {perplexity};"
                         " use a smaller perplexity (5-50 is typical) or more samples")
    return X


class TSNE:
    """t-distributed stochastic neighbour embedding with scikit-learn's interface.

    ``fit_transform(X)`` with X of shape (N, D) returns an (N, n_components) ndarray and
    sets ``embedding_``, ``kl_divergence_`` and ``n_iter_``; ``kl_history_`` holds
    (iteration, KL) every ``record_every`` iterations and ``snapshots_`` the embedding at
    those iterations if ``snapshot_every`` is set. ``kernel="gaussian"`` gives symmetric
    SNE (exact method only), for the crowding problem.
    """

    def __init__(self, n_components: int = 2, perplexity: float = 30.0,
                 early_exaggeration: float = 12.0, learning_rate: float | str = "auto",
                 max_iter: int = 1000, init: str = "pca", method: str = "exact",
                 random_state: int | None = None, kernel: str = "student-t",
                 snapshot_every: int | None = None, record_every: int = 10,
                 min_grad_norm: float = 1e-7, device: str | None = None, verbose: bool = False):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.init = init
        self.method = method
        self.random_state = random_state
        self.kernel = kernel
        self.snapshot_every = snapshot_every
        self.record_every = record_every
        self.min_grad_norm = min_grad_norm
        self.device = device
        self.verbose = verbose

    def _check_params(self, n: int) -> None:
        if not isinstance(self.n_components, int) or self.n_components < 1:
            raise ValueError(f"n_components must be an integer >= 1, got {self.n_components!r}")
        if self.method not in ("exact", "fast"):
            raise ValueError(f"method must be 'exact' or 'fast', got {self.method!r}")
        if self.method == "fast" and self.n_components != 2:
            raise ValueError("method='fast' embeds in 2 dimensions only; use method='exact'")
        if self.kernel not in ("student-t", "gaussian"):
            raise ValueError(f"kernel must be 'student-t' or 'gaussian', got {self.kernel!r}")
        if self.kernel == "gaussian" and self.method != "exact":
            raise ValueError("kernel='gaussian' (SNE) is implemented for method='exact' only")
        if self.init not in ("pca", "random"):
            raise ValueError(f"init must be 'pca' or 'random', got {self.init!r}")
        if not isinstance(self.max_iter, int) or self.max_iter < EXPLORATION_ITERATIONS:
            raise ValueError(f"max_iter must be an integer >= {EXPLORATION_ITERATIONS}, got"
                             f" {self.max_iter!r}")

    def _initial_embedding(self, X: Tensor, generator: torch.Generator) -> Tensor:
        if self.init == "pca":
            centred = X - X.mean(0)
            _, _, vh = torch.linalg.svd(centred, full_matrices=False)
            Y = centred @ vh[: self.n_components].T
            # a deterministic sign per axis, then scale to std 1e-4 as scikit-learn does
            Y = Y * torch.sign(Y[Y.abs().argmax(0), torch.arange(self.n_components)])
            if Y[:, 0].std() > 0:  # else all points coincide: no axis to start along
                return Y / Y[:, 0].std() * 1e-4
        return 1e-4 * torch.randn(X.shape[0], self.n_components, generator=generator,
                                  dtype=X.dtype).to(X.device)

    def fit_transform(self, X, y=None) -> np.ndarray:
        X = _validate(X, self.perplexity)
        n = X.shape[0]
        self._check_params(n)
        device = torch.device(self.device) if self.device else config.DEVICE
        # exact: float64, to agree with scikit-learn to many digits; fast: float32, for speed
        dtype = torch.float64 if self.method == "exact" and device.type != "mps" else torch.float32
        X = X.to(device=device, dtype=torch.float64 if device.type != "mps" else torch.float32)
        generator = torch.Generator().manual_seed(self.random_state or 0)
        start = time.perf_counter()
        if self.method == "exact":
            P = joint_probabilities(X, self.perplexity).to(dtype)

            def objective(Y, exaggeration, with_kl=True):
                return exact_gradient(P * exaggeration, Y, self.kernel)
        else:
            rows, cols, p = sparse_joint_probabilities(X, self.perplexity)
            p = p.to(dtype)

            def objective(Y, exaggeration, with_kl=True):
                return fast_gradient(rows, cols, p * exaggeration, Y, with_kl=with_kl)
        lr = (max(n / self.early_exaggeration / 4, 50) if self.learning_rate == "auto"
              else float(self.learning_rate))
        X = X.to(dtype)
        Y = self._initial_embedding(X, generator)
        update, gains = torch.zeros_like(Y), torch.ones_like(Y)
        self.kl_history_, self.snapshots_ = [], []
        it = 0
        for it in range(1, self.max_iter + 1):
            exploring = it <= EXPLORATION_ITERATIONS
            exaggeration = self.early_exaggeration if exploring else 1.0
            momentum = 0.5 if exploring else 0.8
            if it == EXPLORATION_ITERATIONS + 1:  # scikit-learn restarts the optimiser here
                update, gains = torch.zeros_like(Y), torch.ones_like(Y)
            record = it % self.record_every == 0 or it == 1
            kl, grad = objective(Y, exaggeration, with_kl=record)
            same_sign = (update * grad) >= 0  # scikit-learn: grow gains where signs differ
            gains = torch.where(same_sign, gains * 0.8, gains + 0.2).clamp_min(0.01)
            update = momentum * update - lr * gains * grad
            Y = Y + update
            if record:
                # KL against the true P: KL(aP || Q) = a (KL(P || Q) + log a)
                true_kl = kl / exaggeration - math.log(exaggeration)
                self.kl_history_.append((it, float(true_kl)))
            if self.snapshot_every and (it % self.snapshot_every == 0 or it == 1):
                self.snapshots_.append((it, Y.detach().cpu().numpy().copy()))
            if self.verbose and it % 100 == 0:
                print(f"iteration {it}: KL {float(kl):.4f}, {time.perf_counter() - start:.1f} s")
            # as scikit-learn: every 50 iterations, and not right after the exaggeration
            # phase, whose map can be tiny (with a tiny gradient) before it expands again
            if not exploring and it % 50 == 0 and float(grad.norm()) < self.min_grad_norm:
                break
        final_kl, _ = objective(Y, 1.0)
        self.embedding_ = Y.cpu().numpy()
        self.kl_divergence_ = float(final_kl)
        self.n_iter_ = it
        self.fit_seconds_ = time.perf_counter() - start
        return self.embedding_

    def fit(self, X, y=None) -> TSNE:
        self.fit_transform(X)
        return self
