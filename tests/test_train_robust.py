"""Training runs that survive interruptions: mid-epoch checkpoints and bit-identical resume,
atomic files with normal permissions, stale temporary files, damaged run folders, and the
settings checked before any work. (SIGINT and SIGKILL in a real process: test_cli_robust.py.)
"""

import json
import os
import stat

import numpy as np
import pytest

import glassgrad as gg
from checkpoint_helpers import assert_arrays_bitwise_equal
from glassgrad.serialization import CheckpointError
from glassgrad.train import datasets, evaluate_dir, fit, loop, runfolder
from glassgrad.train.runfolder import RunFolderError

# 180 training samples in batches of 32: 6 steps per epoch, the last one short
TINY = {"limit": 200, "limit_test": 50, "batch_size": 32, "hidden": [16], "progress": False}


def quiet(*args):
    pass


def assert_same_run(a_dir, b_dir):
    a = gg.load(a_dir / "checkpoint.safetensors")
    b = gg.load(b_dir / "checkpoint.safetensors")
    assert_arrays_bitwise_equal(a, b)
    assert a["rng"]["loader"] == b["rng"]["loader"]
    for ra, rb in zip(a["history"], b["history"], strict=True):
        assert {k: v for k, v in ra.items() if k != "seconds"} == {
            k: v for k, v in rb.items() if k != "seconds"}
    assert (a["epoch"], a["batch"], a["step"]) == (b["epoch"], b["batch"], b["step"])


# ------------------------------------------------------------------ mid-epoch resume
@pytest.mark.parametrize("extra", [
    {"model": "mlp", "dropout": 0.3, "scheduler": "cosine", "patience": 3},
    {"model": "cnn", "channels": [2, 4], "scheduler": "onecycle", "optimizer": "sgd",
     "limit": 100, "batch_size": 16, "hidden": [8]},
], ids=["mlp-dropout-cosine", "cnn-batchnorm-onecycle"])
def test_resume_from_mid_epoch_checkpoints_is_bit_identical(tmp_path, extra):
    cfg = dict(TINY, epochs=2, **extra)
    _, straight = fit(cfg, tmp_path / "a", log=quiet)
    # stopped in the middle of epoch 1, then of epoch 2, then run to the end
    _, metrics = fit(cfg, tmp_path / "b", log=quiet, stop_after_steps=2)
    assert metrics is None
    state = gg.load(tmp_path / "b" / "checkpoint.safetensors")
    assert (state["epoch"], state["batch"], state["step"]) == (0, 2, 2)
    logs = []
    fit(cfg, tmp_path / "b", resume=True, log=logs.append, stop_after_steps=7)
    _, resumed = fit(cfg, tmp_path / "b", resume=True, log=logs.append)
    assert "epoch 1 of 2 continues after batch 2 of 6 (step 2)" in logs[0]
    assert "epoch 2 of 2 continues after batch 1 of 6 (step 7)" in logs[-7], logs
    assert_same_run(tmp_path / "a", tmp_path / "b")
    assert resumed["test_acc"] == straight["test_acc"]
    assert resumed["grad_norms"] == straight["grad_norms"]


def test_resume_at_an_epoch_boundary_names_the_next_epoch(tmp_path):
    cfg = dict(TINY, epochs=3)
    fit(cfg, tmp_path, log=quiet, stop_after=1)
    logs = []
    fit(cfg, tmp_path, resume=True, log=logs.append, stop_after=2)
    assert logs[0] == "resuming digits/mlp: epoch 2 of 3 next (step 6)"
    assert "epoch   2/3" in logs[2] and "epoch   3/3" not in " ".join(logs)


def test_checkpoints_at_step_0_every_n_steps_and_each_epoch_end(tmp_path, monkeypatch):
    saved = []
    real = loop.save

    def spy(state, path):
        if os.path.basename(path) == loop.CHECKPOINT:
            saved.append((state["epoch"], state["batch"], state["step"]))
        real(state, path)

    monkeypatch.setattr(loop, "save", spy)
    fit(dict(TINY, epochs=2, checkpoint_every=4), tmp_path, log=quiet)
    # steps 4 and 8 are mid-epoch; step 12 ends epoch 2 and is saved once, as its end
    assert saved == [(0, 0, 0), (0, 4, 4), (1, 0, 6), (1, 2, 8), (2, 0, 12)]


