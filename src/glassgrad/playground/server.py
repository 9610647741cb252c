"""The playground's web server (aiohttp), safe by default.

- It listens on 127.0.0.1 only (``serve`` binds the socket itself).
- Every request needs the random token the URL carries (``?token=...``, 128 bits, compared in
  constant time), and its Host header must name this server (``127.0.0.1:PORT`` or
  ``localhost:PORT``), so a page elsewhere cannot reach it through DNS rebinding; a request
  with an Origin header must come from this server's own page. Anything else gets 403.
- Formulas go only through the whitelist parser (``viz.expr``), with the sizes of
  ``formula.py``; request bodies and websocket messages are at most ``MAX_BODY`` bytes.
- A formula is answered within ``FORMULA_SECONDS`` or with an error saying so; at most two
  are worked on at once.
- Training runs in one background task per page (its websocket), a bounded number of steps
  (and at most ``network.STEP_SECONDS``) at a time in a worker thread. It stops when the
  websocket closes, when the browser stops answering the websocket's pings (sent every
  ``heartbeat`` / 2 seconds, answered by the browser itself, also for a tab in the
  background), and after ``TRAIN_SECONDS`` of running or ``MAX_STEPS`` steps. At most
  ``MAX_PAGES`` pages are connected at once.
- Bad input is answered with ``{"error": "what was wrong"}``, which the page shows; an
  unexpected failure is logged here and answered with its one-line message, never a
  traceback.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import secrets
import time
from importlib import resources

from aiohttp import WSMsgType, web

from ..viz.expr import ExpressionError
from .formula import formula_view
from .network import DEFAULTS, LIMITS, MAX_LAYERS, MAX_WIDTH, ConfigError, Trainer

log = logging.getLogger("glassgrad.playground")

MAX_BODY = 64 * 1024
FORMULA_SECONDS = 5.0
HEARTBEAT = 10.0
TRAIN_SECONDS = 600.0
MAX_STEPS = 200_000
MAX_PAGES = 4
FRAME = 0.05  # seconds between training updates sent to the page (at most 20 a second)
ASSETS = ("app.js", "app.css")
_TYPES = {"js": "text/javascript", "css": "text/css"}
# the application's state
TOKEN = web.AppKey("token", str)
HEARTBEAT_KEY = web.AppKey("heartbeat", float)
TRAIN_SECONDS_KEY = web.AppKey("train_seconds", float)
SESSIONS = web.AppKey("sessions", set)
FORMULAS = web.AppKey("formulas", asyncio.Semaphore)


def create_app(token=None, *, heartbeat=HEARTBEAT, train_seconds=TRAIN_SECONDS):
    """The aiohttp application; ``token`` defaults to a fresh random one (``app[TOKEN]``)."""
    app = web.Application(middlewares=[guard], client_max_size=MAX_BODY)
    app[TOKEN] = token or secrets.token_urlsafe(16)
    app[HEARTBEAT_KEY] = float(heartbeat)
    app[TRAIN_SECONDS_KEY] = float(train_seconds)
    app[SESSIONS] = set()
    app[FORMULAS] = asyncio.Semaphore(2)
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static)
    app.router.add_post("/api/formula", formula)
    app.router.add_get("/ws", websocket)
    app.on_shutdown.append(_close_sessions)
    return app


# ----------------------------------------------------------------------------- the guard
def _forbidden(why):
    return web.Response(status=403, text=f"403 forbidden: {why}\n")


def allowed_hosts(request):
    """The Host values that name this server: 127.0.0.1:PORT and localhost:PORT."""
    sock = request.transport.get_extra_info("sockname") if request.transport else None
    port = sock[1] if sock else None
    return {f"127.0.0.1:{port}", f"localhost:{port}"}


@web.middleware
async def guard(request, handler):
    """Host header, token and Origin checks on every request, and no-leak headers."""
    hosts = allowed_hosts(request)
    if request.host not in hosts:
        return _forbidden(f"Host {request.host!r:.80} is not this server (use the URL that "
                          "was printed)")
    token = request.query.get("token", "")
    if not hmac.compare_digest(token.encode(), request.app[TOKEN].encode()):
        return _forbidden("the token is missing or wrong (use the URL that was printed, "
                          "with its ?token=...)")
    origin = request.headers.get("Origin")
    if origin is not None and origin not in {f"http://{h}" for h in hosts}:
        return _forbidden(f"Origin {origin!r:.80} is not this server")
    response = await handler(request)
    if not response.prepared:  # a websocket has sent its headers already
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays here
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
    return response


# ----------------------------------------------------------------------------- the page
def _asset(name):
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


async def index(request):
    settings = {"defaults": DEFAULTS, "limits": LIMITS, "max_layers": MAX_LAYERS,
                "max_width": MAX_WIDTH}
    page = (_asset("index.html").replace("{{TOKEN}}", request.app[TOKEN])
            .replace("{{SETTINGS}}", json.dumps(settings).replace("<", "\\u003c")))
    return web.Response(text=page, content_type="text/html")


async def static(request):
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound(text=f"no such file: {name[:80]}")
    return web.Response(text=_asset(name), content_type=_TYPES[name.rpartition(".")[2]])


# ----------------------------------------------------------------------------- JSON
def clean(obj):
    """``obj`` with every inf and nan float as None: JSON has no such numbers."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    return obj


