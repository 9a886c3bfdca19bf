"""Benchmarks: aelib next to its reference, same data, same seed, measured in one run.

    python -m aelib.bench [--quick] [--only NAME] [--out results.json]

Not a timed test: timings on shared machines are noisy, so each entry reports ratios of
runs made side by side. Entries so far: ``tsne`` (aelib's fast t-SNE vs scikit-learn's
Barnes-Hut t-SNE, both scored by the exact KL on the same dense P) and ``vae`` (aelib's VAE vs
the pytorch/examples reference architecture, same data and training, test NLL by IWAE k=200).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from . import config, data, metrics, tsne
from .pca import PCA
from .train import fit, predict


def bench_tsne(quick: bool) -> list[dict]:
    from sklearn.manifold import TSNE as SklearnTSNE

    splits = data.load("mnist")
    images = torch.cat([splits.x_train, splits.x_val, splits.x_test]).flatten(1).double()
    labels = torch.cat([splits.y_train, splits.y_val, splits.y_test])
    rows = []
    for n in ([1000] if quick else [1000, 2500, 5000]):
        X = PCA(50).fit_transform(images[:n]).double()
        y = labels[:n]
        start = time.perf_counter()
        ours = tsne.TSNE(method="fast", random_state=0).fit_transform(X)
        ours_s = time.perf_counter() - start
        start = time.perf_counter()
        ref = SklearnTSNE(random_state=0, init="pca").fit_transform(X.numpy())
        ref_s = time.perf_counter() - start
        P = tsne.joint_probabilities(X, 30.0)
        row = {"benchmark": "tsne", "n": n, "aelib_seconds": ours_s, "sklearn_seconds": ref_s,
               "time_ratio": ours_s / ref_s, "aelib_kl": tsne.kl_divergence(P, ours),
               "sklearn_kl": tsne.kl_divergence(P, ref)}
        row["kl_ratio"] = row["aelib_kl"] / row["sklearn_kl"]
        for name, emb in (("aelib", ours), ("sklearn", ref)):  # leave-one-out 10-NN in 2-D
            Z = torch.from_numpy(np.ascontiguousarray(emb)).double()
            row[f"{name}_10nn_accuracy"] = metrics.knn_accuracy(Z, y, Z, y, k=10, exclude_self=True)
        rows.append(row)
        print(f"t-SNE N={n}: aelib {ours_s:.1f} s, scikit-learn {ref_s:.1f} s (ratio"
              f" {row['time_ratio']:.2f}); exact KL {row['aelib_kl']:.4f} vs {row['sklearn_kl']:.4f}"
              f" (ratio {row['kl_ratio']:.4f}); 10-NN {row['aelib_10nn_accuracy']:.3f} vs"
              f" {row['sklearn_10nn_accuracy']:.3f}", flush=True)
    return rows


def bench_vae(quick: bool) -> list[dict]:
    from .models import VAE

    splits = data.load("mnist")
    x_train = data.binarize(splits.x_train, seed=0)
    x_test = data.binarize(splits.x_test[:500] if quick else splits.x_test, seed=1)
    epochs = 2 if quick else 10
    scores = {}
    for name, build in (("pytorch/examples 784-400-20", VAE.pytorch_examples), ("aelib VAE()", VAE)):
        config.seed_everything(0)
        model = build()
        history = fit(model, x_train, epochs=epochs, batch_size=128, lr=1e-3, desc=name)
        config.seed_everything(1)
        nll = float(predict(lambda x, m=model: m.nll(x, k=200), x_test, batch_size=250).mean())
        scores[name] = {"nll": nll, "seconds_per_epoch": history.total_seconds / epochs}
        print(f"VAE benchmark, {name}: test NLL {nll:.2f} nats (IWAE k=200),"
              f" {scores[name]['seconds_per_epoch']:.2f} s per epoch", flush=True)
    (ref_name, ref), (ours_name, ours) = scores.items()
    row = {"benchmark": "vae", "epochs": epochs, "train_images": len(x_train), "test_images": len(x_test),
           "reference_nll": ref["nll"], "aelib_nll": ours["nll"], "nll_gain": ref["nll"] - ours["nll"],
           "reference_seconds_per_epoch": ref["seconds_per_epoch"],
           "aelib_seconds_per_epoch": ours["seconds_per_epoch"],
           "time_ratio": ours["seconds_per_epoch"] / ref["seconds_per_epoch"]}
    print(f"VAE: {ours_name} is {row['nll_gain']:.2f} nats better than {ref_name}, at"
          f" {row['time_ratio']:.1f}x its time per epoch", flush=True)
    return [row]


BENCHMARKS = {"tsne": bench_tsne, "vae": bench_vae}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m aelib.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), help="run one benchmark")
    parser.add_argument("--out", help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    config.setup(seed=0)
    results = []
    for name, bench in BENCHMARKS.items():
        if args.only in (None, name):
            results += bench(args.quick)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
