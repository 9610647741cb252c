// glassgrad playground: plain JavaScript, no libraries, nothing loaded from elsewhere.
// Formula tab: POST /api/formula; Network tab: one websocket, /ws. Every URL carries the
// page's token. State the tests read is mirrored into data-* attributes of <body>.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var body = document.body, TOKEN = body.getAttribute("data-token");
  var SETTINGS = JSON.parse($("settings").textContent);

  function showError(text) {
    var box = $("error");
    box.textContent = text || "";
    box.hidden = !text;
    body.setAttribute("data-error", text ? "1" : "");
  }

  // ------------------------------------------------------------------------ tabs
  function selectTab(name) {
    body.setAttribute("data-tab", name);
    ["formula", "network"].forEach(function (t) {
      $(t).hidden = t !== name;
      $("tab-" + t).classList.toggle("on", t === name);
    });
    showError("");
    if (name === "network") { drawAll(); }
  }
  $("tab-formula").onclick = function () { selectTab("formula"); };
  $("tab-network").onclick = function () { selectTab("network"); };

  // ======================================================================== Formula
  var F = {values: {}, view: null, frame: 0, last: 0, inflight: false, pending: null,
           laidOut: "", t0: 0, latencies: []};

  function request(layout) {
    var formula = $("f-formula").value;
    var req = {formula: formula, values: F.values, numeric: $("f-numeric").checked,
               layout: layout || F.laidOut !== formula + "|" + $("f-numeric").checked};
    if (F.inflight) { F.pending = req; return; }
    send(req);
  }

  function send(req) {
    F.inflight = true;
    fetch("/api/formula?token=" + encodeURIComponent(TOKEN), {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(req)
    }).then(function (r) {
      return r.text().then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (e) {
          data = {error: r.status === 413 ? "the request is too large" :
                  "the server answered " + r.status + ": " + text.slice(0, 200)};
        }
        return data;
      });
    }).then(function (data) {
      if (data.error) { formulaError(data.error); } else { applyFormula(data, req); }
    }).catch(function (e) {
      formulaError("no answer from the server (" + e.message + "); is it still running?");
    }).then(function () {
      F.inflight = false;
      if (F.pending) { var next = F.pending; F.pending = null; send(next); }
    });
  }

  function formulaError(text) {
    $("f-formula").classList.add("bad");
    body.setAttribute("data-formula-ok", "0");
    showError(text);
  }

  function applyFormula(v, req) {
    $("f-formula").classList.remove("bad");
    showError("");
    var same = F.view && F.view.formula === v.formula;
    F.view = v;
    buildSliders(v.variables, v.values);
    if (v.svg !== undefined) {
      $("f-graph").innerHTML = v.svg;
      F.laidOut = req.formula + "|" + req.numeric;
      F.size = [v.width, v.height];
      fitGraph($("f-graph"), F.size, F.fit ? "contain" : "none");
    } else {
      patchTexts(v.texts);
    }
    F.last = v.frames.length - 1;
    F.frame = same ? Math.min(F.frame, F.last) : F.last;
    fillTable(v.rows);
    fillLeaves(v.leaves);
    showFrame(F.frame);
    body.setAttribute("data-formula-ok", "1");
    body.setAttribute("data-formula", v.formula);
    body.setAttribute("data-value", String(v.value));
    var note = v.svg !== undefined ? "" : " (layout kept while dragging)";
    $("f-status").textContent = v.root + " = " + fmt(v.value) + " · " + v.nodes + " nodes" +
      note;
    if (F.t0) {
      var ms = performance.now() - F.t0;
      F.t0 = 0;
      F.latencies.push(ms);
      body.setAttribute("data-redraw-ms", ms.toFixed(1));
      $("f-status").textContent += " · redrawn in " + Math.round(ms) + " ms";
    }
    body.setAttribute("data-redraws", String(Number(body.getAttribute("data-redraws") || 0) + 1));
  }

  function fmt(x) {
    if (x === null || x === undefined) { return "—"; }
    var a = Math.abs(x);
    return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? x.toExponential(2) : String(+x.toFixed(4));
  }

  function patchTexts(texts) {
    Object.keys(texts).forEach(function (key) {
      var g = $("f-graph").querySelector('[data-k="' + key + '"]');
      if (!g) { return; }
      g.querySelectorAll("text").forEach(function (t) {
        var head = (t.textContent || "").split(" ")[0];
        if (texts[key][head] !== undefined) { t.textContent = texts[key][head]; }
      });
    });
  }

  function buildSliders(names, values) {
    var box = $("f-sliders");
    var have = Array.prototype.map.call(box.children, function (c) {
      return c.getAttribute("data-name");
    });
    if (have.join(",") === names.join(",")) { return; }
    box.innerHTML = "";
    var kept = {};
    names.forEach(function (n) {
      var v = values[n];
      kept[n] = v;
      var wrap = document.createElement("label");
      wrap.className = "slider";
      wrap.setAttribute("data-name", n);
      var name = document.createElement("span");
      name.textContent = n;
      var range = document.createElement("input");
      range.type = "range";
      range.id = "s-" + n;
      var lim = Math.max(5, Math.ceil(Math.abs(v)));
      range.min = String(-lim); range.max = String(lim); range.step = "0.01";
      range.value = String(v);
      var out = document.createElement("output");
      out.textContent = fmt(v);
      range.addEventListener("input", function () {
        F.values[n] = Number(range.value);
        out.textContent = fmt(F.values[n]);
        F.t0 = performance.now();
        request(false);
      });
      range.addEventListener("change", function () { request(true); });
      wrap.appendChild(name); wrap.appendChild(range); wrap.appendChild(out);
      box.appendChild(wrap);
    });
    F.values = kept;
  }

  function fillTable(rows) {
    var tb = $("f-table").tBodies[0];
    tb.innerHTML = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      if (r.first) { tr.className = "first"; }
      [r.first ? r.step : "", r.first ? r.node : "", r.first ? r.op : "",
       r.first ? r.value : "", r.input, r.first ? r.upstream : "", r.local,
       r.downstream].forEach(function (c) {
        var td = document.createElement("td");
        td.textContent = c;
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
  }

  function fillLeaves(leaves) {
    var tb = $("f-leaves").tBodies[0];
    tb.innerHTML = "";
    leaves.forEach(function (l) {
      var tr = document.createElement("tr");
      [l.name, fmt(l.value), fmt(l.grad), fmt(l.numeric),
       l.rel_err === null ? "—" : (l.ok ? "✓ " : "✗ ") + l.rel_err].forEach(function (c, k) {
        var td = document.createElement("td");
        td.textContent = c;
        if (k === 4) { td.className = l.ok ? "ok" : "off"; }
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
  }

  function showFrame(k) {
    var v = F.view;
    if (!v) { return; }
    F.frame = Math.max(0, Math.min(F.last, k));
    var f = v.frames[F.frame], graph = $("f-graph");
    graph.querySelectorAll("[data-show]").forEach(function (el) {
      var at = Number(el.getAttribute("data-show"));
      el.style.visibility = at <= F.frame ? "visible" : "hidden";
      el.classList.toggle("fresh", at === F.frame && F.frame < F.last);
    });
    graph.querySelectorAll(".hot").forEach(function (el) { el.classList.remove("hot"); });
    if (F.frame < F.last) {
      f.hot.forEach(function (key) {
        graph.querySelectorAll('[data-k="' + key + '"]').forEach(function (el) {
          el.classList.add("hot");
        });
      });
    }
    var rows = $("f-table").tBodies[0].rows;
    Array.prototype.forEach.call(rows, function (tr, i) {
      tr.classList.toggle("cur", i === f.row && F.frame < F.last);
    });
    $("f-caption").textContent = F.frame === F.last ?
      "all gradients shown (step back to walk the backward pass one product at a time)" :
      f.caption;
    $("f-detail").textContent = F.frame === F.last ? "" : (f.detail || "");
    $("f-counter").textContent = "frame " + F.frame + " / " + F.last;
    $("f-first").disabled = $("f-prev").disabled = F.frame === 0;
    $("f-last").disabled = $("f-next").disabled = F.frame === F.last;
    body.setAttribute("data-frame", String(F.frame));
  }
  // A picture at its own size (scrolling), or scaled down to fit its box: "contain" fits
  // width and height, "width" the width only.
  function fitGraph(box, size, how) {
    var svg = box.querySelector("svg");
    if (!svg || !size) { return; }
    var W = size[0], H = size[1], s = 1;
    if (how === "contain") {
      s = Math.min(1, (box.clientWidth - 16) / W, (box.clientHeight - 16) / H);
    } else if (how === "width") {
      s = Math.min(1, (box.clientWidth - 16) / W);
    }
    svg.style.width = (W * s) + "px";
    svg.style.height = (H * s) + "px";
    box.setAttribute("data-scale", s.toFixed(3));
  }
  F.fit = true;
  $("f-fit").onclick = function () {
    F.fit = !F.fit;
    $("f-fit").textContent = F.fit ? "1:1" : "fit";
    fitGraph($("f-graph"), F.size, F.fit ? "contain" : "none");
  };
  window.addEventListener("resize", function () {
    fitGraph($("f-graph"), F.size, F.fit ? "contain" : "none");
    fitGraph($("n-graph"), N.size, N.fit ? "width" : "none");
  });
  $("f-first").onclick = function () { showFrame(0); };
  $("f-prev").onclick = function () { showFrame(F.frame - 1); };
  $("f-next").onclick = function () { showFrame(F.frame + 1); };
  $("f-last").onclick = function () { showFrame(F.last); };

  var typing = null;
  $("f-formula").addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { request(true); }, 250);
  });
  $("f-formula").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { clearTimeout(typing); request(true); }
  });
  $("f-numeric").onchange = function () { request(true); };

  // ======================================================================== Network
  var N = {ws: null, points: null, boundary: null, hist: {step: [], train: [], val: []},
           norms: [], running: false, config: SETTINGS.defaults};
  var FIELDS = ["dataset", "samples", "noise", "hidden", "activation", "optimizer", "lr",
                "batch_size", "l2", "dropout", "engine", "steps_per_update"];

  function fillSettings(c) {
    FIELDS.forEach(function (k) {
      var el = $("n-" + k);
      el.value = k === "hidden" ? c.hidden.join(", ") : String(c[k]);
    });
  }

  function readSettings() {
    var c = {seed: N.config.seed || 0};
    FIELDS.forEach(function (k) {
      var el = $("n-" + k), v = el.value;
      if (k === "hidden") { c[k] = v; }
      else if (el.tagName === "SELECT") { c[k] = v; }
      else { c[k] = v === "" ? NaN : Number(v); }
      if (typeof c[k] === "number" && isNaN(c[k])) { c[k] = v; }  // the server says why
    });
    return c;
  }

  function connect() {
    var ws = new WebSocket("ws://" + location.host + "/ws?token=" + encodeURIComponent(TOKEN));
    N.ws = ws;
    ws.onopen = function () {
      $("conn").textContent = "connected"; $("conn").className = "ok";
      wsSend({type: "config", config: readSettings()});
    };
    ws.onclose = function () {
      $("conn").textContent = "disconnected: reload the page"; $("conn").className = "bad";
      body.setAttribute("data-net-running", "0");
    };
    ws.onmessage = function (e) { onMessage(JSON.parse(e.data)); };
  }
  function wsSend(obj) {
    if (N.ws && N.ws.readyState === 1) { N.ws.send(JSON.stringify(obj)); }
  }

  function onMessage(m) {
    if (m.type === "error") { showError(m.message); return; }
    if (m.type === "reset") {
      showError("");
      N.config = m.config; N.points = m.points;
      N.hist = {step: [], train: [], val: []}; N.norms = [];
      $("n-graph").innerHTML = '<p class="hint">Pause (or step) to see one sample\'s ' +
        "forward and backward pass here, grouped by layer, with every value and gradient.</p>";
      body.setAttribute("data-net-graph", "");
      body.setAttribute("data-net-updates", "0");
    } else if (m.type === "state") {
      if (m.replace) { N.hist = {step: [], train: [], val: []}; }
      ["step", "train", "val"].forEach(function (k) {
        N.hist[k] = N.hist[k].concat(m.history[k]);
      });
      N.boundary = m.boundary;
      if (Object.keys(m.norms).length) {
        N.norms.push(m.norms);
        if (N.norms.length > 600) { N.norms = N.norms.filter(function (_, i) { return i % 2; }); }
      }
      var last = N.hist.train[N.hist.train.length - 1];
      var lastV = N.hist.val[N.hist.val.length - 1];
      $("n-status").textContent = "step " + m.step + " · epoch " + m.epoch + " · train loss " +
        fmt(last) + " · val loss " + fmt(lastV) + " · val accuracy " +
        Math.round(100 * m.val_accuracy) + "%" +
        (m.rate ? " · " + m.rate.toFixed(1) + " updates/s" : "");
      body.setAttribute("data-net-step", String(m.step));
      body.setAttribute("data-net-loss", String(last));
      body.setAttribute("data-net-updates",
                        String(Number(body.getAttribute("data-net-updates") || 0) + 1));
      if (m.rate) { body.setAttribute("data-net-rate", m.rate.toFixed(2)); }
      drawAll();
    } else if (m.type === "status") {
      N.running = m.running;
      body.setAttribute("data-net-running", m.running ? "1" : "0");
      $("n-start").disabled = m.running;
      $("n-pause").disabled = !m.running;
      $("n-graph-caption").textContent = m.message;
    } else if (m.type === "graph") {
      $("n-graph").innerHTML = m.svg;
      N.size = m.size;
      fitGraph($("n-graph"), N.size, N.fit ? "width" : "none");
      $("n-graph-caption").textContent = m.caption;
      body.setAttribute("data-net-graph", String(m.sample));
    }
  }

  $("n-fit").onclick = function () {
    N.fit = !N.fit;
    $("n-fit").textContent = N.fit ? "1:1" : "fit";
    fitGraph($("n-graph"), N.size, N.fit ? "width" : "none");
  };
  $("n-start").onclick = function () { wsSend({type: "start"}); };
  $("n-pause").onclick = function () { wsSend({type: "pause", sample: sample()}); };
  $("n-step").onclick = function () { wsSend({type: "step", sample: sample()}); };
  $("n-reset").onclick = function () { wsSend({type: "config", config: readSettings()}); };
  $("n-sample").onchange = function () { wsSend({type: "graph", sample: sample()}); };
  function sample() { return Math.max(0, Math.floor(Number($("n-sample").value) || 0)); }
  FIELDS.forEach(function (k) {
    $("n-" + k).addEventListener("change", function () {
      wsSend({type: "config", config: readSettings()});
    });
  });

  // ------------------------------------------------------------------------ charts
  function drawAll() {
    if ($("network").hidden) { return; }
    drawBoundary(); drawLoss(); drawNorms();
  }

  function drawBoundary() {
    var cv = $("n-boundary"), ctx = cv.getContext("2d"), W = cv.width, H = cv.height;
    ctx.clearRect(0, 0, W, H);
    if (!N.points) { return; }
    var g = N.points.grid, lo = N.points.bounds[0], hi = N.points.bounds[1];
    if (N.boundary) {
      var img = ctx.createImageData(g, g);
      for (var i = 0; i < g * g; i++) {
        var p = N.boundary[i] / 100, c = mix(p);
        img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2];
        img.data[4 * i + 3] = 255;
      }
      var tmp = document.createElement("canvas");
      tmp.width = g; tmp.height = g;
      tmp.getContext("2d").putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(tmp, 0, 0, W, H);
    }
    function px(x) { return (x - lo) / (hi - lo) * W; }
    function py(y) { return H - (y - lo) / (hi - lo) * H; }
    [["train", true], ["val", false]].forEach(function (kind) {
      N.points[kind[0]].forEach(function (pt) {
        ctx.beginPath();
        ctx.arc(px(pt[0]), py(pt[1]), 3.2, 0, 2 * Math.PI);
        var col = pt[2] ? "#1d4ed8" : "#c2410c";
        if (kind[1]) {
          ctx.fillStyle = col; ctx.fill();
          ctx.strokeStyle = "white"; ctx.lineWidth = 1; ctx.stroke();
        } else {
          ctx.strokeStyle = col; ctx.lineWidth = 1.6; ctx.stroke();
        }
      });
    });
  }
  function mix(p) {  // 0: orange, 0.5: white, 1: blue
    var a = [234, 88, 12], b = [37, 99, 235], w = [255, 255, 255];
    var t = Math.abs(p - 0.5) * 2 * 0.75, c = p < 0.5 ? a : b;
    return [0, 1, 2].map(function (k) { return Math.round(w[k] + (c[k] - w[k]) * t); });
  }

  function axes(ctx, W, H, L, B, ylabels) {
    ctx.strokeStyle = "#d1d5db"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(L, 4); ctx.lineTo(L, H - B); ctx.lineTo(W - 4, H - B);
    ctx.stroke();
    ctx.fillStyle = "#6b7280"; ctx.font = "10px sans-serif";
    ylabels.forEach(function (l) { ctx.fillText(l[0], 2, l[1] + 3); });
  }

  function drawLoss() {
    var cv = $("n-loss"), ctx = cv.getContext("2d"), W = cv.width, H = cv.height;
    var L = 38, B = 16, h = N.hist;
    ctx.clearRect(0, 0, W, H);
    var all = h.train.concat(h.val).filter(function (v) { return v !== null && isFinite(v); });
    var top = all.length ? Math.max.apply(null, all) * 1.05 : 1;
    axes(ctx, W, H, L, B, [[top.toFixed(2), 8], ["0", H - B]]);
    var n = h.step.length;
    if (!n) { return; }
    var s0 = h.step[0], s1 = Math.max(h.step[n - 1], s0 + 1);
    ctx.fillText("step " + h.step[n - 1], W - 70, H - 3);
    [["train", "#2563eb"], ["val", "#ea580c"]].forEach(function (kind) {
      ctx.strokeStyle = kind[1]; ctx.lineWidth = 1.6; ctx.beginPath();
      h[kind[0]].forEach(function (v, i) {
        if (v === null) { return; }
        var x = L + (h.step[i] - s0) / (s1 - s0) * (W - L - 6);
        var y = (H - B) - v / top * (H - B - 6);
        if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
      });
      ctx.stroke();
    });
  }

  var COLORS = ["#7c3aed", "#2563eb", "#059669", "#d97706", "#dc2626"];
  function drawNorms() {
    var cv = $("n-norms"), ctx = cv.getContext("2d"), W = cv.width, H = cv.height;
    var L = 38, B = 16, R = 96;
    ctx.clearRect(0, 0, W, H);
    if (!N.norms.length) { axes(ctx, W, H, L, B, []); return; }
    var names = Object.keys(N.norms[N.norms.length - 1]).filter(function (k) {
      return /weight$/.test(k);
    });
    var lo = Infinity, hi = -Infinity;
    N.norms.forEach(function (d) {
      names.forEach(function (k) {
        if (d[k] > 0) { var l = Math.log10(d[k]); lo = Math.min(lo, l); hi = Math.max(hi, l); }
      });
    });
    if (!isFinite(lo)) { lo = -1; hi = 0; }
    lo = Math.floor(lo); hi = Math.max(Math.ceil(hi), lo + 1);
    axes(ctx, W, H, L, B, [["1e" + hi, 8], ["1e" + lo, H - B]]);
    var n = N.norms.length;
    names.forEach(function (k, j) {
      ctx.strokeStyle = COLORS[j % COLORS.length]; ctx.lineWidth = 1.5; ctx.beginPath();
      var started = false;
      N.norms.forEach(function (d, i) {
        if (!(d[k] > 0)) { return; }
        var x = L + (n > 1 ? i / (n - 1) : 1) * (W - L - R);
        var y = (H - B) - (Math.log10(d[k]) - lo) / (hi - lo) * (H - B - 6);
        if (!started) { ctx.moveTo(x, y); started = true; } else { ctx.lineTo(x, y); }
      });
      ctx.stroke();
      ctx.fillStyle = COLORS[j % COLORS.length];
      var v = N.norms[n - 1][k];
      ctx.fillText(k.replace(".weight", "") + " " + (v ? v.toExponential(1) : "—"),
                   W - R + 4, 12 + 13 * j);
    });
  }

  // ------------------------------------------------------------------------ start
  fillSettings(SETTINGS.defaults);
  $("n-pause").disabled = true;
  connect();
  request(true);
  if (/tab=network/.test(location.hash)) { selectTab("network"); }
})();
