import re
from pathlib import Path

import pytest

import aelib
from aelib import config


def test_budget_follows_mode(monkeypatch):
    monkeypatch.setattr(config, "QUICK", False)
    assert config.budget(full=100, quick=5) == 100
    monkeypatch.setattr(config, "QUICK", True)
    assert config.budget(full=100, quick=5) == 5


def test_check_passes_records_and_prints(capsys, monkeypatch):
    monkeypatch.setattr(config, "QUICK", False)
    before = len(config.RESULTS)
    result = aelib.check("ratio", 1.3, full=">= 1.25", quick=">= 1", reference="paper 4.6")
    assert result.passed and len(config.RESULTS) == before + 1
    out = capsys.readouterr().out
    assert "[PASS] ratio = 1.3" in out and "paper 4.6" in out


def test_check_fails_with_clear_message(monkeypatch):
    monkeypatch.setattr(config, "QUICK", True)
    with pytest.raises(AssertionError, match="'angle' does not hold: 12 is not < 10"):
        aelib.check("angle", 12.0, full="< 5", quick="< 10")


def test_check_nan_never_passes():
    with pytest.raises(AssertionError):
        aelib.check("nan", float("nan"), full="<= 1", quick="<= 1")


def test_check_thresholds_per_data_set(monkeypatch):
    monkeypatch.setattr(config, "QUICK", False)
    spec = {"mnist-10k": ">= 1.25", "mnist": ">= 2"}
    assert aelib.check("r", 1.5, full=spec, quick=spec, data="mnist-10k").passed
    with pytest.raises(AssertionError):
        aelib.check("r", 1.5, full=spec, quick=spec, data="mnist")
    with pytest.raises(ValueError, match="no threshold for data set 'fashion-mnist'"):
        aelib.check("r", 1.5, full=spec, quick=spec, data="fashion-mnist")
    assert aelib.check("r", 1.5, full={"*": "> 1"}, quick={"*": "> 1"}, data="x").passed


@pytest.mark.parametrize("bad", ["1.25", "=> 2", ">= two", ""])
def test_check_rejects_malformed_threshold(bad):
    with pytest.raises(ValueError, match="threshold"):
        aelib.check("x", 1.0, full=bad, quick=bad)


def test_check_appends_to_results_file(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv("AELIB_RESULTS", str(path))
    aelib.check("a", 2.0, full="> 1", quick="> 1")
    aelib.check("b", 3.0, full="> 1", quick="> 1")
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and '"name": "b"' in lines[1]


def test_report_renders_text_and_html():
    table = aelib.report([config.CheckResult("claim <x>", 1.5, ">= 1", True, "full", None, "ref", 0.0)])
    assert "claim <x>" in repr(table) and "pass" in repr(table)
    assert "claim &lt;x&gt;" in table._repr_html_()


def test_the_session_report_checks_peak_memory(monkeypatch):
    monkeypatch.setattr(config, "RESULTS", [])
    table = aelib.report()
    (memory,) = table.results
    assert "peak memory" in memory.name and 0.05 < memory.value < config.MEMORY_BUDGET_GIB and memory.passed


def test_setup_seeds_and_picks_device(capsys, monkeypatch):
    monkeypatch.setenv("AELIB_DEVICE", "cpu")
    import torch

    device = aelib.setup(seed=3)
    a = torch.rand(3)
    aelib.setup(seed=3)
    assert torch.equal(a, torch.rand(3))
    assert device.type == "cpu" and "device cpu" in capsys.readouterr().out
    assert aelib.elapsed() >= 0


def test_pick_device_rejects_missing_cuda(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        config.pick_device("cuda")


def test_package_version_is_the_one_the_cache_keys_use():
    # The model cache keys on config.__version__; the packaged version must say the same.
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert re.findall(r'^version = "(.+)"$', pyproject, re.MULTILINE) == [config.__version__]
