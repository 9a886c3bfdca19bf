"""Numbers the chapters report: reconstruction error, subspace angles, retrieval, likelihoods,
and operation counts (the cost of a computation, the same on every machine)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor
from torch.utils.flop_counter import FlopCounterMode

from . import validate


def _same_shape(a: Tensor, b: Tensor, names: tuple[str, str] = ("reconstruction", "x")) -> None:
    """Two batches (N, ...) of examples, of the same shape, finite."""
    for tensor, name in zip((a, b), names):
        validate.tensor(tensor, name, rank=range(2, 6))
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {tuple(a.shape)}"
                         f" and {tuple(b.shape)}")


def _features(x: Tensor, arg: str) -> Tensor:
    """A non-empty, finite batch of feature vectors (N, ...), as (N, features) float32."""
    return validate.tensor(x, arg, rank=range(2, 6), floating=False).flatten(1).float()


def squared_error(reconstruction: Tensor, x: Tensor) -> Tensor:
    """Sum of squared errors per example, shape (N,)."""
    _same_shape(reconstruction, x)
    return (reconstruction - x).pow(2).flatten(1).sum(1)


def reconstruction_error(reconstruction: Tensor, x: Tensor) -> float:
    """Mean over examples of the per-example sum of squared errors (Hinton & Salakhutdinov's)."""
    return float(squared_error(reconstruction, x).mean())


def psnr(reconstruction: Tensor, x: Tensor, max_value: float = 1.0, *, clip: bool = False) -> float:
    """Peak signal-to-noise ratio in dB, averaged over examples. ``clip`` first clamps the
    reconstruction to [0, max_value], as an image a denoiser or a filter outputs would be."""
    _same_shape(reconstruction, x)
    if clip:
        reconstruction = reconstruction.clamp(0, max_value)
    mse = (reconstruction - x).pow(2).flatten(1).mean(1).clamp_min(1e-12)
    return float((10 * torch.log10(max_value**2 / mse)).mean())


def principal_angles(a: Tensor, b: Tensor) -> Tensor:
    """Principal angles in degrees between the column spaces of ``a`` (D, k) and ``b`` (D, m).

    Ascending; the last is the largest. Zero angles mean the subspaces coincide.
    """
    validate.tensor(a, "a", rank=2)
    validate.tensor(b, "b", rank=2)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"need two matrices with the same number of rows, got {tuple(a.shape)}"
                         f" and {tuple(b.shape)}")
    qa, _ = torch.linalg.qr(a.double())
    qb, _ = torch.linalg.qr(b.double())
    cosines = torch.linalg.svdvals(qa.T @ qb).clamp(-1, 1)
    return torch.rad2deg(torch.arccos(cosines)).float()


def code_sensitivity(codes: Tensor, perturbed_codes: Tensor, perturbation: Tensor, *, seed: int = 0) -> float:
    """How much codes move under a small change of the input, relative to their spread.

    ``codes`` (N, k) = f(x), ``perturbed_codes`` (N, k) = f(x + e) for a small ``perturbation``
    e (N, ...). Returns the mean over examples of ||f(x + e) - f(x)|| / ||e||, divided by the
    mean distance ||f(x_i) - f(x_j)|| between the codes of random pairs, so that merely
    shrinking the codes does not count as robustness.
    """
    _same_shape(codes, perturbed_codes, ("codes", "perturbed_codes"))
    validate.tensor(perturbation, "perturbation", rank=range(2, 6))
    if len(perturbation) != len(codes) or len(codes) < 2:
        raise ValueError(f"need the same number (>= 2) of codes and perturbations, got {len(codes)}"
                         f" and {len(perturbation)}")
    pairs = torch.randperm(len(codes), generator=torch.Generator().manual_seed(seed))
    gain = ((perturbed_codes - codes).flatten(1).norm(dim=1) / perturbation.flatten(1).norm(dim=1)).mean()
    spread = (codes - codes[pairs]).flatten(1).norm(dim=1).mean()
    return float(gain / spread)


