"""The HTML page of ``viz.animate`` (styles, controls and the stepping script, with no
external resources: no network, no CDN, no fonts) and ``Animation``, the page as
``animate`` returns it, which Jupyter displays inline.

The picture keeps its own size: zoom 100% draws one Graphviz point as one CSS point (4/3 px),
so node text is 11-15 px, and the graph is panned inside a scrolling viewport instead of
being shrunk to the window. The page opens at 100%, or smaller when the whole graph then fits
with every text still at least ``READABLE_PX``; ``fit`` shows it all at any size. Each step
scrolls its node into view. Wheel and drag pan, Ctrl + wheel (or a pinch) zooms at the
pointer, and ``+`` ``-`` ``0`` (fit) ``1`` (100%) zoom from the keyboard.

The page reports what it shows as attributes of ``<body>``, for tests that run it in a
headless browser: ``data-step``, ``data-zoom``, ``data-text-px`` (the smallest text of the
picture, in CSS px as drawn) and ``data-hot-in-view`` (1 when the current node is inside the
viewport). ``#step=k`` opens at frame k; ``#step=k&zoom=fit`` (or ``zoom=0.5``) also zooms.
"""

import html
import json
import re

READABLE_PX = 10

HTML = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
  :root { --fwd: #2563eb; --bwd: #dc2626; --hot: #6b7280; }
  html, body { height: 100%; }
  body { font: 15px/1.4 Helvetica, Arial, sans-serif; margin: 0; color: #111827;
         display: flex; flex-direction: column; }
  body[data-phase="forward"] { --hot: var(--fwd); }
  body[data-phase="backward"] { --hot: var(--bwd); }
  #top { padding: 10px 16px 0; flex: none; }
  h1 { font-size: 16px; margin: 0 0 8px; font-weight: 600; }
  #controls { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
  button { font: inherit; font-size: 14px; padding: 3px 10px; border: 1px solid #9ca3af;
           border-radius: 6px; background: #f9fafb; cursor: pointer; }
  button:disabled { opacity: 0.4; cursor: default; }
  #slider { flex: 1 1 160px; min-width: 120px; }
  #counter { float: right; margin-left: 12px; font-variant-numeric: tabular-nums;
             color: #6b7280; font-size: 13px; }
  #zooms { display: flex; gap: 4px; align-items: center; margin-left: 8px; }
  #zoomlevel { font-variant-numeric: tabular-nums; color: #374151; font-size: 14px;
               min-width: 3.2em; text-align: right; }
  #panel { margin: 8px 0; padding: 6px 12px; border-left: 5px solid var(--hot);
           background: #f9fafb; min-height: 3em; }
  #phase { display: inline-block; font-size: 12px; font-weight: 700; color: white;
           background: var(--hot); border-radius: 4px; padding: 1px 7px; margin-right: 8px;
           text-transform: uppercase; letter-spacing: 0.04em; }
  #caption { font-size: 16px; font-weight: 600; overflow-wrap: anywhere; }
  #detail { color: #4b5563; font-size: 14px; margin-top: 3px; overflow-wrap: anywhere; }
  #view { flex: 1 1 auto; min-height: 240px; margin: 0 16px; overflow: auto;
          border: 1px solid #e5e7eb; border-radius: 6px; background: white; cursor: grab;
          touch-action: none; outline: none; }
  #view.dragging { cursor: grabbing; }
  #graph { width: max-content; min-width: 100%; box-sizing: border-box; padding: 10px; }
  #graph svg { display: block; margin: 0 auto; user-select: none; -webkit-user-select: none; }
  #graph .hot > path, #graph .hot > polygon, #graph .hot > ellipse,
  #graph .hot > polyline { stroke: var(--hot); stroke-width: 2.5px; }
  #graph .edge.hot > polygon { fill: var(--hot); }
  #graph text.fresh { fill: var(--hot); font-weight: bold; }
  footer { color: #6b7280; font-size: 12px; padding: 6px 16px 10px; flex: none; }
</style>
</head>
<body data-phase="start">
<div id="top">
<h1>{{TITLE}}</h1>
<div id="controls">
  <button id="first" title="first step (Home)">&#x00AB;</button>
  <button id="prev" title="previous step (&#x2190;)">&#x25C0; prev</button>
  <button id="play" title="play / pause (space)">play</button>
  <button id="next" title="next step (&#x2192;)">next &#x25B6;</button>
  <button id="last" title="last step (End)">&#x00BB;</button>
  <input id="slider" type="range" min="0" max="{{LAST}}" value="0" aria-label="step">
  <span id="zooms">
    <button id="zoomout" title="zoom out (-)">&#x2212;</button>
    <span id="zoomlevel">100%</span>
    <button id="zoomin" title="zoom in (+)">+</button>
    <button id="fit" title="the whole graph (0)">fit</button>
    <button id="actual" title="actual size (1)">1:1</button>
  </span>
</div>
<div id="panel"><span id="counter"></span><span id="phase"></span><span id="caption"></span>
  <div id="detail"></div></div>
</div>
<div id="view" tabindex="0" aria-label="the graph: drag or scroll to pan, Ctrl + wheel zooms">
<div id="graph" data-w="{{WIDTH}}" data-h="{{HEIGHT}}">
{{SVG}}
</div>
</div>
<footer>Keys: &#x2190; &#x2192; step, Home / End, space plays; + &#x2212; zoom, 0 fits, 1 is
actual size. Drag or scroll to pan, Ctrl + wheel zooms. Open with #step=k to start at step k.
Made by glassgrad.viz.animate; this page loads nothing from anywhere.</footer>
<script id="frames" type="application/json">{{FRAMES}}</script>
<script>
(function () {
  "use strict";
  var FRAMES = JSON.parse(document.getElementById("frames").textContent);
  var LAST = FRAMES.length - 1, READABLE = {{READABLE}}, MARGIN = 24;
  var $ = function (id) { return document.getElementById(id); };
  var body = document.body, view = $("view"), graph = $("graph"), slider = $("slider");
  var svg = graph.querySelector("svg");
  var W = Number(graph.getAttribute("data-w")), H = Number(graph.getAttribute("data-h"));
  var VBW = svg.viewBox.baseVal.width || W;
  var parts = Array.prototype.slice.call(graph.querySelectorAll("[data-show]"));
  var step = 0, timer = null, zoom = 1, fitted = false, drag = null;
  var smallest = Infinity;  // the smallest font size in the picture, in SVG units
  svg.querySelectorAll("text").forEach(function (t) {
    var size = parseFloat(getComputedStyle(t).fontSize);
    if (size > 0) { smallest = Math.min(smallest, size); }
  });
  if (!isFinite(smallest)) { smallest = 14; }

  // ------------------------------------------------------------------ zoom and pan
  function fitZoom() {
    return Math.min(4, (view.clientWidth - MARGIN) / W, (view.clientHeight - MARGIN) / H);
  }
  function readableZoom() { return READABLE / (smallest * W / VBW); }
  function measure() {
    var scale = svg.getBoundingClientRect().width / VBW;  // CSS px per SVG unit, as drawn
    body.setAttribute("data-zoom", zoom.toFixed(3));
    body.setAttribute("data-text-px", (smallest * scale).toFixed(2));
    $("zoomlevel").textContent = Math.round(zoom * 100) + "%";
  }
  function setZoom(z, x, y) {  // x, y: the client point that stays put (default: center)
    z = Math.max(0.05, Math.min(4, z));
    var vr = view.getBoundingClientRect(), before = svg.getBoundingClientRect();
    if (x === undefined) {
      x = vr.left + view.clientLeft + view.clientWidth / 2;
      y = vr.top + view.clientTop + view.clientHeight / 2;
    }
    var px = (x - before.left) / zoom, py = (y - before.top) / zoom;
    zoom = z;
    svg.style.width = (W * z) + "px";
    svg.style.height = (H * z) + "px";
    var after = svg.getBoundingClientRect();
    view.scrollLeft += after.left + px * z - x;
    view.scrollTop += after.top + py * z - y;
    measure();
  }
  function zoomBy(factor) { fitted = false; setZoom(zoom * factor); }
  function fit() { setZoom(fitZoom()); view.scrollLeft = view.scrollTop = 0; fitted = true; }
  function actual() { fitted = false; setZoom(1); reveal(); }

  function reveal() {  // scroll the current node (and its edges, when they fit) into view
    var keys = FRAMES[step].hot, rects = [];
    keys.forEach(function (key) {
      var el = graph.querySelector('[data-k="' + key + '"]');
      if (el) { rects.push(el.getBoundingClientRect()); }
    });
    if (!rects.length) { body.setAttribute("data-hot-in-view", ""); return; }
    var vr = view.getBoundingClientRect();
    var left = vr.left + view.clientLeft, top = vr.top + view.clientTop;
    var width = view.clientWidth, height = view.clientHeight;
    var all = rects.reduce(function (u, r) {
      return {left: Math.min(u.left, r.left), right: Math.max(u.right, r.right),
              top: Math.min(u.top, r.top), bottom: Math.max(u.bottom, r.bottom)};
    });
    var box = (all.right - all.left <= width - 2 * MARGIN &&
               all.bottom - all.top <= height - 2 * MARGIN) ? all : rects[0];
    if (box.left < left + MARGIN || box.right > left + width - MARGIN) {
      view.scrollLeft += (box.left + box.right) / 2 - (left + width / 2);
    }
    if (box.top < top + MARGIN || box.bottom > top + height - MARGIN) {
      view.scrollTop += (box.top + box.bottom) / 2 - (top + height / 2);
    }
    var r = graph.querySelector('[data-k="' + keys[0] + '"]').getBoundingClientRect();
    var inside = r.left >= left - 1 && r.right <= left + width + 1 &&
                 r.top >= top - 1 && r.bottom <= top + height + 1;
    body.setAttribute("data-hot-in-view", inside ? "1" : "0");
  }

  view.addEventListener("wheel", function (e) {
    if (!(e.ctrlKey || e.metaKey)) { return; }  // a plain wheel scrolls (pans)
    e.preventDefault();
    fitted = false;
    setZoom(zoom * Math.exp(-e.deltaY * 0.002), e.clientX, e.clientY);
  }, {passive: false});
  view.addEventListener("pointerdown", function (e) {
    var vr = view.getBoundingClientRect();
    if (e.button !== 0 || e.clientX - vr.left - view.clientLeft > view.clientWidth ||
        e.clientY - vr.top - view.clientTop > view.clientHeight) {
      return;  // not the main button, or on a scrollbar
    }
    drag = {x: e.clientX, y: e.clientY, left: view.scrollLeft, top: view.scrollTop};
    view.setPointerCapture(e.pointerId);
    view.classList.add("dragging");
    view.focus({preventScroll: true});
    e.preventDefault();
  });
  view.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    view.scrollLeft = drag.left - (e.clientX - drag.x);
    view.scrollTop = drag.top - (e.clientY - drag.y);
  });
  function endDrag() { drag = null; view.classList.remove("dragging"); }
  view.addEventListener("pointerup", endDrag);
  view.addEventListener("pointercancel", endDrag);
  window.addEventListener("resize", function () { if (fitted) { fit(); } else { measure(); } });

  // ------------------------------------------------------------------ stepping
  function show(k) {
    step = Math.max(0, Math.min(LAST, Math.floor(Number(k)) || 0));
    parts.forEach(function (el) {
      var at = Number(el.getAttribute("data-show"));
      el.style.visibility = at <= step ? "visible" : "hidden";
      el.classList.toggle("fresh", at === step);
    });
    graph.querySelectorAll(".hot").forEach(function (el) { el.classList.remove("hot"); });
    var f = FRAMES[step];
    f.hot.forEach(function (key) {
      graph.querySelectorAll('[data-k="' + key + '"]').forEach(function (el) {
        el.classList.add("hot");
      });
    });
    body.setAttribute("data-phase", f.phase);
    $("phase").textContent = f.phase;
    $("caption").textContent = f.caption;
    $("detail").textContent = f.detail;
    $("counter").textContent = f.counter;
    body.setAttribute("data-step", String(step));
    slider.value = String(step);
    $("first").disabled = $("prev").disabled = step === 0;
    $("last").disabled = $("next").disabled = step === LAST;
    if (step === LAST) { pause(); }
    reveal();
  }
  function pause() {
    if (timer) { clearInterval(timer); timer = null; }
    $("play").textContent = "play";
  }
  function play() {
    if (timer) { pause(); return; }
    if (step === LAST) { show(0); }
    $("play").textContent = "pause";
    timer = setInterval(function () { show(step + 1); }, 900);
  }
  function fromHash() {
    var z = /zoom=(fit|[\d.]+)/.exec(location.hash);
    if (z) {
      if (z[1] === "fit") { fit(); } else { fitted = false; setZoom(Number(z[1])); }
    }
    var m = /step=(\d+)/.exec(location.hash);
    if (m) { show(Number(m[1])); } else if (z) { show(step); }
  }
  $("first").onclick = function () { pause(); show(0); };
  $("prev").onclick = function () { pause(); show(step - 1); };
  $("next").onclick = function () { pause(); show(step + 1); };
  $("last").onclick = function () { pause(); show(LAST); };
  $("play").onclick = play;
  $("zoomin").onclick = function () { zoomBy(1.25); };
  $("zoomout").onclick = function () { zoomBy(0.8); };
  $("fit").onclick = fit;
  $("actual").onclick = actual;
  slider.oninput = function () { pause(); show(slider.value); };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }  // the browser's own shortcuts
    if (e.target === slider && e.key.indexOf("Arrow") === 0) { return; }
    var to = {ArrowRight: step + 1, ArrowDown: step + 1, ArrowLeft: step - 1,
              ArrowUp: step - 1, Home: 0, End: LAST}[e.key];
    var zooms = {"+": function () { zoomBy(1.25); }, "=": function () { zoomBy(1.25); },
                 "-": function () { zoomBy(0.8); }, "_": function () { zoomBy(0.8); },
                 "0": fit, "1": actual}[e.key];
    if (to !== undefined) { pause(); show(to); e.preventDefault(); }
    else if (zooms) { zooms(); e.preventDefault(); }
    else if (e.key === " ") { play(); e.preventDefault(); }
  });
  window.addEventListener("hashchange", fromHash);
  // open at 100%, or smaller if the whole graph then fits with its text still readable
  setZoom(fitZoom() >= readableZoom() ? Math.min(1, fitZoom()) : 1);
  show(0);
  fromHash();
})();
</script>
</body>
</html>
"""


class Animation(str):
    """What ``animate`` returns. As a ``str`` it is the path of the page written (or, when
    no path was given, the page's HTML), so scripts keep using it as a file name.

    ``.html`` is the page, ``.path`` where it was written (None when it was not), and
    ``.save(path)`` writes it. Jupyter shows the page inline (``_repr_html_``): in an
    ``<iframe srcdoc=...>`` of ``height`` px (``.height``, default 640), sandboxed to run its
    own script only, loading nothing from anywhere.
    """

    height = 640

    def __new__(cls, page, path=None):
        self = super().__new__(cls, page if path is None else str(path))
        self.html = page
        self.path = None if path is None else str(path)
        return self

    def save(self, path):
        """Write the page to ``path``; returns the ``Animation`` of that file."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.html)
        return Animation(self.html, path)

    def _repr_html_(self):
        title = re.search(r"<title>(.*?)</title>", self.html, re.S)
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'title="{title.group(1) if title else "glassgrad step-through"}" '
                f'sandbox="allow-scripts" style="width: 100%; height: {int(self.height)}px; '
                f'border: 1px solid #e5e7eb; border-radius: 6px"></iframe>')

    def __repr__(self):
        last = re.search(r'id="slider"[^>]*\bmax="(\d+)"', self.html)
        steps = int(last.group(1)) if last else 0
        where = f"written to {self.path!r}" if self.path else "not written; .save(path) writes it"
        return f"<Animation: {steps} steps, {where}>"

    def __reduce__(self):
        return (Animation, (self.html, self.path))


def px_size(size):
    """``'210pt'`` or ``'280px'`` in CSS px (280.0); None for anything else."""
    m = re.fullmatch(r"([\d.]+)(pt|px)?", size or "")
    if not m:
        return None
    return float(m.group(1)) * (4 / 3 if m.group(2) == "pt" else 1)


def fill_page(svg, width, height, frames, root_name):
    """The page: ``svg`` (tagged, inline) drawn ``width`` x ``height`` CSS px at 100%, the
    ``frames`` (phase, caption, detail, hot keys, counter) and the title naming the root."""
    fill = {
        "TITLE": html.escape(f"glassgrad · {root_name}: forward and backward, step by step"),
        "WIDTH": f"{width:.2f}",
        "HEIGHT": f"{height:.2f}",
        "READABLE": str(READABLE_PX),
        "LAST": str(len(frames) - 1),
        "SVG": svg,
        "FRAMES": json.dumps(frames, ensure_ascii=False).replace("<", "\\u003c"),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fill[m.group(1)], HTML)