def _error(status, message):
    return web.json_response({"error": message}, status=status)


def _failure(e):
    """The one-line message of an unexpected failure (the traceback goes to the log)."""
    log.exception("playground: unexpected failure")
    return f"the server could not do this: {type(e).__name__}: {str(e)[:300]}"


async def formula(request):
    """POST {"formula": str, "values": {name: number}, "numeric": bool, "layout": bool}."""
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the request is not JSON")
    if not isinstance(body, dict) or not isinstance(body.get("formula"), str):
        return _error(400, 'the request needs {"formula": "...", "values": {...}}')
    args = (body["formula"], body.get("values") or {}, bool(body.get("numeric", True)),
            bool(body.get("layout", True)))
    async with request.app[FORMULAS]:
        work = asyncio.ensure_future(asyncio.to_thread(formula_view, *args))
        try:
            view = await asyncio.wait_for(asyncio.shield(work), FORMULA_SECONDS)
        except asyncio.TimeoutError:
            work.add_done_callback(lambda f: f.exception())  # collected when it ends
            return _error(503, f"the formula took longer than {FORMULA_SECONDS:g} s; try a "
                               "smaller one")
        except ExpressionError as e:
            return _error(400, str(e))
        except Exception as e:  # noqa: BLE001  (one line on the page, the traceback in the log)
            return _error(500, _failure(e))
    return web.json_response(clean(view))