def operation_count(fn: Callable[[], object]) -> int:
    """The floating-point operations of the matrix products and convolutions that ``fn()`` runs
    (a multiply-add counts 2), as ``torch.utils.flop_counter`` counts them. Unlike wall time,
    this cost is the same on every machine, so a claim about speed can be asserted with it."""
    if not callable(fn):
        raise TypeError(f"fn must be a callable with no arguments, got {type(fn).__name__}")
    with FlopCounterMode(display=False) as mode:
        fn()
    return int(mode.get_total_flops())


def chain_mixing(labels: Tensor) -> tuple[float, float]:
    """How a sampling chain moves between classes, from the class of every state, ``labels``
    (T, C): T steps of C chains. Returns the share of steps whose class differs from the step
    before, and the mean number of distinct classes a chain visits (1: it never moved)."""
    validate.labels(labels.flatten(), "labels")
    if labels.dim() != 2 or len(labels) < 2:
        raise ValueError(f"labels must be (steps >= 2, chains), got shape {tuple(labels.shape)}")
    changes = float((labels[1:] != labels[:-1]).float().mean())
    visited = float((torch.nn.functional.one_hot(labels).sum(0) > 0).sum(1).double().mean())
    return changes, visited


def bits_per_dim(nll_nats: Tensor | float, dims: int = 784) -> float:
    """Negative log-likelihood per image in nats -> bits per dimension."""
    validate.positive_int(dims, "dims")
    nll = validate.tensor(torch.as_tensor(nll_nats, dtype=torch.float64), "nll_nats", nonempty=False)
    if nll.numel() == 0:
        raise ValueError("nll_nats is empty; pass at least one negative log-likelihood")
    return float(nll.mean()) / (dims * math.log(2))


def inception_score(probabilities: Tensor) -> float:
    """exp(E_x KL(p(y|x) || p(y))) from a classifier's class probabilities (N, C) on generated
    images (Salimans et al. 2016, there with an Inception network; here a digit classifier).

    1 when every image gets the same class distribution (no recognisable, varied digits); C when
    each image is confidently one class and the classes are used equally.
    """
    validate.tensor(probabilities, "probabilities", rank=2, unit=True)
    p = probabilities.double().clamp_min(1e-12)
    marginal = p.mean(0, keepdim=True)
    return float((p * (p.log() - marginal.log())).sum(1).mean().exp())


def precision_at_k(queries: Tensor, query_labels: Tensor, database: Tensor, database_labels: Tensor,
                   k: int = 10, metric: str = "euclidean") -> float:
    """Fraction of each query's k nearest database items with the query's label, averaged."""
    nearest = nearest_neighbours(queries, database, k, metric)
    validate.labels(query_labels, "query_labels", len(queries))
    validate.labels(database_labels, "database_labels", len(database))
    return float((database_labels[nearest] == query_labels[:, None]).float().mean())


def nearest_neighbours(queries: Tensor, database: Tensor, k: int, metric: str = "euclidean") -> Tensor:
    """Indices (Nq, k) of each query's k nearest database rows, nearest first.

    ``metric`` is ``"euclidean"`` or ``"cosine"`` (Euclidean between unit vectors: the same
    order as cosine similarity). Computed in chunks of 1000 queries.
    """
    validate.choice(metric, "metric", ("euclidean", "cosine"))
    q, d = _features(queries, "queries"), _features(database, "database")
    if q.shape[1] != d.shape[1]:
        raise ValueError(f"queries and database must have the same number of features, got"
                         f" {q.shape[1]} and {d.shape[1]}")
    validate.positive_int(k, "k", upper=len(d), upper_name="the database size")
    if metric == "cosine":
        q = torch.nn.functional.normalize(q, dim=1)
        d = torch.nn.functional.normalize(d, dim=1)
    return torch.cat([torch.cdist(q[i:i + 1000], d).topk(k, largest=False).indices
                      for i in range(0, len(q), 1000)])


