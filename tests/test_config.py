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
    # The model cache keys on config.__version__; the package takes its version from there.
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert not re.findall(r'^version = "', pyproject, re.MULTILINE)  # no second version string
    assert 'version = {attr = "aelib.config.__version__"}' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", config.__version__)
