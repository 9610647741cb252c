"""The benchmark suite runs and reports what it should (benchmarks/): every case at tiny sizes
for one iteration (``--smoke``), the structure of its JSON and markdown, and the peers'
agreement with glassgrad. Nothing here asserts a speed."""

import gc
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks import THREADS, cases, peers, run, spread, targets, workloads  # noqa: E402
from benchmarks.harness import measure  # noqa: E402

# Failures the suite reports as results rather than crashes.
EXPECTED_FAILURES = {("deep_graph.value", "micrograd-style")}  # recursive sort, depth 2,000


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    result = run.main(["--smoke", "--out", str(out)])
    return result, out


def test_smoke_run_writes_json_and_markdown(smoke):
    result, out = smoke
    with open(out / "latest.json") as f:
        saved = json.load(f)
    assert saved["meta"]["mode"] == "smoke"
    assert [g["key"] for g in saved["groups"]] == [g["key"] for g in result["groups"]]
    md = (out / "latest.md").read_text()
    assert "| case | framework | median | min | max | unit | glassgrad/peer | notes |" in md
    assert "| target | measured | limit | status |" in md


def test_meta_records_threads_versions_cpu_and_date(smoke):
    meta = smoke[0]["meta"]
    assert meta["threads"] == THREADS
    assert {"python", "numpy", "glassgrad"} <= set(meta["versions"])
    for name in ("torch", "autograd"):
        assert (name in meta["versions"]) == (name not in meta["missing_peers"])
    assert meta["cpu"] and meta["date"][:2] == "20"


def test_every_case_runs_and_every_row_is_well_formed(smoke):
    groups = smoke[0]["groups"]
    assert {g["case"] for g in groups} == set(cases.CASES)
    for g in groups:
        # a summary table (reference "none": e.g. the activation ratios) has no glassgrad row
        assert "glassgrad" in g["results"] or g["reference"] == "none", g["key"]
        for name, r in g["results"].items():
            if "skipped" in r:
                assert g["case"] == "fashion_mnist", (g["key"], r)
                continue
            if "error" in r:
                assert (g["key"], name) in EXPECTED_FAILURES, (g["key"], name, r["error"])
                continue
            assert r["n"] >= 1
            assert r["min"] <= r["median"] <= r["max"], (g["key"], name)
            assert math.isfinite(r["median"])
        for name, ratio in g["ratios"].items():
            assert ratio == pytest.approx(g["results"]["glassgrad"]["median"]
                                          / g["results"][name]["median"])


def test_targets_are_evaluated(smoke):
    rows = smoke[0]["targets"]
    assert len(rows) >= 10
    for t in rows:
        assert t["status"] in ("pass", "miss", "n/a")
        assert "target" in t["text"]


@pytest.mark.parametrize("key", ["scalar_mlp", "tensor_mlp", "cnn", "resnet", "rnn.lstm",
                                 "rnn.lstm_lm"])
def test_first_losses_agree_across_frameworks(smoke, key):
    (g,) = [g for g in smoke[0]["groups"] if g["key"] == key]
    losses = {n: r["first_loss"] for n, r in g["results"].items()}
    if len(losses) < 2 and "torch" in smoke[0]["meta"]["missing_peers"]:
        pytest.skip(f"{key} compares glassgrad with torch only, and torch is not installed")
    assert len(losses) >= 2
    ref = losses["glassgrad"]
    for name, loss in losses.items():
        assert loss == pytest.approx(ref, rel=1e-4), name


def test_glassgrad_graph_is_released_and_freed(smoke):
    (g,) = [g for g in smoke[0]["groups"] if g["key"] == "memory.peak"]
    r = g["results"]["glassgrad"]
    assert r["saved_released"] is True
    assert r["graph_freed_by_refcount"] is True


def _losses_after(builder, steps=3):
    out = {}
    for name, step in builder.items():
        for _ in range(steps):
            loss = step()
        out[name] = float(loss.item() if hasattr(loss, "item") else getattr(loss, "data", loss))
    return out


def test_peers_backward_and_update_match_glassgrad():
    """Three SGD steps from the same weights: the losses only agree if every peer's
    gradients and updates do."""
    mods = peers.available(["glassgrad", "torch", "autograd", "numpy"])
    sizes = (12, 9, 7, 5)
    x, y = workloads.classification_batch((6, sizes[0]), n_classes=5)
    w = workloads.mlp_weights(sizes)
    mlp = _losses_after({n: m.mlp_step(w, x, y, lr=0.5) for n, m in mods.items()})
    x, y = workloads.classification_batch((3, 1, 28, 28))
    wc = workloads.cnn_weights()
    cnn = _losses_after({n: m.cnn_step(wc, x, y, lr=0.5) for n, m in mods.items()})
    for losses in (mlp, cnn):
        for name, loss in losses.items():
            assert loss == pytest.approx(losses["glassgrad"], rel=1e-4), name

    scalar = peers.available(["glassgrad", "micrograd-style"])
    xs, ys = workloads.moons(6)
    ws = workloads.scalar_weights((2, 4, 4, 1))
    sl = _losses_after({n: m.scalar_mlp_step(ws, xs, ys, lr=0.5) for n, m in scalar.items()})
    assert sl["micrograd-style"] == pytest.approx(sl["glassgrad"], rel=1e-9)


