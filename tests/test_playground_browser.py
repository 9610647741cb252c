"""The playground in a real browser: headless Chromium, driven over the DevTools protocol
(a websocket, spoken here with aiohttp, which the playground needs anyway; no Selenium or
chromedriver). The page is loaded from a live server, a formula and a slider are changed,
training is started and paused, and what the page shows is checked.

With PLAYGROUND_SCREENSHOTS=DIR the two tabs are also saved as DIR/playground-formula.png and
DIR/playground-network.png (the README's pictures: PLAYGROUND_SCREENSHOTS=docs).
"""

import asyncio
import base64
import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from needs import CHROMIUM, needs_chromium
from viz_helpers import headless_flags

aiohttp = pytest.importorskip("aiohttp", reason="the playground needs aiohttp "
                              "(pip install aiohttp)")

from glassgrad.playground import serve  # noqa: E402

pytestmark = needs_chromium


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server():
    """The playground on a free port, in a thread with its own event loop; yields its URL."""
    loop = asyncio.new_event_loop()
    got = {}
    ready = threading.Event()

    def run():
        asyncio.set_event_loop(loop)
        got["task"] = loop.create_task(serve(0, ready=lambda url: (got.update(url=url),
                                                                    ready.set())))
        try:
            loop.run_until_complete(got["task"])
        except asyncio.CancelledError:
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30), "the playground did not start"
    yield got["url"]
    loop.call_soon_threadsafe(got["task"].cancel)
    thread.join(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with the DevTools protocol on a free port; yields its port."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([CHROMIUM, *headless_flags(str(profile)),
                             "--remote-debugging-port=0", "--window-size=1360,1000",
                             "--hide-scrollbars", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port, lines, deadline = None, [], time.monotonic() + 30
    while port is None and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
    if port is None:
        proc.kill()
        pytest.skip("Chromium did not open the DevTools protocol: " + "".join(lines)[-400:])
    threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
    yield port
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


# ----------------------------------------------------------------------------- DevTools
class Page:
    """One browser tab: ``call`` a DevTools method, ``js`` evaluates an expression."""

    def __init__(self, ws):
        self.ws, self.next_id = ws, 0

    async def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        await self.ws.send_str(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads((await self.ws.receive(timeout=30)).data)
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    async def js(self, expr):
        r = await self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                            awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr[:80]}: {r['exceptionDetails']}")
        return r["result"].get("value")

    async def until(self, expr, timeout=20.0, what=None):
        """Wait until ``expr`` is truthy in the page; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = await self.js(f"(function () {{ try {{ return ({expr}); }} catch (e) {{ "
                              f"return null; }} }})()")  # null while the page loads
            if v:
                return v
            await asyncio.sleep(0.05)
        state = await self.js("JSON.stringify(Object.assign({}, document.body.dataset, "
                              "{error: document.getElementById('error').textContent}))")
        raise AssertionError(f"timed out waiting for {what or expr}; page state {state}")

    async def set_value(self, selector, value, event="input"):
        await self.js(f"(function () {{ var el = document.querySelector({json.dumps(selector)});"
                      f" el.value = {json.dumps(value)};"
                      f" el.dispatchEvent(new Event({json.dumps(event)}, {{bubbles: true}}));"
                      f" }})()")

    async def screenshot(self, path):
        shot = await self.call("Page.captureScreenshot", format="png")
        data = base64.b64decode(shot["data"])
        Path(path).write_bytes(data)
        return data


async def open_page(port, url):
    session = aiohttp.ClientSession()
    async with session.put(f"http://127.0.0.1:{port}/json/new?about:blank") as r:
        target = await r.json(content_type=None)
    ws = await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
    page = Page(ws)
    await page.call("Page.enable")
    await page.call("Emulation.setDeviceMetricsOverride", width=1360, height=1000,
                    deviceScaleFactor=1, mobile=False)
    await page.call("Page.navigate", url=url)
    return session, page


def run(coro):
    return asyncio.run(coro)


SHOTS = os.environ.get("PLAYGROUND_SCREENSHOTS")


# ----------------------------------------------------------------------------- tests
def test_formula_tab_redraws_on_a_new_formula_and_a_slider(server, browser, tmp_path):
    async def scenario():
        session, page = await open_page(browser, server)
        try:
            await page.until("document.body.dataset.formulaOk === '1'", what="the first graph")
            assert await page.js("document.querySelectorAll('#f-graph svg g.node').length") > 5
            await page.set_value("#f-formula", "tanh(w*x + b) * y")
            await page.until("document.body.dataset.formula === 'tanh(w*x + b) * y'",
                             what="the new formula's graph")
            names = await page.js("Array.from(document.querySelectorAll('#f-sliders .slider'))"
                                  ".map(function (e) { return e.dataset.name; })")
            assert names == ["w", "x", "b", "y"]
            # the leaves table: analytic and numeric gradients agree
            rows = await page.js("Array.from(document.querySelectorAll('#f-leaves tbody tr'))"
                                 ".map(function (r) { return Array.from(r.cells).map("
                                 "function (c) { return c.textContent; }); })")
            assert [r[0] for r in rows] == names
            assert all(r[4].startswith("✓") for r in rows), rows
            # a slider: y = 3 triples f, and the picture's text follows at once
            before = float(await page.js("document.body.dataset.value"))
            redraws = int(await page.js("document.body.dataset.redraws"))
            await page.set_value("#s-y", "3")
            await page.until(f"Number(document.body.dataset.redraws) > {redraws}",
                             what="the redraw after the slider")
            after = float(await page.js("document.body.dataset.value"))
            assert after == pytest.approx(3 * before, rel=1e-9)
            texts = await page.js("Array.from(document.querySelectorAll('#f-graph text'))"
                                  ".map(function (t) { return t.textContent; }).join('|')")
            assert "data 3.000" in texts
            # the latencies of 10 slider moves on a 30-node formula, as the page measures
            # them (input event -> picture updated)
            big = " + ".join(f"a{i}*tanh(b{i}*x)" for i in range(5))
            await page.set_value("#f-formula", big)
            await page.until(f"document.body.dataset.formula === {json.dumps(big)} && "
                             "document.getElementById('f-status').textContent"
                             ".includes('30 nodes')", what="the 30-node formula")
            latencies = []
            for k in range(10):
                n = int(await page.js("document.body.dataset.redraws"))
                await page.set_value("#s-x", str(0.1 * k - 0.5))
                await page.until(f"Number(document.body.dataset.redraws) > {n}")
                latencies.append(float(await page.js("document.body.dataset.redrawMs")))
            print(f"\n30-node formula, slider redraw latency (input to picture), ms: "
                  f"{', '.join(f'{v:.0f}' for v in latencies)}")
            # the slider let go: a fresh layout; then walk the backward pass
            await page.set_value("#s-x", "0.5", event="change")
            await page.until(f"Number(document.body.dataset.redraws) > {n + 1}")
            last = int(await page.js("document.body.dataset.frame"))
            await page.js("document.getElementById('f-first').click()")
            assert await page.js("document.body.dataset.frame") == "0"
            hidden = await page.js("Array.from(document.querySelectorAll('#f-graph .gg-grad'))"
                                   ".every(function (e) { return e.style.visibility === "
                                   "'hidden'; })")
            assert hidden, "at frame 0 no gradient is shown"
            await page.js("document.getElementById('f-next').click();"
                          "document.getElementById('f-next').click()")
            caption = await page.js("document.getElementById('f-caption').textContent")
            assert "upstream × local" in caption, caption
            assert await page.js("document.querySelectorAll('#f-graph .hot').length") > 0
            assert await page.js("document.querySelectorAll('#f-table tr.cur').length") == 1
            assert last == 1 + await page.js("document.querySelectorAll('#f-table tbody tr')"
                                             ".length")
            # a bad formula: a clear message on the page, no traceback
            await page.set_value("#f-formula", "__import__('os')")
            text = await page.until("document.body.dataset.formulaOk === '0' && "
                                    "document.getElementById('error').textContent",
                                    what="the error message")
            assert "__import__" in text and "allowed" in text and "Traceback" not in text
            await page.set_value("#f-formula", "tanh(w1*x1 + w2*x2 + b)")
            await page.until("document.body.dataset.formulaOk === '1'")
            if SHOTS:
                n = int(await page.js("document.body.dataset.redraws"))
                await page.set_value("#s-x1", "1.5", event="input")
                await page.set_value("#s-x1", "1.5", event="change")
                await page.until(f"Number(document.body.dataset.redraws) >= {n + 2}")
                await page.js("document.getElementById('f-first').click();"
                              "for (var i = 0; i < 7; i++) "
                              "document.getElementById('f-next').click()")
                await page.screenshot(Path(SHOTS) / "playground-formula.png")
            png = await page.screenshot(tmp_path / "formula.png")
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            return latencies
        finally:
            await page.ws.close()
            await session.close()

    latencies = run(scenario())
    assert len(latencies) == 10


def test_network_tab_trains_pauses_and_shows_one_sample(server, browser, tmp_path):
    async def scenario():
        session, page = await open_page(browser, server + "#tab=network")
        try:
            await page.until("document.body.dataset.tab === 'network' && "
                             "document.getElementById('conn').className === 'ok'",
                             what="the network tab, connected")
            await page.until("Number(document.body.dataset.netUpdates) >= 1",
                             what="the first state")
            await page.js("document.getElementById('n-start').click()")
            await page.until("document.body.dataset.netRunning === '1'", what="training")
            await page.until("Number(document.body.dataset.netStep) >= 150",
                             what="150 steps", timeout=40)
            rate = float(await page.js("document.body.dataset.netRate"))
            await page.js("document.getElementById('n-pause').click()")
            await page.until("document.body.dataset.netRunning === '0'", what="paused")
            await page.until("document.body.dataset.netGraph === '0'", what="the sample graph")
            step = int(await page.js("document.body.dataset.netStep"))
            await asyncio.sleep(0.4)
            assert int(await page.js("document.body.dataset.netStep")) == step, \
                "training went on after pause"
            loss = float(await page.js("document.body.dataset.netLoss"))
            assert loss < 0.55, f"moons should be learnt a little by step {step}: loss {loss}"
            clusters = await page.js("Array.from(document.querySelectorAll('#n-graph g.cluster "
                                     "text')).map(function (t) { return t.textContent; })")
            assert any(c.startswith("hidden1") for c in clusters), \
                f"the paused graph is grouped by layer: {clusters}"
            caption = await page.js("document.getElementById('n-graph-caption').textContent")
            assert caption.startswith("sample 0:") and "loss" in caption
            # the boundary canvas is drawn in both colours
            colours = await page.js(
                "(function () { var c = document.getElementById('n-boundary');"
                " var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                " var blue = 0, orange = 0; for (var i = 0; i < d.length; i += 4) {"
                " if (d[i + 2] > d[i] + 40) blue++; if (d[i] > d[i + 2] + 40) orange++; }"
                " return [blue, orange]; })()")
            assert min(colours) > 1000, colours
            # step: one more update, and the graph again
            await page.js("document.getElementById('n-step').click()")
            await page.until(f"Number(document.body.dataset.netStep) === {step + 1}",
                             what="one step")
            # the Value engine: every neuron a node
            await page.set_value("#n-hidden", "3", event="change")
            await page.set_value("#n-batch_size", "8", event="change")
            await page.set_value("#n-engine", "value", event="change")
            await page.until("document.body.dataset.netStep === '0' && "
                             "!document.getElementById('error').textContent",
                             what="the value-engine network")
            await page.js("document.getElementById('n-step').click()")
            await page.until("document.body.dataset.netGraph === '0' && "
                             "document.body.dataset.netStep === '1'",
                             what="the value graph", timeout=30)
            neurons = await page.js("Array.from(document.querySelectorAll('#n-graph g.cluster "
                                    "text')).filter(function (t) { return /neurons\\.\\d+:/"
                                    ".test(t.textContent); }).length")
            assert neurons >= 4, "3 hidden neurons and the output neuron, each a cluster"
            # a bad setting: the server's message on the page
            await page.set_value("#n-hidden", "16, 99", event="change")
            text = await page.until("document.getElementById('error').textContent",
                                    what="the error message")
            assert "hidden layer" in text
            if SHOTS:
                await page.set_value("#n-engine", "tensor", event="change")
                await page.set_value("#n-hidden", "8, 8", event="change")
                await page.until("document.body.dataset.netStep === '0' && "
                                 "!document.getElementById('error').textContent")
                await page.js("document.getElementById('n-start').click()")
                await page.until("Number(document.body.dataset.netStep) >= 400", timeout=60)
                await page.js("document.getElementById('n-pause').click()")
                await page.until("document.body.dataset.netGraph === '0'")
                await asyncio.sleep(0.3)
                await page.screenshot(Path(SHOTS) / "playground-network.png")
            return rate
        finally:
            await page.ws.close()
            await session.close()

    rate = run(scenario())
    print(f"\ntraining updates shown per second (2-16-16-1, 200 points): {rate:.1f}")
    assert rate > 0
