"""aelib.claims: checks, records, the results file; and the rules every page's checks follow."""

import json
import re

import pytest
from chapter_checks import PAGES, calls

import aelib
from aelib import claims, config

# ----------------------------------------------------------------------------- the ledger


def test_check_passes_records_and_prints(capsys, monkeypatch):
    monkeypatch.setattr(config, "QUICK", False)
    before = len(claims.RESULTS)
    result = aelib.check("ratio", "a ratio", 1.3, full=">= 1.25", quick=">= 1", reference="paper 4.6")
    assert result.passed and result.kind == "claim" and len(claims.RESULTS) == before + 1
    out = capsys.readouterr().out
    assert "[PASS] a ratio = 1.3" in out and "paper 4.6" in out


def test_check_fails_with_clear_message(monkeypatch):
    monkeypatch.setattr(config, "QUICK", True)
    with pytest.raises(AssertionError, match=r"'angle' \(largest angle\) does not hold: 12 is not < 10"):
        aelib.check("angle", "largest angle", 12.0, full="< 5", quick="< 10")


def test_check_nan_never_passes():
    with pytest.raises(AssertionError):
        aelib.check("nan", "nan", float("nan"), full="<= 1", quick="<= 1")


def test_the_margins_run_records_a_failure_without_raising(monkeypatch, capsys):
    monkeypatch.setenv("AELIB_CHECKS", "record")
    result = aelib.check("angle", "largest angle", 12.0, full="< 5", quick="< 5")
    assert result.passed is False and "[FAIL]" in capsys.readouterr().out


def test_check_thresholds_per_data_set(monkeypatch):
    monkeypatch.setattr(config, "QUICK", False)
    spec = {"mnist-10k": ">= 1.25", "mnist": ">= 2"}
    assert aelib.check("r", "r", 1.5, full=spec, quick=spec, data="mnist-10k").passed
    with pytest.raises(AssertionError):
        aelib.check("r", "r", 1.5, full=spec, quick=spec, data="mnist")
    with pytest.raises(ValueError, match="no threshold for data set 'fashion-mnist'"):
        aelib.check("r", "r", 1.5, full=spec, quick=spec, data="fashion-mnist")
    assert aelib.check("r", "r", 1.5, full={"*": "> 1"}, quick={"*": "> 1"}, data="x").passed


def test_a_subset_takes_its_family_thresholds_unless_it_has_its_own():
    assert claims.resolve_threshold({"mnist": "> 2", "*": "> 1"}, "mnist-10k") == "> 2"
    assert claims.resolve_threshold({"mnist-10k": "> 3", "mnist": "> 2"}, "mnist-10k") == "> 3"
    assert claims.resolve_threshold({"mnist": "> 2", "*": "> 1"}, "fashion-mnist-10k") == "> 1"


@pytest.mark.parametrize("bad", ["1.25", "=> 2", ">= two", ""])
def test_check_rejects_malformed_threshold(bad):
    with pytest.raises(ValueError, match="threshold"):
        aelib.check("x", "x", 1.0, full=bad, quick=bad)


@pytest.mark.parametrize("bad", ["PCA ratio", "ratio at k=8", "", "-x"])
def test_check_ids_are_stable_words(bad):
    with pytest.raises(ValueError, match="check id"):
        aelib.check(bad, "x", 1.0, full="> 0", quick="> 0")


def test_smoke_checks_say_why_and_are_claims_in_full_mode(monkeypatch):
    monkeypatch.setattr(config, "QUICK", True)
    result = aelib.check("x", "x", 1.0, full="> 0", quick="> 0", smoke="too few steps in quick mode")
    assert result.kind == "smoke" and result.smoke == "too few steps in quick mode"
    monkeypatch.setattr(config, "QUICK", False)
    full = aelib.check("x", "x", 1.0, full="> 0", quick="> 0", smoke="too few steps in quick mode")
    assert full.kind == "claim"
    with pytest.raises(ValueError, match="smoke"):
        aelib.check("x", "x", 1.0, full="> 0", quick="> 0", smoke="")
    monkeypatch.setattr(config, "QUICK", True)
    only_fashion = {"fashion-mnist": "the claim needs more steps on garments"}
    on_fashion = aelib.check("x", "x", 1.0, full="> 0", quick="> 0", smoke=only_fashion, data="fashion-mnist")
    on_mnist = aelib.check("x", "x", 1.0, full="> 0", quick="> 0", smoke=only_fashion, data="mnist-10k")
    assert (on_fashion.kind, on_mnist.kind) == ("smoke", "claim")


def test_records_are_never_asserted(capsys):
    result = aelib.record("seconds", "seconds taken", 1e9)
    assert result.kind == "record" and result.passed is None and result.threshold is None
    assert "[RECORD] seconds taken = 1e+09" in capsys.readouterr().out


def test_checks_and_records_append_to_the_results_file(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv("AELIB_RESULTS", str(path))
    monkeypatch.setenv("AELIB_CHAPTER", "chapters/99_test")
    aelib.check("a", "claim a", 2.0, full="> 1", quick="> 1")
    aelib.record("b", "record b", 3.0)
    rows = claims.read_results(path)
    assert [(r["id"], r["kind"], r["chapter"]) for r in rows] == [("a", "claim", "chapters/99_test"),
                                                                   ("b", "record", "chapters/99_test")]


def test_a_torn_results_file_keeps_its_other_lines(tmp_path, capsys):
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps({"id": "a"}) + "\n{not json\n" + json.dumps({"id": "b"}) + "\n")
    assert [r["id"] for r in claims.read_results(path)] == ["a", "b"]
    assert "line 2" in capsys.readouterr().out


