"""Benchmarks: aelib next to its reference, same data, same seed, measured in one run.

    python -m benchmarks [--quick] [--only NAME] [--out results.json]   (from the repository root)

``make bench-record`` runs the full sizes into ``records/benchmarks-full.json``, which the
book's Benchmarks page shows. Not a timed test: timings on shared machines are noisy, so each
entry reports ratios of runs made side by side. Entries:

- ``tsne``: aelib's t-SNE vs scikit-learn's, fast vs Barnes-Hut and exact vs exact (and
  openTSNE, if installed), scored by the exact KL on the same dense P, 10-NN accuracy and
  trustworthiness;
- ``tsne-scaling``: their wall time against N (to 20,000 with Fashion-MNIST), with the
  log-log slopes;
- ``pca``: deep and linear autoencoders vs PCA;
- ``denoising``: a denoising autoencoder vs blur and median filters (PSNR);
- ``vae``: aelib's VAE vs the pytorch/examples architecture, same data and training, test NLL
  by IWAE k=200;
- ``autoregressive``: PixelRNN (Row LSTM) and PixelCNN vs independent pixels (NLL, bits/dim,
  training and sampling time);
- ``throughput``: ``train.fit`` (fused AdamW, its default, and unfused) vs the plain DataLoader + Adam
  loop, images per second;
- ``chapters``: run time and peak memory of each chapter, as the last book build recorded them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from aelib import claims, config, data, metrics, tsne
from aelib.config import timed
from aelib.pca import PCA
from aelib.train import fit, predict

from .provenance import run_description


def _open_tsne(X: torch.Tensor) -> np.ndarray | None:
    """openTSNE's FFT-accelerated t-SNE of ``X`` (N, D) with its defaults, or None if openTSNE
    is not installed (it is an optional reference, not a dependency of the book)."""
    try:
        from openTSNE import TSNE as OpenTSNE
    except ImportError:
        return None
    return np.asarray(OpenTSNE(random_state=0, n_jobs=torch.get_num_threads()).fit(X.numpy()))


def _score_maps(X: torch.Tensor, y: torch.Tensor, maps: dict[str, np.ndarray], row: dict) -> None:
    """Add each map's exact KL (on the same dense P, perplexity 30), leave-one-out 10-NN accuracy
    in 2-D and trustworthiness (k=10) to ``row``, under keys prefixed by the map's name."""
    from sklearn.manifold import trustworthiness

    P = tsne.joint_probabilities(X, 30.0)
    for name, emb in maps.items():
        Z = torch.from_numpy(np.ascontiguousarray(emb)).double()
        row[f"{name}_kl"] = tsne.kl_divergence(P, emb)
        row[f"{name}_10nn_accuracy"] = metrics.knn_accuracy(Z, y, Z, y, k=10, exclude_self=True)
        row[f"{name}_trustworthiness"] = float(trustworthiness(X.numpy(), np.asarray(emb), n_neighbors=10))


