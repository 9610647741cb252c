"""The playground's server, without a browser: the token, Host and Origin checks, formulas
through the whitelist parser with clear errors, bounded sizes, and the training task that
starts, reports and stops (also when the page goes away). Also ``data.make_circles``.

The update rate and the formula latency are measured and printed (``pytest -s``), not
asserted: the machine's load decides them.
"""

import asyncio
import json
import math
import re
import socket
import subprocess
import sys
import time
from importlib import resources

import numpy as np
import pytest

from glassgrad.data import make_circles

aiohttp = pytest.importorskip("aiohttp", reason="the playground needs aiohttp "
                              "(pip install aiohttp)")
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from glassgrad.playground import server as srv  # noqa: E402
from glassgrad.playground.formula import formula_view  # noqa: E402
from glassgrad.playground.network import ConfigError, Trainer, check_config  # noqa: E402
from glassgrad.viz.expr import ExpressionError  # noqa: E402


def run(scenario, **app_kwargs):
    """Run ``scenario(client, app)`` against a fresh app on a free 127.0.0.1 port."""
    async def main():
        app = srv.create_app(**app_kwargs)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        try:
            return await scenario(client, app)
        finally:
            await client.close()
    return asyncio.run(main())


def tok(app):
    return {"token": app[srv.TOKEN]}


async def post(client, app, body, **kw):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    r = await client.post("/api/formula", params=tok(app), data=data, **kw)
    text = await r.text()
    return r.status, json.loads(text) if text.startswith("{") else text


# ----------------------------------------------------------------------------- the guard
def test_every_request_needs_the_token():
    async def scenario(client, app):
        for path in ("/", "/static/app.js", "/static/app.css", "/ws", "/nowhere"):
            for params in ({}, {"token": "wrong"}, {"token": app[srv.TOKEN][:-1]},
                           {"token": app[srv.TOKEN] + "x"}):
                r = await client.get(path, params=params)
                assert r.status == 403, (path, params)
                assert "token" in await r.text()
        r = await client.post("/api/formula", data='{"formula": "x"}')
        assert r.status == 403
        assert (await client.get("/", params=tok(app))).status == 200
        assert (await client.get("/nowhere", params=tok(app))).status == 404
    run(scenario)


def test_host_header_must_name_this_server():
    async def scenario(client, app):
        port = client.port
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}",
                     "127.0.0.1", f"0.0.0.0:{port}", f"[::1]:{port}"):
            r = await client.get("/", params=tok(app), headers={"Host": host})
            assert r.status == 403, host
            assert "Host" in await r.text()
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            r = await client.get("/", params=tok(app), headers={"Host": host})
            assert r.status == 200, host
    run(scenario)


def test_a_foreign_origin_is_refused():
    async def scenario(client, app):
        status, _ = await post(client, app, {"formula": "x*y"},
                               headers={"Origin": "http://evil.example"})
        assert status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as e:
            await client.ws_connect("/ws", params=tok(app),
                                    headers={"Origin": "http://evil.example"})
        assert e.value.status == 403
        status, _ = await post(client, app, {"formula": "x*y"},
                               headers={"Origin": f"http://127.0.0.1:{client.port}"})
        assert status == 200
    run(scenario)


def test_page_carries_the_token_and_loads_nothing_from_elsewhere():
    async def scenario(client, app):
        r = await client.get("/", params=tok(app))
        page = await r.text()
        assert f'/static/app.js?token={app[srv.TOKEN]}' in page
        assert f'/static/app.css?token={app[srv.TOKEN]}' in page
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["Cache-Control"] == "no-store"
        for name in ("app.js", "app.css"):
            r = await client.get(f"/static/{name}", params=tok(app))
            assert r.status == 200
        assert (await client.get("/static/server.py", params=tok(app))).status == 404
    run(scenario)
    static = resources.files("glassgrad.playground").joinpath("static")
    for name in ("index.html", "app.js", "app.css"):
        text = static.joinpath(name).read_text()
        assert not re.search(r"https?://", text), f"{name} names a URL elsewhere"
        assert "@import" not in text


def test_the_token_is_random():
    a, b = srv.create_app(), srv.create_app()
    assert a[srv.TOKEN] != b[srv.TOKEN] and len(a[srv.TOKEN]) >= 20


