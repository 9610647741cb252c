"""The training command line under mistakes and interruptions: flag values checked before any
work, missing folders and dataset files, --download from a local fake mirror, Ctrl-C and
SIGKILL in a real process, and hints that name the command the user actually has."""

import gzip
import hashlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import glassgrad as gg
from checkpoint_helpers import assert_arrays_bitwise_equal
from glassgrad import cli
from glassgrad.data import mnist
from glassgrad.data.idx import write_idx
from glassgrad.train import datasets, fit

PNG_END = b"IEND\xaeB`\x82"


@pytest.fixture
def no_data(monkeypatch):
    """Fail the test if any data is loaded."""
    def load(*a, **k):
        raise AssertionError("the data was loaded")

    monkeypatch.setattr(datasets, "load", load)


# ------------------------------------------------------------------ flags
@pytest.mark.parametrize("flag, value, message", [
    ("--epochs", "0", "argument --epochs: must be >= 1, got 0"),
    ("--epochs", "-3", "argument --epochs: must be >= 1, got -3"),
    ("--epochs", "2.5", "argument --epochs: must be an integer, got '2.5'"),
    ("--batch-size", "0", "argument --batch-size: must be >= 1, got 0"),
    ("--lr", "0", "argument --lr: must be a finite number > 0, got 0"),
    ("--lr", "-1e-3", "argument --lr: must be a finite number > 0, got -1e-3"),
    ("--lr", "nan", "argument --lr: must be a finite number > 0, got nan"),
    ("--lr", "inf", "argument --lr: must be a finite number > 0, got inf"),
    ("--lr", "fast", "argument --lr: must be a number, got 'fast'"),
    ("--weight-decay", "-1", "argument --weight-decay: must be a finite number >= 0"),
    ("--momentum", "nan", "argument --momentum: must be a finite number >= 0, got nan"),
    ("--dropout", "1", "argument --dropout: must be in [0, 1), got 1"),
    ("--dropout", "-0.1", "argument --dropout: must be in [0, 1), got -0.1"),
    ("--val-fraction", "0", "argument --val-fraction: must be in (0, 1), got 0"),
    ("--val-fraction", "1", "argument --val-fraction: must be in (0, 1), got 1"),
    ("--limit", "0", "argument --limit: must be >= 1, got 0"),
    ("--limit-test", "-5", "argument --limit-test: must be >= 1, got -5"),
    ("--patience", "-1", "argument --patience: must be >= 0"),
    ("--checkpoint-every", "0", "argument --checkpoint-every: must be >= 1 (steps), got 0"),
    ("--seed", "-1", "argument --seed: must be in [0, 2**63), got -1"),
    ("--hidden", "0,32", "argument --hidden: expected comma-separated integers >= 1"),
    ("--channels", ",", "argument --channels: expected comma-separated integers >= 1"),
])
def test_bad_flag_values_are_refused_before_any_work(tmp_path, capsys, no_data, flag, value,
                                                     message):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", f"{flag}={value}", "--out", str(tmp_path / "run")])
    assert info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, message", [
    (["--out", "FILE"], "argument --out: FILE is a file, not a folder"),
    (["--resume", "--lr", "0.1"], "argument --lr: cannot change when resuming"),
    (["--download"], "argument --download: only --dataset mnist or fashion-mnist"),
    (["--dataset", "moons", "--download"], "moons needs no files"),
])
def test_flag_combinations_are_refused_before_any_work(tmp_path, capsys, no_data,
                                                       monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("x")
    with pytest.raises(SystemExit) as info:
        cli.main(["train", *args])
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_evaluate_a_missing_or_unfinished_folder(tmp_path, capsys):
    assert cli.main(["evaluate", str(tmp_path / "nope")]) == 2
    assert f"evaluate: no such folder: {tmp_path / 'nope'}" in capsys.readouterr().err
    fit({"limit": 100, "hidden": [4], "epochs": 1, "progress": False}, tmp_path / "run",
        log=lambda *a: None, stop_after_steps=1)
    assert cli.main(["evaluate", str(tmp_path / "run")]) == 2
    assert "has no best.safetensors yet" in capsys.readouterr().err


def test_keyboard_interrupt_before_training_exits_130_in_one_line(tmp_path, capsys,
                                                                  monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(datasets, "load", interrupted)
    assert cli.main(["train", "--out", str(tmp_path / "run"), "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert err == "interrupted before the first checkpoint; nothing to resume\n"


# ------------------------------------------------------------------ MNIST files
@pytest.fixture
def clean_home(tmp_path, monkeypatch):
    monkeypatch.delenv("GLASSGRAD_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})
    return tmp_path


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_missing_mnist_files_say_what_to_do_on_the_command_line(clean_home, capsys, dataset):
    assert cli.main(["train", "--dataset", dataset, "--out", str(clean_home / "run")]) == 2
    err = capsys.readouterr().err
    assert f"~/.cache/glassgrad/{dataset}" in err
    assert "Use --download to fetch them into" in err and "or --root DIR" in err
    for python_only in ("download=True", "load_mnist", "load_fashion_mnist", "../shared",
                        "GLASSGRAD_DATA="):
        assert python_only not in err
    assert str(clean_home / "home" / ".cache" / "glassgrad" / dataset) in err  # looked there


def _fake_mirror(directory):
    """Small MNIST-shaped gzipped IDX files, and their SHA-256 pins computed here."""
    directory.mkdir(parents=True)
    rng = np.random.default_rng(0)
    pins = {}
    for split, n in (("train", 60), ("t10k", 20)):
        images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
            base = f"{split}-{kind}-ubyte"
            write_idx(directory / (base + ".gz"), arr, gzip=True)
            pins[base] = hashlib.sha256(gzip.decompress(
                (directory / (base + ".gz")).read_bytes())).hexdigest()
    return pins


def test_download_fetches_checks_and_caches_the_files(clean_home, capsys, monkeypatch):
    pins = _fake_mirror(clean_home / "mirror")
    monkeypatch.setattr(mnist, "SHA256", {"mnist": pins})
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [(clean_home / "mirror").as_uri() + "/"]})
    args = ["train", "--dataset", "mnist", "--epochs", "1", "--hidden", "4", "--no-progress"]
    assert cli.main([*args, "--download", "--out", str(clean_home / "a")]) == 0
    cache = clean_home / "home" / ".cache" / "glassgrad" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(b + ".gz" for b in pins)
    assert "downloading file://" in capsys.readouterr().err
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": ["https://example.invalid/"]})
    assert cli.main([*args, "--out", str(clean_home / "b")]) == 0  # from the cache now
    assert json.loads((clean_home / "b" / "metrics.json").read_text())["config"][
        "dataset"] == "mnist"


def test_download_with_a_wrong_checksum_fails_naming_the_file(clean_home, capsys,
                                                              monkeypatch):
    pins = _fake_mirror(clean_home / "mirror")
    monkeypatch.setattr(mnist, "SHA256", {"mnist": dict(pins, **{
        "train-labels-idx1-ubyte": "0" * 64})})
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [(clean_home / "mirror").as_uri() + "/"]})
    rc = cli.main(["train", "--dataset", "mnist", "--download", "--root",
                   str(clean_home / "data"), "--out", str(clean_home / "run")])
    err = capsys.readouterr().err
    assert rc == 1 and "train-labels-idx1-ubyte.gz" in err and "0" * 64 in err
    assert not (clean_home / "data" / "mnist" / "train-labels-idx1-ubyte.gz").exists()


# ------------------------------------------------------------------ the command in hints
def _fake_python(folder, with_script):
    folder.mkdir(parents=True)
    for name in ["python"] + (["glassgrad"] if with_script else []):
        (folder / name).write_text("#!/bin/sh\n")
        (folder / name).chmod(0o755)
    return folder / "python"


@pytest.mark.parametrize("script, on_path, expected", [
    (False, False, "env/bin/python -m glassgrad"),
    (False, True, "python -m glassgrad"),
    (True, False, "env/bin/glassgrad"),
    (True, True, "glassgrad"),
])
def test_hints_name_the_command_the_user_has(tmp_path, monkeypatch, script, on_path,
                                             expected):
    python = _fake_python(tmp_path / "env" / "bin", script)
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.setenv("PATH", str(python.parent) if on_path else str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    assert cli.command_name() == expected
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # not below the current folder: the full path
    if not on_path:
        assert cli.command_name() == shlex.quote(str(python.parent / (
            "glassgrad" if script else "python"))) + ("" if script else " -m glassgrad")


def test_a_path_with_spaces_is_quoted(tmp_path, monkeypatch):
    python = _fake_python(tmp_path / "my env" / "bin", False)
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path / "my env")
    assert cli.command_name() == "bin/python -m glassgrad"
    monkeypatch.chdir("/")
    assert shlex.split(cli.command_name()) == [str(python), "-m", "glassgrad"]


def test_usage_shows_the_command_and_main_returns_an_exit_code(capsys, monkeypatch):
    monkeypatch.setattr(cli, "command_name", lambda: "glassgrad")
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    assert capsys.readouterr().out.startswith("usage: glassgrad train")
    assert cli.main(["evaluate", "/nonexistent/run"]) == 2  # an int: sys.exit(main()) works


# ------------------------------------------------------------------ real processes
def _start(tmp_path, *args):
    """``python -m glassgrad train ARGS`` with SIGINT at its default, and a reader thread."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassgrad", "train", "--no-progress", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    proc.lines = []
    reader = threading.Thread(target=lambda: proc.lines.extend(proc.stdout), daemon=True)
    reader.start()
    return proc


def _wait_until(proc, ready, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            return False
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"nothing after {timeout}s: {proc.lines}")
        time.sleep(0.02)
    return True


def _training(proc):
    return lambda: any("parameters" in line for line in proc.lines)


def test_ctrl_c_saves_the_current_step_and_exits_130_with_one_line(tmp_path, monkeypatch):
    out = tmp_path / "run"
    args = ["--limit", "2000", "--batch-size", "1", "--hidden", "8", "--epochs", "1"]
    proc = _start(tmp_path, *args, "--out", str(out))
    try:
        assert _wait_until(proc, lambda: (out / "checkpoint.safetensors").exists()), \
            proc.communicate()
        time.sleep(0.3)  # well inside the first epoch of 1800 steps
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "training interrupted in epoch 1 after batch" in lines[0]
    monkeypatch.chdir(tmp_path)  # the child's folder, which its hint is relative to
    assert lines[0].endswith(f"resume with: {cli.command_name()} train --out "
                             f"{shlex.quote(str(out))} --resume")
    state = gg.load(out / "checkpoint.safetensors")
    assert state["epoch"] == 0 and 0 < state["batch"] < 1800 and state["step"] == state["batch"]
    assert not list(out.glob(".tmp-*"))
    # the checkpoint is exactly step k of an uninterrupted run
    fit({"limit": 2000, "batch_size": 1, "hidden": [8], "epochs": 1, "progress": False},
        tmp_path / "ref", log=lambda *a: None, stop_after_steps=state["step"])
    ref = gg.load(tmp_path / "ref" / "checkpoint.safetensors")
    assert_arrays_bitwise_equal(state, ref)
    assert state["running"]["loss"] == ref["running"]["loss"]


def _saves(out, n):
    """A test that is true once the checkpoint has been rewritten ``n`` times (as seen)."""
    path, seen = out / "checkpoint.safetensors", []

    def ready():
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            return False
        if not seen or seen[-1] != stamp:
            seen.append(stamp)
        return len(seen) > n

    return ready


def _check_folder(out):
    """What a SIGKILL may leave: whole files (and .tmp-* files), never a torn one."""
    for name in ("config.json", "metrics.json"):
        if (out / name).exists():
            text = (out / name).read_text()
            assert text.strip(), f"{name} is empty"
            json.loads(text)
    for name in ("checkpoint.safetensors", "best.safetensors"):
        if (out / name).exists():
            gg.load(out / name)
    for name in ("loss.png", "accuracy.png", "grad_flow.png"):
        if (out / name).exists():
            assert (out / name).read_bytes().endswith(PNG_END), name
    return {p.name for p in out.glob(".tmp-*")}


def test_sigkill_at_random_moments_always_leaves_a_resumable_folder(tmp_path):
    out = tmp_path / "run"
    # long enough (400 steps, 200 checkpoints) that every life is cut short: a kill comes
    # after at most 7 rewrites the test sees, so a loaded machine cannot let a run finish first
    args = ["--limit", "400", "--batch-size", "8", "--hidden", "8", "--epochs", "8",
            "--checkpoint-every", "2", "--limit-test", "50"]
    rng = np.random.default_rng(16)
    kills, stale, finished = 0, set(), False
    while kills < 6 and not finished:
        resume = ["--resume"] if (out / "checkpoint.safetensors").exists() else args
        proc = _start(tmp_path, *resume, "--out", str(out))
        try:
            started = _wait_until(proc, _training(proc))
            assert not (stale & {p.name for p in out.glob(".tmp-*")}), "stale files kept"
            if started:  # after a random number of checkpoints, then a moment more
                _wait_until(proc, _saves(out, int(rng.integers(1, 8))))
                time.sleep(rng.uniform(0.0, 0.02))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(timeout=30)
        finally:
            proc.kill()
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read()
        finished = proc.returncode == 0
        stale = _check_folder(out)
    assert kills >= 3
    rc = cli.main(["train", "--out", str(out), "--resume", "--no-progress"])
    assert rc == 0 and not list(out.glob(".tmp-*"))
    _check_folder(out)
    # the killed and resumed run is the uninterrupted one, bit for bit
    fit({"limit": 400, "batch_size": 8, "hidden": [8], "epochs": 8, "checkpoint_every": 2,
         "limit_test": 50, "progress": False}, tmp_path / "ref", log=lambda *a: None)
    assert_arrays_bitwise_equal(gg.load(out / "checkpoint.safetensors"),
                                gg.load(tmp_path / "ref" / "checkpoint.safetensors"))
    metrics = json.loads((out / "metrics.json").read_text())
    ref = json.loads((tmp_path / "ref" / "metrics.json").read_text())
    assert metrics["test_acc"] == ref["test_acc"] and metrics["confusion"] == ref["confusion"]


def test_a_closed_pipe_ends_the_command_quietly():
    """`glassgrad explain ... | head -1`: no BrokenPipeError traceback, exit 141 as Unix tools."""
    formula = "+".join(["x"] * 300)
    proc = subprocess.Popen([sys.executable, "-m", "glassgrad", "explain", formula, "--set",
                             "x=1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err
