"""The training CLI: a short run on the embedded digits, resume equality, evaluate."""

import json
import os

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import cli
from glassgrad.train import evaluate_dir, fit

QUICK = {"limit": 600, "batch_size": 32, "progress": False, "hidden": [32]}


def test_cli_run_on_embedded_digits_writes_everything(tmp_path, capsys):
    out = tmp_path / "run"
    rc = cli.main(["train", "--epochs", "2", "--limit", "600", "--limit-test", "120",
                   "--hidden", "32", "--no-progress", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "epoch   2/2" in text and "test accuracy" in text
    for name in ("checkpoint.safetensors", "best.safetensors", "config.json", "metrics.json",
                 "loss.png", "accuracy.png", "grad_flow.png"):
        assert (out / name).exists(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["history"]) == 2
    assert metrics["test_acc"] > 0.5  # 10 classes: chance is 0.1
    assert np.asarray(metrics["confusion"]).sum() == 120
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "grad_flow.png").read_bytes()[:4] == b"\x89PNG"
    # the gradient norms of the last batch of the last epoch, one per parameter
    assert metrics["grad_norms"]["epoch"] == 2
    norms = metrics["grad_norms"]["norms"]
    assert list(norms) == ["1.weight", "1.bias", "3.weight", "3.bias"]
    assert all(v > 0 for v in norms.values())
    assert "grad_flow.png" in text
    assert cli.main(["evaluate", str(out)]) == 0
    assert "confusion matrix" in capsys.readouterr().out


@pytest.mark.parametrize("model, extra", [
    ("mlp", {"dropout": 0.3, "scheduler": "cosine", "optimizer": "adam", "patience": 3}),
    ("cnn", {"channels": [4, 8], "scheduler": "onecycle", "optimizer": "sgd"}),
])
def test_resume_is_bit_identical_to_never_stopping(tmp_path, model, extra):
    cfg = dict(QUICK, model=model, **extra)
    straight, _ = fit(dict(cfg, epochs=3), tmp_path / "a", log=lambda *a: None)
    fit(dict(cfg, epochs=3), tmp_path / "b", log=lambda *a: None, stop_after=1)
    resumed, _ = fit(dict(cfg, epochs=3), tmp_path / "b", resume=True, log=lambda *a: None)
    a = gg.load(tmp_path / "a" / "checkpoint.safetensors")
    b = gg.load(tmp_path / "b" / "checkpoint.safetensors")
    assert a["history"][-1]["train_loss"] == b["history"][-1]["train_loss"]
    for key, value in a["model"].items():
        np.testing.assert_array_equal(value.data, b["model"][key].data, err_msg=key)
    for idx, st in a["optimizer"]["state"].items():
        for name, arr in st.items():
            np.testing.assert_array_equal(np.asarray(arr), np.asarray(
                b["optimizer"]["state"][idx][name]))


def test_resume_without_checkpoint_and_bad_choices(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        fit(dict(QUICK, epochs=1), tmp_path / "none", resume=True)
    with pytest.raises(ValueError, match="cnn model needs image data"):
        fit(dict(QUICK, dataset="moons", model="cnn", epochs=1), tmp_path / "m")
    with pytest.raises(FileNotFoundError, match="config.json"):
        evaluate_dir(tmp_path / "nothing")


def test_toy_dataset_trains(tmp_path):
    _, metrics = fit({"dataset": "moons", "epochs": 5, "progress": False, "hidden": [16, 16],
                      "lr": 0.01}, tmp_path / "moons", log=lambda *a: None)
    assert metrics["test_acc"] > 0.85
    assert os.path.exists(tmp_path / "moons" / "accuracy.png")