def _all_images(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image of a data set, training, validation and test in that order, flattened to
    float64 (N, 784), and their labels (N,)."""
    splits = data.load(name)
    images = torch.cat([splits.x_train, splits.x_val, splits.x_test]).flatten(1).double()
    return images, torch.cat([splits.y_train, splits.y_val, splits.y_test])


def bench_tsne(quick: bool) -> list[dict]:
    """aelib's t-SNE next to scikit-learn's, both methods: fast (sparse P) vs Barnes-Hut at
    N = 1,000 / 2,500 / 5,000 (quick: 1,000), with openTSNE's FFT method beside them when it is
    installed; exact vs exact at N = 1,000 (quick: 400). MNIST digits, 50 PCA dimensions."""
    from sklearn.manifold import TSNE as SklearnTSNE

    images, labels = _all_images("mnist")
    runs = [("fast", n) for n in ([1000] if quick else [1000, 2500, 5000])]
    runs.append(("exact", 400 if quick else 1000))
    rows = []
    for method, n in runs:
        X = PCA(50).fit_transform(images[:n]).double()
        ours, ours_s = timed(tsne.TSNE(method=method, random_state=0).fit_transform, X)
        sklearn_method = "barnes_hut" if method == "fast" else "exact"
        ref, ref_s = timed(SklearnTSNE(random_state=0, init="pca", method=sklearn_method).fit_transform,
                            X.numpy())
        maps = {"aelib": ours, "sklearn": ref}
        row = {"benchmark": "tsne", "method": method, "n": n, "aelib_seconds": ours_s,
               "sklearn_seconds": ref_s, "time_ratio": ours_s / ref_s}
        if method == "fast":
            opentsne, opentsne_s = timed(_open_tsne, X)
            if opentsne is not None:
                maps["opentsne"], row["opentsne_seconds"] = opentsne, opentsne_s
        _score_maps(X, labels[:n], maps, row)
        row["kl_ratio"] = row["aelib_kl"] / row["sklearn_kl"]
        rows.append(row)
        print(f"t-SNE ({method}) N={n}: aelib {ours_s:.1f} s, scikit-learn {ref_s:.1f} s (ratio"
              f" {row['time_ratio']:.2f}); exact KL {row['aelib_kl']:.4f} vs {row['sklearn_kl']:.4f}"
              f" (ratio {row['kl_ratio']:.4f}); 10-NN {row['aelib_10nn_accuracy']:.3f} vs"
              f" {row['sklearn_10nn_accuracy']:.3f}; trustworthiness {row['aelib_trustworthiness']:.3f} vs"
              f" {row['sklearn_trustworthiness']:.3f}", flush=True)
        if "opentsne_kl" in row:
            print(f"  openTSNE: {row['opentsne_seconds']:.1f} s, exact KL {row['opentsne_kl']:.4f},"
                  f" 10-NN {row['opentsne_10nn_accuracy']:.3f},"
                  f" trustworthiness {row['opentsne_trustworthiness']:.3f}", flush=True)
    return rows


def bench_vae(quick: bool) -> list[dict]:
    from aelib.models import VAE

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


def bench_tsne_scaling(quick: bool) -> list[dict]:
    """Wall time of aelib's fast t-SNE and scikit-learn's Barnes-Hut t-SNE against N (50 PCA
    dimensions): MNIST digits up to 10,000, then (full sizes, where Fashion-MNIST is available)
    20,000 Fashion-MNIST images; and the slope of log(time) against log(N) for each."""
    from sklearn.manifold import TSNE as SklearnTSNE

    mnist, _ = _all_images("mnist")
    runs = [("mnist", mnist, n) for n in ((500, 1000, 1500) if quick else (1000, 2000, 5000, 10_000))
            if n <= len(mnist)]
    if not quick:
        try:
            runs.append(("fashion-mnist", _all_images("fashion-mnist")[0], 20_000))
        except data.DataError as err:
            print(f"t-SNE scaling stops at MNIST's {runs[-1][2]} digits: {err}", flush=True)
    rows = []
    for name, images, n in runs:
        X = PCA(50).fit_transform(images[:n]).double()
        _, ours = timed(tsne.TSNE(method="fast", random_state=0).fit_transform, X)
        _, theirs = timed(SklearnTSNE(random_state=0, init="pca").fit_transform, X.numpy())
        rows.append({"benchmark": "tsne scaling", "data": name, "n": n, "aelib_seconds": ours,
                     "sklearn_seconds": theirs})
        print(f"t-SNE scaling, N={n} ({name}): aelib {ours:.1f} s, scikit-learn {theirs:.1f} s", flush=True)
    log_n = np.log([r["n"] for r in rows])
    for key in ("aelib", "sklearn"):
        slope = float(np.polyfit(log_n, np.log([r[f"{key}_seconds"] for r in rows]), 1)[0])
        for r in rows:
            r[f"{key}_slope"] = slope
    print(f"t-SNE time ~ N^slope: aelib {rows[0]['aelib_slope']:.2f},"
          f" scikit-learn {rows[0]['sklearn_slope']:.2f}", flush=True)
    return rows


def bench_pca(quick: bool) -> list[dict]:
    """Deep AE vs PCA at code sizes 2, 8, 32 (test reconstruction error), and the linear AE vs
    PCA (error ratio and largest principal angle between their subspaces)."""
    from aelib.models import Autoencoder, LinearAutoencoder

    splits = data.load("mnist")
    x, x_test = splits.x_train, splits.x_test
    rows = []
    for k in (2, 8, 32):
        config.seed_everything(0)
        model = Autoencoder((784, 512, 256, k))
        history = fit(model, x, steps=600 if quick else 2000, batch_size=256, lr=3e-3, schedule="onecycle",
                      desc=f"deep AE, k={k}")
        ae = metrics.reconstruction_error(predict(model, x_test), x_test)
        pca = metrics.reconstruction_error(PCA(k).fit(x).reconstruct(x_test), x_test)
        rows.append({"benchmark": "deep AE vs PCA", "k": k, "aelib_error": ae, "pca_error": pca,
                     "error_ratio": ae / pca, "aelib_seconds": history.total_seconds})
        print(f"deep AE 784-512-256-{k} vs PCA-{k}: test error {ae:.2f} vs {pca:.2f} (ratio {ae / pca:.3f})",
              flush=True)
    k = 16
    config.seed_everything(0)
    linear = LinearAutoencoder(k)
    history = fit(linear, x, steps=1200 if quick else 2000, batch_size=1024, lr=1e-2, schedule="onecycle",
                  desc="linear AE")
    pca = PCA(k).fit(x)
    ae_error = metrics.reconstruction_error(predict(linear, x_test), x_test)
    pca_error = metrics.reconstruction_error(pca.reconstruct(x_test), x_test)
    angle = float(metrics.principal_angles(linear.decoder_basis(), pca.components_.T).max())
    rows.append({"benchmark": "linear AE vs PCA", "k": k, "aelib_error": ae_error, "pca_error": pca_error,
                 "error_ratio": ae_error / pca_error, "largest_angle_degrees": angle,
                 "aelib_seconds": history.total_seconds})
    print(f"linear AE vs PCA, k={k}: test error ratio {ae_error / pca_error:.4f}, largest principal angle"
          f" {angle:.1f} degrees", flush=True)
    return rows


def bench_denoising(quick: bool) -> list[dict]:
    """A denoising AE vs the best Gaussian blur and median filter (parameters chosen on the
    validation images) on test digits with Gaussian noise, sigma 0.5: PSNR in dB."""
    from aelib import filters
    from aelib.models import Autoencoder, DenoisingAutoencoder

    splits = data.load("mnist")
    generator = torch.Generator().manual_seed(1)
    noisy_val, noisy_test = (data.corrupt(images, "gaussian", 0.5, generator=generator)
                             for images in (splits.x_val, splits.x_test))

    scores = {"noisy input": metrics.psnr(noisy_test, splits.x_test, clip=True)}
    tuned = filters.best_filters(noisy_val, splits.x_val, noisy_test, splits.x_test)  # chapter 2c's grid
    scores["Gaussian blur"], scores["median filter"] = tuned["Gaussian blur"][1], tuned["median"][1]
    config.seed_everything(0)
    denoiser = Autoencoder((784, 512, 128, 64))
    history = fit(DenoisingAutoencoder(denoiser, "gaussian", (0.2, 0.6)), splits.x_train,
                  steps=350 if quick else 1500, batch_size=256, lr=3e-3, weight_decay=1e-4,
                  schedule="onecycle", desc="Gaussian DAE")
    scores["denoising AE"] = metrics.psnr(predict(denoiser, noisy_test), splits.x_test, clip=True)
    best_filter = max(("Gaussian blur", "median filter"), key=scores.get)
    row = {"benchmark": "DAE vs filters", "noise": "Gaussian, sigma 0.5",
           **{f"{k}_psnr": v for k, v in scores.items()},
           "psnr_gain_over_best_filter": scores["denoising AE"] - scores[best_filter],
           "aelib_seconds": history.total_seconds}
    print("denoising, Gaussian noise sigma 0.5, test PSNR: "
          + ", ".join(f"{k} {v:.2f} dB" for k, v in scores.items()), flush=True)
    return [row]


def bench_autoregressive(quick: bool) -> list[dict]:
    """PixelRNN (Row LSTM) and PixelCNN vs the independent-pixel baseline on binarized digits:
    test NLL (nats, and bits/dim), training time, and the time to sample 16 images."""
    from aelib.models import IndependentPixels, PixelCNN, RowLSTM

    splits = data.load("mnist")
    x = data.binarize(splits.x_train, seed=0)
    x_test = data.binarize(splits.x_test[:500] if quick else splits.x_test, seed=1)
    baseline = IndependentPixels.fitted(x)
    # (steps, batch): quick mode trains the PixelCNN on more, smaller batches (the same images),
    # since its last layer starts at zero and a few large steps leave it near the baseline
    budgets = {"pixelrnn": (120, 32), "pixelcnn": (480, 8)} if quick else {"pixelrnn": (240, 64),
                                                                             "pixelcnn": (240, 64)}
    row = {"benchmark": "autoregressive vs independent pixels", "test_images": len(x_test),
           **{f"{name}_steps_batch": list(budget) for name, budget in budgets.items()}}
    models = {"independent": baseline}
    for name, build in (("pixelrnn", lambda: RowLSTM(hidden=32, channels=32)),
                        ("pixelcnn", lambda: PixelCNN(channels=64, layers=7))):
        config.seed_everything(0)
        models[name] = build()
        models[name].start_at_independent(x)
        steps, batch_size = budgets[name]
        history = fit(models[name], x, steps=steps, batch_size=batch_size, lr=3e-3, schedule="onecycle",
                      desc=name)
        row[f"{name}_train_seconds"] = history.total_seconds
    for name, model in models.items():
        model.to(config.DEVICE)
        nll = float(predict(model.nll, x_test, batch_size=250).mean())
        _, sample_seconds = timed(model.sample, 16, generator=torch.Generator().manual_seed(1))
        row |= {f"{name}_nll": nll, f"{name}_bits_per_dim": metrics.bits_per_dim(nll),
                f"{name}_sample16_seconds": sample_seconds}
    for name in ("pixelrnn", "pixelcnn"):
        row[f"{name}_nll_gain"] = row["independent_nll"] - row[f"{name}_nll"]
        print(f"{name}: test NLL {row[f'{name}_nll']:.1f} nats ({row[f'{name}_bits_per_dim']:.3f} bits/dim),"
              f" trained in {row[f'{name}_train_seconds']:.1f} s, 16 samples in"
              f" {row[f'{name}_sample16_seconds']:.1f} s", flush=True)
    print(f"independent pixels: {row['independent_nll']:.1f} nats ({row['independent_bits_per_dim']:.3f}"
          " bits/dim)", flush=True)
    return [row]


def bench_chapters(quick: bool, path: str | None = None) -> list[dict]:
    """``claims.chapter_statistics`` of the last book build (``_build/results.jsonl``, written by
    ``make book``); nothing is re-run."""
    path = path or config.results_path() or "_build/results.jsonl"
    if not os.path.isfile(path):
        print(f"chapter statistics: no {path}; run `make book` first", flush=True)
        return []
    rows = claims.chapter_statistics(path)
    for row in rows:
        print(f"{row['chapter']}: {row.get('seconds', float('nan')):.0f} s, peak memory"
              f" {row.get('peak_memory_gib', float('nan')):.2f} GiB ({row['mode']} mode)", flush=True)
    return rows


def _plain_training_loop(model: torch.nn.Module, x: torch.Tensor, epochs: int, batch_size: int,
                         lr: float) -> None:
    """The baseline every PyTorch tutorial writes: DataLoader over a TensorDataset, Adam."""
    loader = DataLoader(TensorDataset(x), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for (batch,) in loader:
            loss = model.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def bench_throughput(quick: bool) -> list[dict]:
    """Images per second of ``fit`` and of the plain loop, on the same MLP autoencoder
    784-512-128-32-128-512-784, batch 128, lr 1e-3, 2 epochs over 10k images (CPU); min of
    alternating repeats after a warm-up, so that both see the same machine load."""
    from aelib.models import Autoencoder

    splits = data.load("mnist")
    x = torch.cat([splits.x_train, splits.x_val, splits.x_test])[:2000 if quick else 10_000].cpu()
    epochs, batch_size, lr, repeats = 2, 128, 1e-3, 2 if quick else 3
    runners = {
        "plain loop (DataLoader + Adam)": lambda m: _plain_training_loop(m, x, epochs, batch_size, lr),
        "aelib.train.fit": lambda m: fit(m, x, epochs=epochs, batch_size=batch_size, lr=lr, device="cpu"),
        "aelib.train.fit(fused=False)": lambda m: fit(m, x, epochs=epochs, batch_size=batch_size, lr=lr,
                                                      device="cpu", fused=False),
    }
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    with _quiet():
        for repeat in range(repeats + 1):  # the first round is the warm-up
            for name, run in runners.items():
                config.seed_everything(repeat)
                model = Autoencoder((784, 512, 128, 32))
                start = time.perf_counter()
                run(model)
                if repeat:
                    seconds[name].append(time.perf_counter() - start)
    images = epochs * len(x)
    rate = {name: images / min(times) for name, times in seconds.items()}
    (base_name, base), (ours_name, ours), (unfused_name, unfused) = seconds.items()
    row = {"benchmark": "throughput", "images": images, "threads": torch.get_num_threads(),
           "baseline_images_per_second": rate[base_name], "aelib_images_per_second": rate[ours_name],
           "unfused_images_per_second": rate[unfused_name], "baseline_seconds": base, "aelib_seconds": ours,
           "unfused_seconds": unfused}
    row["speedup"] = rate[ours_name] / rate[base_name]
    row["unfused_speedup"] = rate[unfused_name] / rate[base_name]
    print(f"training throughput ({torch.get_num_threads()} threads, min of {repeats} alternating runs): "
          + ", ".join(f"{name} {r:.0f} images/s" for name, r in rate.items())
          + f"; speed-up {row['speedup']:.2f}x, unfused {row['unfused_speedup']:.2f}x", flush=True)
    return [row]


@contextlib.contextmanager
def _quiet():
    """Silence fit's summary lines (the benchmark prints its own)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        yield


BENCHMARKS = {"tsne": bench_tsne, "tsne-scaling": bench_tsne_scaling, "pca": bench_pca,
              "denoising": bench_denoising, "vae": bench_vae, "autoregressive": bench_autoregressive,
              "throughput": bench_throughput, "chapters": bench_chapters}


def main(argv: list[str] | None = None) -> dict[str, list[dict]]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), help="run one benchmark")
    parser.add_argument("--out", help="write the results as JSON to this file:"
                        " {'about': {date, commit, machine, ...}, 'results': {name: [rows]}}")
    args = parser.parse_args(argv)
    config.configure(seed=0)
    about = run_description(sizes="quick" if args.quick else "full", only=args.only)
    start = time.perf_counter()
    results = {name: bench(args.quick) for name, bench in BENCHMARKS.items() if args.only in (None, name)}
    about["seconds"] = time.perf_counter() - start
    print(f"benchmark suite ({about['sizes']} sizes): {about['seconds']:.0f} s", flush=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"about": about, "results": results}, f, indent=2)
    return results
