"""The HTML page of ``viz.animate``: styles, controls and the stepping script, with no
external resources (no network, no CDN)."""

HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{TITLE}}</title>
<style>
  :root { --fwd: #2563eb; --bwd: #dc2626; --hot: #6b7280; }
  body { font: 15px/1.4 Helvetica, Arial, sans-serif; margin: 16px 20px; color: #111827; }
  body[data-phase="forward"] { --hot: var(--fwd); }
  body[data-phase="backward"] { --hot: var(--bwd); }
  h1 { font-size: 17px; margin: 0 0 10px; font-weight: 600; }
  #controls { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
  button { font: inherit; padding: 4px 12px; border: 1px solid #9ca3af; border-radius: 6px;
           background: #f9fafb; cursor: pointer; }
  button:disabled { opacity: 0.4; cursor: default; }
  #slider { flex: 1 1 240px; min-width: 160px; }
  #counter { font-variant-numeric: tabular-nums; color: #374151; min-width: 17em; }
  #panel { margin: 10px 0; padding: 8px 12px; border-left: 5px solid var(--hot);
           background: #f9fafb; min-height: 3.2em; }
  #phase { display: inline-block; font-size: 12px; font-weight: 700; color: white;
           background: var(--hot); border-radius: 4px; padding: 1px 7px; margin-right: 8px;
           text-transform: uppercase; letter-spacing: 0.04em; }
  #caption { font-size: 17px; font-weight: 600; }
  #detail { color: #4b5563; font-size: 14px; margin-top: 3px; }
  #graph svg { width: 100%; max-width: {{MAXW}}px; height: auto; display: block;
               max-height: calc(100vh - 190px); }
  #graph.full { overflow: auto; }
  #graph.full svg { width: {{MAXW}}px; max-width: none; max-height: none; }
  #graph .hot > path, #graph .hot > polygon, #graph .hot > ellipse,
  #graph .hot > polyline { stroke: var(--hot); stroke-width: 2.5px; }
  #graph .edge.hot > polygon { fill: var(--hot); }
  #graph text.fresh { fill: var(--hot); font-weight: bold; }
  footer { color: #6b7280; font-size: 12px; margin-top: 8px; }
</style>
</head>
<body data-phase="start">
<h1>{{TITLE}}</h1>
<div id="controls">
  <button id="first" title="first step (Home)">&#x00AB; first</button>
  <button id="prev" title="previous step (&#x2190;)">&#x25C0; prev</button>
  <button id="play" title="play / pause (space)">play</button>
  <button id="next" title="next step (&#x2192;)">next &#x25B6;</button>
  <button id="last" title="last step (End)">last &#x00BB;</button>
  <button id="zoom" title="fit the window / actual size">actual size</button>
  <input id="slider" type="range" min="0" max="{{LAST}}" value="0" aria-label="step">
  <span id="counter"></span>
</div>
<div id="panel"><span id="phase"></span><span id="caption"></span>
  <div id="detail"></div></div>
<div id="graph">
{{SVG}}
</div>
<footer>Keys: &#x2190; &#x2192; step, Home / End, space plays. Open with #step=k to start at
step k. Made by glassgrad.viz.animate; this page loads nothing from anywhere.</footer>
<script id="frames" type="application/json">{{FRAMES}}</script>
<script>
(function () {
  "use strict";
  var FRAMES = JSON.parse(document.getElementById("frames").textContent);
  var LAST = FRAMES.length - 1;
  var $ = function (id) { return document.getElementById(id); };
  var graph = $("graph"), slider = $("slider");
  var parts = Array.prototype.slice.call(graph.querySelectorAll("[data-show]"));
  var step = 0, timer = null;

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
    document.body.setAttribute("data-phase", f.phase);
    $("phase").textContent = f.phase;
    $("caption").textContent = f.caption;
    $("detail").textContent = f.detail;
    $("counter").textContent = f.counter;
    document.body.setAttribute("data-step", String(step));
    slider.value = String(step);
    $("first").disabled = $("prev").disabled = step === 0;
    $("last").disabled = $("next").disabled = step === LAST;
    if (step === LAST) { pause(); }
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
    var m = /step=(\\d+)/.exec(location.hash);
    if (m) { show(Number(m[1])); }
  }
  $("first").onclick = function () { pause(); show(0); };
  $("prev").onclick = function () { pause(); show(step - 1); };
  $("next").onclick = function () { pause(); show(step + 1); };
  $("last").onclick = function () { pause(); show(LAST); };
  $("play").onclick = play;
  $("zoom").onclick = function () {
    var full = graph.classList.toggle("full");
    $("zoom").textContent = full ? "fit" : "actual size";
  };
  slider.oninput = function () { pause(); show(slider.value); };
  document.addEventListener("keydown", function (e) {
    if (e.target === slider && e.key.indexOf("Arrow") === 0) { return; }
    var to = {ArrowRight: step + 1, ArrowDown: step + 1, ArrowLeft: step - 1,
              ArrowUp: step - 1, Home: 0, End: LAST}[e.key];
    if (to !== undefined) { pause(); show(to); e.preventDefault(); }
    else if (e.key === " ") { play(); e.preventDefault(); }
  });
  window.addEventListener("hashchange", fromHash);
  show(0);
  fromHash();
})();
</script>
</body>
</html>
"""