# ----------------------------------------------------------------------------- formulas
def test_a_formula_gives_graph_table_steps_and_numeric_gradients():
    async def scenario(client, app):
        status, v = await post(client, app, {"formula": "tanh(w*x + b)",
                                             "values": {"w": 2, "x": -1.5, "b": 0.5}})
        assert status == 200
        assert v["variables"] == ["w", "x", "b"]
        assert v["value"] == pytest.approx(math.tanh(-2.5))
        assert v["svg"].startswith("<svg") and 'data-k="n0"' in v["svg"]
        assert "data-show" in v["svg"]
        assert len(v["frames"]) == len(v["rows"]) + 2  # no gradient, the seed, one per product
        assert "upstream × local" in v["frames"][2]["caption"]
        d = 1 - math.tanh(-2.5) ** 2
        grads = {leaf["name"]: leaf for leaf in v["leaves"]}
        assert grads["w"]["grad"] == pytest.approx(d * -1.5)
        assert grads["x"]["grad"] == pytest.approx(d * 2)
        for leaf in v["leaves"]:
            assert leaf["ok"] and leaf["numeric"] == pytest.approx(leaf["grad"], rel=1e-5)
        # while a slider moves: no layout, the new texts of the same nodes
        status, fast = await post(client, app, {"formula": "tanh(w*x + b)", "layout": False,
                                                "values": {"w": 2, "x": 1, "b": 0.5}})
        assert status == 200 and "svg" not in fast
        assert set(fast["texts"]) <= set(re.findall(r'data-k="(n\d+)"', v["svg"]))
        assert any(t.get("data") == "data 1.000" for t in fast["texts"].values())
    run(scenario)


def test_numeric_gradients_cover_every_function():
    v = formula_view("sin(x)*cos(y) + exp(x)/sigmoid(y) - relu(x)*log(y) + tanh(x**2)",
                     {"x": 0.3, "y": 2.0})
    assert [leaf["name"] for leaf in v["leaves"]] == ["x", "y"]
    assert all(leaf["ok"] for leaf in v["leaves"]), v["leaves"]
    assert v["svg"].count("numeric") >= 2


def test_relu_at_its_kink_shows_the_numeric_disagreement():
    (leaf,) = formula_view("relu(x)", {"x": 0.0})["leaves"]
    assert leaf["grad"] == 0.0 and leaf["numeric"] == pytest.approx(0.5) and not leaf["ok"]


def test_a_derivative_that_overflows_is_a_clear_error():
    with pytest.raises(ExpressionError, match="cannot differentiate at these values"):
        formula_view("1/x", {"x": 1e-300})


def test_a_missing_value_starts_at_one():
    v = formula_view("x * y", {"x": 3}, numeric=False)
    assert v["values"] == {"x": 3.0, "y": 1.0} and v["value"] == 3.0
    assert "numeric" not in v["svg"]  # not drawn, but still in the table
    assert [(leaf["grad"], leaf["numeric"]) for leaf in v["leaves"]] == [
        (1.0, pytest.approx(1.0)), (3.0, pytest.approx(3.0))]