# ----------------------------------------------------------------------------- training
class Session:
    """One page's training: its websocket, its Trainer and the background task."""

    def __init__(self, ws, app):
        self.ws, self.app = ws, app
        self.trainer = None
        self.task = None
        self.running = False
        self.lock = asyncio.Lock()
        self.updates = 0  # updates sent while running, for the rate
        self.started = 0.0
        self.stopped_because = ""

    async def send(self, obj):
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(clean(obj)))

    async def call(self, fn, *args):
        async with self.lock:
            return await asyncio.to_thread(fn, *args)

    async def handle(self, msg):
        kind = msg.get("type")
        if kind in ("config", "reset"):
            config = msg.get("config", self.trainer.config if self.trainer else {})
            await self.stop("reset")
            self.trainer = await self.call(Trainer, config)
            t = self.trainer
            await self.send({"type": "reset", "config": t.config, "points": t.points()})
            await self.send(await self.call(t.advance, 0))
            await self.status("ready: press train")
        elif kind == "start":
            if self.trainer is None:
                self.trainer = await self.call(Trainer, {})
            if not self.running:
                self.running = True
                self.updates, self.started = 0, time.monotonic()
                self.task = asyncio.ensure_future(self._train())
                await self.status("training")
        elif kind == "pause":
            await self.stop("paused")
            await self.status("paused: the graph below is one sample's forward and backward "
                              "pass")
            await self.graph(msg.get("sample", 0))
        elif kind == "step":
            await self.stop("paused")
            if self.trainer is None:
                self.trainer = await self.call(Trainer, {})
            await self.send(await self.call(self.trainer.advance, 1))
            await self.status(f"one step: now at step {self.trainer.step}")
            await self.graph(msg.get("sample", 0))
        elif kind == "graph":
            await self.graph(msg.get("sample", 0))
        else:
            raise ConfigError(f"unknown message type {kind!r:.40}")

    async def graph(self, sample):
        if self.trainer is None:
            return
        if isinstance(sample, bool) or not isinstance(sample, int):
            raise ConfigError(f"sample must be a whole number, got {sample!r:.20}")
        await self.send(await self.call(self.trainer.sample_graph, sample))

    async def status(self, message):
        t = self.trainer
        await self.send({"type": "status", "running": self.running, "message": message,
                         "step": t.step if t else 0})

    async def stop(self, why):
        self.running = False
        self.stopped_because = why
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            await task

    async def _train(self):
        t, app = self.trainer, self.app
        k = t.config["steps_per_update"]
        try:
            while self.running:
                now = time.monotonic()
                if now - self.started > app[TRAIN_SECONDS_KEY] or t.step >= MAX_STEPS:
                    self.running, self.stopped_because = False, "limit"
                    await self.status(f"paused: training stops after "
                                      f"{app[TRAIN_SECONDS_KEY]:g} s or {MAX_STEPS} steps; "
                                      "press train to go on")
                    return
                snap = await self.call(t.advance, k)
                self.updates += 1
                snap["rate"] = self.updates / max(time.monotonic() - self.started, 1e-9)
                await self.send(snap)
                if snap["history"]["train"] and snap["history"]["train"][-1] is not None \
                        and not math.isfinite(snap["history"]["train"][-1]):
                    self.running = False
                    await self.status("paused: the loss is not finite (try a smaller "
                                      "learning rate)")
                    return
                await asyncio.sleep(max(FRAME - (time.monotonic() - now), 0.005))
        except (ConnectionResetError, RuntimeError) as e:  # the page went away mid-send
            self.running, self.stopped_because = False, f"send failed: {e}"
        except Exception as e:  # noqa: BLE001
            self.running = False
            await self.send({"type": "error", "message": _failure(e)})


async def websocket(request):
    app = request.app
    if len(app[SESSIONS]) >= MAX_PAGES:
        return _error(503, f"{MAX_PAGES} playground pages are open already; close one")
    # aiohttp pings every heartbeat / 2 s and closes the socket when no pong comes back
    ws = web.WebSocketResponse(max_msg_size=MAX_BODY, heartbeat=app[HEARTBEAT_KEY] / 2)
    await ws.prepare(request)
    session = Session(ws, app)
    app[SESSIONS].add(session)
    try:
        while not ws.closed:
            msg = await ws.receive()
            if msg.type != WSMsgType.TEXT:
                break
            try:
                data = json.loads(msg.data)
                if not isinstance(data, dict):
                    raise ValueError("not an object")
            except ValueError:
                await session.send({"type": "error", "message": "a message was not JSON"})
                continue
            try:
                await session.handle(data)
            except (ConfigError, ExpressionError) as e:
                await session.send({"type": "error", "message": str(e)})
            except Exception as e:  # noqa: BLE001
                await session.send({"type": "error", "message": _failure(e)})
    finally:  # also when aiohttp cancels this handler because the connection dropped
        app[SESSIONS].discard(session)
        session.running = False
        session.stopped_because = session.stopped_because or "the page went away"
        if session.task is not None:
            session.task.cancel()  # its worker thread ends its bounded call on its own
        await ws.close()
    return ws


async def _close_sessions(app):
    for s in list(app[SESSIONS]):
        await s.stop("the server stopped")
        await s.ws.close()