def test_chain_gradients_agree():
    expected = workloads.MUL**3  # 5 ops: ((x * m + a) * m + a) * m, so d/dx = m^3
    tensor = peers.available(["glassgrad", "torch", "autograd"])
    for name, mod in tensor.items():
        g = mod.chain(5)()
        g = np.asarray(getattr(g, "data", g) if name == "glassgrad" else g)
        np.testing.assert_allclose(g, np.full(4, expected, np.float32), rtol=1e-6)
    for name, mod in peers.available(["glassgrad", "micrograd-style"]).items():
        assert mod.value_chain(5)() == pytest.approx(expected), name


def test_measure_records_a_failing_framework_and_keeps_the_others():
    def broken():
        raise RecursionError("too deep")

    res = measure({"ok": lambda: None, "bad": broken}, warmup=1, repeats=2, rounds=2)
    assert res["bad"] == {"error": "RecursionError: too deep"}
    assert res["ok"]["n"] == 2


def test_script_entry_points(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    p = subprocess.run([sys.executable, "benchmarks/run.py", "--smoke", "--case", "per-op",
                        "--out", str(tmp_path), "--plot"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Per-op overhead, Value" in p.stdout
    assert (tmp_path / "latest.png").stat().st_size > 0
    p = subprocess.run([sys.executable, "benchmarks/chain.py", "--n", "50", "--repeat", "1"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Tensor (4,)" in p.stdout and "Value" in p.stdout
    p = subprocess.run([sys.executable, "-m", "benchmarks", "--case", "nope"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "unknown case 'nope'" in p.stderr


def test_meta_records_commit_blas_and_gc_and_the_markdown_states_them(smoke):
    result, out = smoke
    meta = result["meta"]
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True,
                          text=True)
    if head.returncode == 0:
        assert meta["git"]["commit"] == head.stdout.strip()
        assert isinstance(meta["git"]["dirty"], bool)
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    assert meta["blas"]["name"] == blas
    assert meta["gc"]["enabled"] is True and meta["gc"]["frozen"] is False
    md = (out / "latest.md").read_text()
    assert f"BLAS (numpy): {blas}" in md
    assert "Garbage collection: garbage collector on" in md and "nothing frozen" in md
    if head.returncode == 0:
        assert f"Code: HEAD {head.stdout.strip()[:12]}" in md


def test_measure_runs_with_the_collector_on_and_nothing_frozen():
    seen = []

    def probe():
        seen.append((gc.isenabled(), gc.get_freeze_count()))

    before = gc.get_freeze_count()
    measure({"a": probe, "b": probe}, warmup=1, repeats=2)
    assert seen and all(on for on, _ in seen)
    assert all(frozen == before for _, frozen in seen)


def test_no_target_is_set_against_the_numpy_cnn():
    """The hand-written numpy CNN is slower than glassgrad: a target against it can't miss."""
    assert not [t for t in targets.TARGETS if t[0] == "cnn" and t[3] == "numpy"]
    assert [t for t in targets.TARGETS if t[0] == "cnn" and t[3] == "torch"]


def test_spread_takes_the_last_run_and_the_range_of_medians(tmp_path):
    def fake(median, date):
        return {"meta": {"command": "python -m benchmarks", "date": date,
                         "git": {"commit": "a" * 40, "dirty": False},
                         "load_average_start": [0, 0, 0], "load_average_end": [0, 0, 0],
                         "elapsed_s": 1.0},
                "groups": [{"key": "cnn", "title": "CNN step", "unit": "ms/step",
                            "results": {"glassgrad": {"median": median}}}]}

    paths = []
    for i, m in enumerate([5.0, 3.0, 4.0]):
        d = tmp_path / "runs" / str(i)
        d.mkdir(parents=True)
        (d / "latest.json").write_text(json.dumps(fake(m, f"2026-01-0{i + 1}")))
        paths.append(str(d / "latest.json"))
    spread.main([*paths, "--out", str(tmp_path)])
    md = (tmp_path / "spread.md").read_text()
    assert "| CNN step | glassgrad | 4 | 3 | 5 | ms/step | 3 |" in md
    assert json.loads((tmp_path / "latest.json").read_text())["meta"]["date"] == "2026-01-03"