@pytest.mark.parametrize("formula, says", [
    ("x.__class__", "attribute access"),
    ("__import__('os').system('true')", "__import__"),
    ("(lambda: 1)()", "not allowed"),
    ("x +", "syntax error"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("x ** 1000", "exponent"),
    ("exp(exp(x))", "cannot compute exp(x)"),
    ("", "empty"),
    ("3 * 4", "no variables"),
    ("x", "single variable"),
    ("x" * 301, "too long"),
    (" + ".join(f"v{i}" for i in range(13)), "13 variables"),
    ("*".join(["(x+1)"] * 45), "nodes"),
])
def test_bad_formulas_get_a_clear_message(formula, says):
    async def scenario(client, app):
        return await post(client, app, {"formula": formula, "values": {"x": 1e3}})
    status, body = run(scenario)
    assert status == 400
    assert says in body["error"], body
    assert "Traceback" not in body["error"]


@pytest.mark.parametrize("body, status, says", [
    ("not json", 400, "not JSON"),
    ("[1, 2]", 400, "needs"),
    ('{"formula": 3}', 400, "needs"),
    ('{"formula": "x*y", "values": {"x": "a"}}', 400, "must be a number"),
    ('{"formula": "x*y", "values": {"x": 1e400}}', 400, "finite"),
    ('{"formula": "x*y", "values": {"x": 1e7}}', 400, "at most"),
    ('{"formula": "x*y", "values": [1]}', 400, "values must be"),
])
def test_bad_requests_get_a_clear_message(body, status, says):
    async def scenario(client, app):
        return await post(client, app, body)
    got, answer = run(scenario)
    assert got == status and says in answer["error"]


def test_request_bodies_are_bounded():
    async def scenario(client, app):
        r = await client.post("/api/formula", params=tok(app),
                              data=json.dumps({"formula": "x", "pad": "a" * srv.MAX_BODY}))
        return r.status
    assert run(scenario) == 413


def test_formula_latency_is_reported():
    """A 30-node formula: the time of a request with a new layout and of one that keeps it
    (what a dragged slider sends). Printed, not asserted."""
    formula = " + ".join(f"a{i}*tanh(b{i}*x)" for i in range(5))

    async def scenario(client, app):
        times = {True: [], False: []}
        for k in range(6):
            for layout in (True, False):
                t = time.perf_counter()
                status, v = await post(client, app, {"formula": formula, "layout": layout,
                                                     "values": {"x": 0.1 * k}})
                times[layout].append(1000 * (time.perf_counter() - t))
                assert status == 200 and v["nodes"] == 30
        return times
    times = run(scenario)
    print(f"\n30-node formula, ms per request: new layout (dot) median "
          f"{np.median(times[True]):.0f}, layout kept (slider dragging) median "
          f"{np.median(times[False]):.0f}")


# ----------------------------------------------------------------------------- training
async def receive(ws, kind, timeout=20.0):
    """The next message of type ``kind`` (others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = await ws.receive_json(timeout=max(deadline - time.monotonic(), 0.01))
        if msg["type"] == kind:
            return msg
        assert msg["type"] != "error", msg


def test_training_starts_reports_pauses_and_steps():
    async def scenario(client, app):
        ws = await client.ws_connect("/ws", params=tok(app))
        await ws.send_json({"type": "config", "config": {"hidden": [16, 16], "samples": 200}})
        reset = await receive(ws, "reset")
        assert len(reset["points"]["train"]) == 200
        first = await receive(ws, "state")
        assert first["step"] == 0 and len(first["boundary"]) == 40 * 40
        assert not (await receive(ws, "status"))["running"]  # ready: press train
        session = next(iter(app[srv.SESSIONS]))
        await ws.send_json({"type": "start"})
        assert (await receive(ws, "status"))["running"]
        t0, states = time.monotonic(), []
        while time.monotonic() - t0 < 2.0:
            states.append(await receive(ws, "state"))
        rate = len(states) / (time.monotonic() - t0)
        steps = [s["step"] for s in states]
        assert steps == sorted(steps) and steps[-1] > steps[0]
        assert set(states[-1]["norms"]) == {"hidden1.weight", "hidden1.bias", "hidden2.weight",
                                            "hidden2.bias", "out.weight", "out.bias"}
        assert session.task is not None and not session.task.done()
        await ws.send_json({"type": "pause", "sample": 3})
        status = await receive(ws, "status")
        assert not status["running"]
        graph = await receive(ws, "graph")
        assert graph["sample"] == 3 and graph["svg"].lstrip().startswith("<?xml")
        assert "hidden1: Linear(2, 16)" in graph["svg"]
        assert session.task is None and not session.running
        paused_at = status["step"]
        await asyncio.sleep(0.3)
        await ws.send_json({"type": "step"})
        assert (await receive(ws, "state"))["step"] == paused_at + 1
        await ws.close()
        return rate, steps[-1] / (time.monotonic() - t0)
    rate, _ = run(scenario)
    print(f"\ntraining updates sent per second, 2-16-16-1 on 200 points: {rate:.1f}")


def test_closing_the_page_stops_training():
    async def scenario(client, app):
        ws = await client.ws_connect("/ws", params=tok(app))
        await ws.send_json({"type": "start"})
        await receive(ws, "state")
        session = next(iter(app[srv.SESSIONS]))
        task = session.task
        await ws.close()
        for _ in range(100):
            if not app[srv.SESSIONS] and task.done():
                break
            await asyncio.sleep(0.05)
        assert not app[srv.SESSIONS] and task.done() and not session.running
    run(scenario)


def test_a_silent_page_is_dropped_after_the_heartbeat():
    async def scenario(client, app):
        # a page that no longer answers pings (a browser answers them itself while the tab
        # lives, also in the background): the server closes within the heartbeat
        ws = await client.ws_connect("/ws", params=tok(app), autoping=False)
        await ws.send_json({"type": "start"})
        t0 = time.monotonic()
        while True:
            msg = await ws.receive(timeout=10)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                break
        waited = time.monotonic() - t0
        for _ in range(100):
            if not app[srv.SESSIONS]:
                break
            await asyncio.sleep(0.05)
        assert not app[srv.SESSIONS]
        return waited
    waited = run(scenario, heartbeat=0.6)
    assert 0.2 < waited < 5


def test_training_time_is_bounded():
    async def scenario(client, app):
        ws = await client.ws_connect("/ws", params=tok(app))
        await ws.send_json({"type": "start"})
        await receive(ws, "status")
        status = await receive(ws, "status", timeout=10)
        assert not status["running"] and "training stops after" in status["message"]
        await ws.close()
    run(scenario, train_seconds=0.3)


def test_bad_messages_and_settings_get_a_clear_message():
    async def scenario(client, app):
        ws = await client.ws_connect("/ws", params=tok(app))
        out = []
        for raw in ("not json", "[1]", json.dumps({"type": "fly"}),
                    json.dumps({"type": "config", "config": {"hidden": [16, 99]}}),
                    json.dumps({"type": "config", "config": {"lr": "fast"}}),
                    json.dumps({"type": "config", "config": {"dataset": "mnist"}}),
                    json.dumps({"type": "config", "config": {"engine": "value",
                                                             "hidden": [16]}}),
                    json.dumps({"type": "config", "config": {"rm": 1}})):
            await ws.send_str(raw)
            out.append((await receive(ws, "error"))["message"])
        await ws.close()
        return out
    msgs = run(scenario)
    assert "not JSON" in msgs[0] and "not JSON" in msgs[1]
    assert "unknown message type" in msgs[2]
    assert "1 to 32 units" in msgs[3]
    assert "lr must be a number" in msgs[4]
    assert "dataset must be one of" in msgs[5] and "circles" in msgs[5]
    assert "1 to 8 units on the value engine" in msgs[6]
    assert "unknown setting 'rm'" in msgs[7]
    assert not any("Traceback" in m for m in msgs)


def test_websocket_messages_and_pages_are_bounded():
    async def scenario(client, app):
        ws = await client.ws_connect("/ws", params=tok(app))
        await ws.send_str("x" * (srv.MAX_BODY + 10))
        msg = await ws.receive(timeout=10)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        pages = [await client.ws_connect("/ws", params=tok(app)) for _ in range(srv.MAX_PAGES)]
        with pytest.raises(aiohttp.WSServerHandshakeError) as e:
            await client.ws_connect("/ws", params=tok(app))
        assert e.value.status == 503
        for p in pages:
            await p.close()
    run(scenario)


def test_settings_are_checked():
    c = check_config({"hidden": "8, 4", "lr": "0.1"})
    assert c["hidden"] == [8, 4] and c["lr"] == 0.1 and c["dataset"] == "moons"
    for bad in ({"hidden": [0]}, {"hidden": [8] * 5}, {"lr": 100}, {"samples": 10_000},
                {"batch_size": 2.5}, {"dropout": float("nan")}, {"noise": True},
                {"engine": "value", "batch_size": 64}, {"engine": "value", "hidden": [4] * 4}):
        with pytest.raises(ConfigError):
            check_config(bad)


@pytest.mark.parametrize("dataset", ["moons", "spirals", "xor", "blobs", "circles"])
def test_each_toy_set_trains(dataset):
    t = Trainer({"dataset": dataset, "samples": 100, "seed": 1})
    first = t.advance(0)["history"]["train"][0]
    for _ in range(40):
        snap = t.advance(5)
    assert snap["history"]["train"][-1] < first
    assert set(np.unique([p[2] for p in t.points()["train"]])) == {0, 1}


def test_value_engine_shows_every_neuron():
    t = Trainer({"engine": "value", "hidden": [3, 2], "batch_size": 4, "seed": 2})
    before = t.advance(0)["history"]["train"][0]
    for _ in range(30):
        snap = t.advance(5)
    assert snap["history"]["train"][-1] < before
    assert set(snap["norms"]) == {"hidden1.weight", "hidden1.bias", "hidden2.weight",
                                  "hidden2.bias", "out.weight", "out.bias"}
    grads = [p.grad for p in t.model.parameters()]
    svg = t.sample_graph(5)["svg"]
    assert [p.grad for p in t.model.parameters()] == grads, "drawing changed the gradients"
    for name in ("hidden1.neurons.0", "hidden1.neurons.2", "hidden2.neurons.1",
                 "out.neurons.0"):
        assert f"{name}: ScalarNeuron" in svg
    assert "hidden1.neurons.1.w0" in svg  # every weight is a node, with its name


def test_dropout_and_l2_are_used():
    t = Trainer({"dropout": 0.5, "l2": 0.01, "seed": 3})
    assert "drop1" in dict(t.model.named_children())
    assert t.opt.param_groups[0]["weight_decay"] == 0.01
    p1, p2 = t.probabilities(t.X[:5]), t.probabilities(t.X[:5])
    assert np.array_equal(p1, p2), "the boundary is drawn without dropout"


# ----------------------------------------------------------------------------- the command
def test_the_command_serves_on_localhost_and_prints_the_url():
    proc = subprocess.Popen([sys.executable, "-m", "glassgrad.playground"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
        assert m, line + proc.stderr.read() if proc.poll() is not None else line
        import urllib.error
        import urllib.request

        with urllib.request.urlopen(m.group(0), timeout=10) as r:
            assert r.status == 200 and "glassgrad playground" in r.read().decode()
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/", timeout=10)
        assert e.value.code == 403
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_bad_port_is_a_usage_error(capsys):
    from glassgrad.playground import main

    assert main(["--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


def test_a_port_in_use_is_reported(capsys):
    from glassgrad.playground import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert main(["--port", str(s.getsockname()[1])]) == 1
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


# ----------------------------------------------------------------------------- make_circles
def test_make_circles_matches_sklearn_without_noise():
    X, y = make_circles(10, shuffle=False, factor=0.5, random_state=0)
    t = 2 * np.pi * np.arange(5) / 5
    outer = np.stack([np.cos(t), np.sin(t)], 1)
    assert X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X, np.concatenate([outer, 0.5 * outer]), atol=1e-6)
    assert y.tolist() == [0] * 5 + [1] * 5


def test_make_circles_counts_noise_shuffle_and_seeds():
    X, y = make_circles(7, random_state=1)
    assert X.shape == (7, 2) and (y == 0).sum() == 3 and (y == 1).sum() == 4
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(np.sort(r), [0.8] * 4 + [1.0] * 3, atol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.8, atol=1e-6)
    X2, y2 = make_circles((3, 5), shuffle=False)
    assert y2.tolist() == [0] * 3 + [1] * 5
    a, b = make_circles(50, noise=0.1, random_state=4), make_circles(50, noise=0.1,
                                                                     generator=4)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    c = make_circles(50, noise=0.1, random_state=5)
    assert not np.array_equal(a[0], c[0])
    assert np.abs(np.linalg.norm(a[0], axis=1) - np.where(a[1] == 1, 0.8, 1.0)).max() > 0.01
    assert make_circles(0)[0].shape == (0, 2)


@pytest.mark.parametrize("kwargs, says", [
    ({"factor": 1.0}, "factor"), ({"factor": -0.1}, "factor"), ({"n_samples": -1}, "n_samples"),
    ({"n_samples": (1, 2, 3)}, "pair"), ({"random_state": 0, "generator": 0}, "not both"),
])
def test_make_circles_refuses_bad_arguments(kwargs, says):
    with pytest.raises((ValueError, TypeError), match=says):
        make_circles(**kwargs)


def test_make_circles_is_exported():
    import glassgrad as gg

    assert gg.data.make_circles is make_circles
    assert "make_circles" in gg.data.__all__
