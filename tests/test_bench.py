"""The benchmark suite's plumbing (the benchmarks themselves run in the book's Benchmarks page)."""

import json
from pathlib import Path

import pytest
import torch

from aelib import claims
from aelib.models import Autoencoder
from benchmarks import suite as bench

# Chapters written after a record was made, by record file: the execution page says so beside
# the record. An entry goes when the record is made again (the test fails if it covers one).
PREDATED_BY = {"full-mode-fashion-mnist.jsonl": ["chapters/05b_posterior_collapse"]}


def test_the_committed_full_mode_record_covers_every_chapter():
    # records/full-mode-*.jsonl (`make record`): a line about the run, then each chapter's run
    # time and peak memory in full mode for each of the run's seeds, which the execution page shows.
    root = Path(__file__).resolve().parents[1]
    chapters = sorted(f"chapters/{p.stem}" for p in (root / "chapters").glob("*.ipynb"))
    records = sorted((root / "records").glob("full-mode-*.jsonl"))
    assert records, "no records/full-mode-*.jsonl: run `make record`"
    for path in records:
        about = json.loads(path.read_text().splitlines()[0])["record"]
        assert {"date", "commit", "data", "machine"} <= set(about), path
        rows = claims.chapter_statistics(path)
        seeds = about.get("seeds", [None])
        newer = PREDATED_BY.get(path.name, [])
        expected = [(chapter, seed) for chapter in chapters if chapter not in newer for seed in seeds]
        assert sorted((r["chapter"], r["seed"]) for r in rows) == expected, path
        for row in rows:  # run time is recorded, not held to a budget: machines differ
            assert row["mode"] == "full" and claims.family(row["data"]) == about["data"], (path, row)
            assert row["seconds"] > 0 and 0 < row["peak_memory_gib"] <= 4, (path, row)


def test_chapter_statistics_without_a_build_say_so(tmp_path, capsys):
    assert bench.bench_chapters(quick=True, path=str(tmp_path / "missing.jsonl")) == []
    assert "make book" in capsys.readouterr().out


def test_the_plain_baseline_loop_trains():
    torch.manual_seed(0)
    x = torch.rand(256, 1, 28, 28)
    model = Autoencoder((784, 32, 8))
    before = float(model.loss(x).detach())
    bench._plain_training_loop(model, x, epochs=3, batch_size=64, lr=1e-2)
    assert float(model.loss(x).detach()) < before


def test_unknown_benchmark_names_are_refused(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--only", "no-such-benchmark"])
    assert "invalid choice" in capsys.readouterr().err


def test_the_output_file_says_what_ran_and_when(tmp_path, monkeypatch):
    monkeypatch.setitem(bench.BENCHMARKS, "fake", lambda quick: [{"benchmark": "fake", "quick": quick}])
    out = tmp_path / "results.json"
    results = bench.main(["--quick", "--only", "fake", "--out", str(out)])
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["results"] == results == {"fake": [{"benchmark": "fake", "quick": True}]}
    assert {"date", "commit", "machine", "torch", "seconds"} <= set(saved["about"])
    assert saved["about"]["sizes"] == "quick" and saved["about"]["only"] == "fake"


def test_the_committed_full_benchmark_record_has_every_benchmark():
    # records/benchmarks-full.json (`make bench-record`), which the Benchmarks page shows.
    path = Path(__file__).resolve().parents[1] / "records" / "benchmarks-full.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["about"]["sizes"] == "full" and record["about"]["only"] is None
    assert set(record["results"]) == set(bench.BENCHMARKS)
    assert all(record["results"][name] for name in bench.BENCHMARKS if name != "chapters")