def test_an_interruption_in_the_first_epoch_leaves_a_checkpoint_to_resume(tmp_path):
    cfg = dict(TINY, epochs=1)
    model, metrics = fit(cfg, tmp_path / "b", log=quiet, stop_after_steps=3)
    assert metrics is None and not (tmp_path / "b" / "best.safetensors").exists()
    with pytest.raises(FileNotFoundError, match="has no best.safetensors yet.*--resume"):
        evaluate_dir(tmp_path / "b", log=quiet)
    fit(cfg, tmp_path / "b", resume=True, log=quiet)
    fit(cfg, tmp_path / "a", log=quiet)
    assert_same_run(tmp_path / "a", tmp_path / "b")


# ------------------------------------------------------------------ files in the run folder
def test_every_file_has_the_umask_mode_not_0600(tmp_path, monkeypatch):
    old = os.umask(0o027)
    try:
        fit(dict(TINY, epochs=1), tmp_path, log=quiet)
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert set(modes) >= {"config.json", "metrics.json", "checkpoint.safetensors",
                          "best.safetensors", "loss.png", "accuracy.png", "grad_flow.png"}
    assert modes == dict.fromkeys(modes, 0o640), modes


def test_stale_temporary_files_are_removed_on_the_next_start(tmp_path):
    fit(dict(TINY, epochs=2), tmp_path, log=quiet, stop_after=1)
    stale = [".tmp-k2j3h1.safetensors", ".tmp-abcd-metrics.json", ".tmp-x-loss.png"]
    for name in stale:
        (tmp_path / name).write_bytes(b"half a file")
    (tmp_path / "notes.txt").write_text("mine")
    logs = []
    fit(dict(TINY, epochs=2), tmp_path, resume=True, log=logs.append)
    assert not [p.name for p in tmp_path.glob(".tmp-*")]
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert "removed 3 unfinished temporary file(s)" in logs[0]
    (tmp_path / ".tmp-zz.safetensors").write_bytes(b"")
    fit(dict(TINY, epochs=1), tmp_path, log=quiet)  # a new run cleans up too
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "metrics.json"
    runfolder.write_json(path, {"ok": 1})
    with pytest.raises(TypeError):
        runfolder.write_json(path, {"ok": 2, "bad": object()})  # fails halfway through
    assert json.loads(path.read_text()) == {"ok": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]

    class Boom(Exception):
        pass

    def half_a_png(f, **kw):
        f.write(b"\x89PNG half")
        raise Boom

    from matplotlib.figure import Figure

    from glassgrad.train import report

    fig = Figure()
    fig.savefig = half_a_png
    (tmp_path / "loss.png").write_bytes(b"old picture")
    with pytest.raises(Boom):
        report.save_png(fig, str(tmp_path / "loss.png"))
    assert (tmp_path / "loss.png").read_bytes() == b"old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png", "metrics.json"]


def test_a_second_run_in_the_same_folder_is_refused(tmp_path):
    with runfolder.locked(str(tmp_path), "test"):
        with pytest.raises(RunFolderError, match="in use by another training run"):
            fit(dict(TINY, epochs=1), tmp_path, log=quiet)


def test_a_new_run_removes_the_earlier_runs_results(tmp_path):
    fit(dict(TINY, epochs=1), tmp_path, log=quiet)
    logs = []
    fit(dict(TINY, epochs=1), tmp_path, log=logs.append, stop_after_steps=1)
    assert "removed the earlier run's checkpoint.safetensors, best.safetensors" in logs[0]
    assert not (tmp_path / "metrics.json").exists() and not (tmp_path / "best.safetensors"
                                                              ).exists()