def test_report_renders_text_and_html():
    result = claims.Result("x", "claim <x>", 1.5, ">= 1", True, "claim", "full", None, "ref")
    table = aelib.report([result])
    assert "claim <x>" in repr(table) and "pass" in repr(table)
    assert "claim &lt;x&gt;" in table._repr_html_()


def test_the_session_report_records_run_time_and_memory(monkeypatch):
    monkeypatch.setattr(claims, "RESULTS", [])
    table = aelib.report()
    time, memory = table.results
    assert (time.id, memory.id) == ("run-time", "peak-memory")
    assert time.kind == memory.kind == "record" and 0.05 < memory.value < claims.MEMORY_BUDGET_GIB


def test_chapter_statistics_come_from_the_records(tmp_path):
    path = tmp_path / "results.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AELIB_RESULTS", str(path))
        mp.setattr(config, "QUICK", True)
        mp.setattr(config, "_current_data", "mnist-10k")
        mp.setenv("AELIB_CHAPTER", "chapters/01_tsne")
        aelib.check("knn", "t-SNE 10-NN accuracy", 0.9, full="> 0", quick="> 0")
        aelib.record("run-time", claims.RUN_TIME, 42.0)
        aelib.record("peak-memory", claims.PEAK_MEMORY, 1.5)
        mp.setenv("AELIB_CHAPTER", "benchmarks")  # not a chapter
        aelib.record("run-time", claims.RUN_TIME, 7.0)
    (row,) = claims.chapter_statistics(path)
    assert row == {"benchmark": "chapter", "chapter": "chapters/01_tsne", "mode": "quick",
                   "data": "mnist-10k", "seed": None, "seconds": 42.0, "peak_memory_gib": 1.5}


def test_chapter_statistics_of_a_record_of_two_seeds_keep_both(tmp_path):
    path = tmp_path / "full-mode-mnist.jsonl"
    lines = [{"record": {"date": "today"}}] + [
        {"id": id, "name": name, "chapter": "chapters/01_tsne", "value": value, "kind": "record",
         "mode": "full", "data": "mnist", "seed": seed}
        for seed in (0, 1) for id, name, value in (("run-time", claims.RUN_TIME, 100.0 + seed),
                                                   ("peak-memory", claims.PEAK_MEMORY, 1.0))]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    rows = claims.chapter_statistics(path)
    assert [(r["seed"], r["seconds"]) for r in rows] == [(0, 100.0), (1, 101.0)]


# ----------------------------------------------------------------------------- the pages' checks


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_check_has_a_stable_unique_id_and_literal_thresholds(page):
    found = calls(page)  # raises on a non-literal id, threshold or smoke reason
    assert found, f"{page.stem} checks no claim"
    ids = [c.id for c in found]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"{page.stem}: repeated check ids {repeated}"
    for c in found:
        assert claims.ID_PATTERN.match(c.id), c.line
        for spec in (c.full, c.quick):
            for text in ([spec] if isinstance(spec, str) else spec.values()):
                claims.parse_threshold(text)


@pytest.mark.parametrize("data", ["mnist-10k", "mnist", "fashion-mnist"])
def test_the_book_has_at_most_eight_smoke_checks_each_with_its_reason(data):
    reasons = [(c, claims.smoke_reason(c.smoke, data)) for page in PAGES for c in calls(page)]
    smoke = [(c, reason) for c, reason in reasons if reason]
    assert len(smoke) <= 8, [f"{c.page}: {c.id}" for c, _ in smoke]
    assert all(len(reason.split()) >= 4 for _, reason in smoke), [reason for _, reason in smoke]


TIMING = re.compile(r"elapsed\(|perf_counter|total_seconds|_seconds\b|seconds\[|\btimings?\[")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_no_check_asserts_wall_clock_time(page):
    # Machines differ by 2x and are shared: time is recorded (aelib.record), never asserted.
    assert not [c.line for c in calls(page) if TIMING.search(c.text)]


def test_recorded_ranges_span_seeds_and_paths(tmp_path):
    path = tmp_path / "margins.jsonl"
    where = {"chapter": "chapters/02_autoencoders", "mode": "quick", "data": "mnist-10k"}
    rows = [{"id": "gain", "kind": "claim", "value": v, "seed": seed, **where}
            for seed, v in ((0, 1.2), (1, 1.5), (2, 1.1))]
    rows.append({"id": "run-time", "kind": "record", "value": 30.0, **where})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    key = ("chapters/02_autoencoders", "gain", "quick", "mnist-10k")
    assert claims.recorded_ranges([path]) == {key: (1.1, 1.5, 3)}


def test_bound_is_the_threshold_that_applied(monkeypatch):
    monkeypatch.setattr(claims, "RESULTS", [])
    claims.check("bound-test", "a claim", 3.0, full="<= 20", quick={"mnist-10k": "<= 40", "*": "<= 4"},
                 data="mnist-10k")
    assert claims.bound("bound-test") == (40.0 if claims.config.QUICK else 20.0)
    with pytest.raises(KeyError):
        claims.bound("never-checked")