def linear_probe(train_x: Tensor, train_y: Tensor, test_x: Tensor, test_y: Tensor, *,
                 l2: float = 1e-3, iterations: int = 200) -> float:
    """Test accuracy of multinomial logistic regression on features (N, ...) -> labels (N,).

    The standard way to score a representation: features standardised with the training
    statistics, weights fitted by L-BFGS (deterministic, no learning rate to tune) on the mean
    cross-entropy plus ``l2`` times the squared weights, in float64 on the CPU.
    """
    a = _features(train_x, "train_x").detach().double().cpu()
    b = _features(test_x, "test_x").detach().double().cpu()
    validate.labels(train_y, "train_y", len(a))
    validate.labels(test_y, "test_y", len(b))
    validate.positive_int(iterations, "iterations")
    if len(a) < 2:
        raise ValueError(f"train_x must hold at least 2 examples to standardise the features, got {len(a)}")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"train_x and test_x must have the same number of features, got {a.shape[1]}"
                         f" and {b.shape[1]}")
    mean, std = a.mean(0), a.std(0).clamp_min(1e-6)
    a, b = (a - mean) / std, (b - mean) / std
    y = train_y.cpu().long()
    classes = int(max(int(y.max()), int(test_y.max()))) + 1
    target = torch.nn.functional.one_hot(y, classes).double()
    a_transposed = a.T.contiguous()  # autograd's a.T @ grad on the strided view is several times slower
    weight = torch.zeros(a.shape[1], classes, dtype=torch.float64)
    bias = torch.zeros(classes, dtype=torch.float64)
    weight.grad, bias.grad = torch.zeros_like(weight), torch.zeros_like(bias)
    optimizer = torch.optim.LBFGS([weight, bias], max_iter=iterations, line_search_fn="strong_wolfe")

    def closure():
        # Loss and its gradient in closed form: softmax minus one-hot, back through one matmul.
        log_p = (a @ weight + bias).log_softmax(1)
        loss = -(log_p * target).sum(1).mean() + l2 * weight.pow(2).sum()
        grad_logits = (log_p.exp() - target) / len(a)
        torch.addmm(2 * l2 * weight, a_transposed, grad_logits, out=weight.grad)
        bias.grad.copy_(grad_logits.sum(0))
        return loss

    optimizer.step(closure)
    return float(((b @ weight + bias).argmax(1) == test_y.cpu()).double().mean())


def knn_accuracy(train_x: Tensor, train_y: Tensor, test_x: Tensor, test_y: Tensor, k: int = 10,
                 exclude_self: bool = False) -> float:
    """Accuracy of a k-nearest-neighbour majority vote (Euclidean) from train to test codes.

    ``exclude_self=True`` is leave-one-out on one set (train and test the same points): each
    point's own entry, its nearest neighbour, does not vote.
    """
    if exclude_self:
        nearest = nearest_neighbours(test_x, train_x, k + 1)[:, 1:]
    else:
        nearest = nearest_neighbours(test_x, train_x, k)  # checks the features and k
    validate.labels(train_y, "train_y", len(train_x))
    validate.labels(test_y, "test_y", len(test_x))
    votes = train_y[nearest]  # (N_test, k)
    counts = torch.nn.functional.one_hot(votes, int(train_y.max()) + 1).sum(1)
    return float((counts.argmax(1) == test_y.to(counts.device)).float().mean())


def mmd(a: Tensor, b: Tensor, *, bandwidth: float = 1.0) -> float:
    """Squared maximum mean discrepancy between samples a (N, d) and b (M, d) with the Gaussian
    kernel exp(-|x - y|^2 / (2 bandwidth^2)); the biased (V-statistic) estimate, >= 0, which is
    0 for identical samples and grows as the two distributions differ."""
    validate.tensor(a, "a", rank=2)
    validate.tensor(b, "b", rank=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"mmd needs two non-empty (N, d) samples of the same d, got {tuple(a.shape)}"
                         f" and {tuple(b.shape)}")
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be > 0, got {bandwidth}")
    a, b = a.detach().double().cpu(), b.detach().double().cpu()

    def kernel_mean(x: Tensor, y: Tensor) -> Tensor:
        return torch.exp(-torch.cdist(x, y).pow(2) / (2 * bandwidth**2)).mean()

    return float(kernel_mean(a, a) + kernel_mean(b, b) - 2 * kernel_mean(a, b))