# ------------------------------------------------------------------ damaged run folders
@pytest.mark.parametrize("text, defect", [
    ("", "is empty"),
    ('{"epochs": 3,', "is not valid JSON"),
    ("[1, 2]", "should hold a JSON object, found list"),
    ('{"epochs": 0}', "epochs must be >= 1, got 0"),
    ('{"lr": "fast"}', "lr must be a finite number > 0, got 'fast'"),
    ('{"hidden": 32}', "hidden must be widths >= 1"),
    ('{"epohcs": 3}', "unknown setting 'epohcs'"),
], ids=["empty", "truncated", "list", "epochs-0", "lr-str", "hidden-int", "typo"])
def test_a_damaged_config_json_is_named_in_the_error(tmp_path, text, defect):
    fit(dict(TINY, epochs=1), tmp_path, log=quiet, stop_after_steps=1)
    (tmp_path / "config.json").write_text(text)
    path = str(tmp_path / "config.json")
    with pytest.raises(ValueError) as info:
        fit({}, tmp_path, resume=True, log=quiet)
    assert path in str(info.value) and defect in str(info.value)
    with pytest.raises(ValueError) as info:
        evaluate_dir(tmp_path, log=quiet)
    assert path in str(info.value) and defect in str(info.value)


def test_a_damaged_or_foreign_checkpoint_is_named_in_the_error(tmp_path):
    fit(dict(TINY, epochs=1), tmp_path, log=quiet, stop_after_steps=1)
    ckpt = tmp_path / "checkpoint.safetensors"
    good = ckpt.read_bytes()
    ckpt.write_bytes(good[:len(good) // 2])
    with pytest.raises(CheckpointError, match=str(ckpt)):
        fit({}, tmp_path, resume=True, log=quiet)
    gg.save({"model": {}, "epoch": 0}, ckpt)  # readable, but not this run's
    with pytest.raises(RunFolderError, match=f"{ckpt} does not fit this run's config.json"):
        fit({}, tmp_path, resume=True, log=quiet)


def test_resume_and_evaluate_name_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint to resume: no such folder"):
        fit({}, tmp_path / "nope", resume=True)
    with pytest.raises(FileNotFoundError, match="evaluate: no such folder: .*nope"):
        evaluate_dir(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunFolderError, match="is not a folder"):
        evaluate_dir(tmp_path / "file")


# ------------------------------------------------------------------ settings and data
@pytest.mark.parametrize("bad, message", [
    ({"epochs": 0}, "train: epochs must be >= 1, got 0"),
    ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
    ({"lr": float("nan")}, "lr must be a finite number > 0, got nan"),
    ({"dropout": 1.0}, "dropout must be in [0, 1), got 1.0"),
    ({"val_fraction": 0.0}, "val_fraction must be in (0, 1), got 0.0"),
    ({"limit": 0}, "limit must be >= 1, got 0"),
    ({"epochs": 2.5}, "epochs must be an integer >= 1, got 2.5"),
    ({"epochs": True}, "epochs must be an integer >= 1, got True"),
    ({"epoch": 3}, "unknown setting 'epoch'"),
])
def test_fit_checks_its_settings_before_loading_data(tmp_path, monkeypatch, bad, message):
    def no_data(*a, **k):
        raise AssertionError("the data was loaded")

    monkeypatch.setattr(datasets, "load", no_data)
    with pytest.raises(ValueError) as info:
        fit(bad, tmp_path / "run", log=quiet)
    assert message in str(info.value)
    assert not (tmp_path / "run").exists()


def test_limit_cuts_the_training_set_only_and_limit_test_the_test_set():
    full = datasets.load("digits", seed=0)
    cut = datasets.load("digits", seed=0, limit=100)
    assert len(cut.y_train) + len(cut.y_val) == 100
    assert len(cut.y_test) == len(full.y_test) == 1000
    np.testing.assert_array_equal(cut.y_test, full.y_test)  # (x: normalized differently)
    both = datasets.load("digits", seed=0, limit=100, limit_test=30)
    assert len(both.y_test) == 30 and len(both.y_train) == len(cut.y_train)
    with pytest.raises(ValueError, match="leaves 0 for validation"):
        datasets.load("digits", seed=0, limit=3, val_fraction=0.1)
