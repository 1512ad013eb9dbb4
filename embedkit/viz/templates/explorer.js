// The embedkit explorer: a WebGL map of a projection, with search, neighbours, analogies,
// colourings, selections and downloads. Everything it needs is inlined in the page; it
// makes no network request. The page's controls call the public API, window.embedkitExplorer.
(function () {
  "use strict";
  var T0 = performance.now();
  var META = JSON.parse(document.getElementById("embedkit-meta").textContent);
  function text(id) { return document.getElementById(id).textContent.trim(); }
  // Base64 to bytes: the browser's own decoder where it has one (Chromium 140+, Firefox 133+), else atob.
  function b64(s) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(s).buffer;
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bytes(id) { return b64(text(id)); }
  var WORDS = JSON.parse(text("embedkit-words"));
  var N = WORDS.length;
  // Coordinates are planar (every x, then every y), so the map's traces take views, not copies.
  var COORDS = new Float32Array(bytes("embedkit-coords")), X = COORDS.subarray(0, N), Y = COORDS.subarray(N, 2 * N);
  // The projections the page holds (the first drawn at load); the others' coordinates are decoded on first use.
  var PROJ = META.projections, CUR = 0, XY = [[X, Y]];
  function coordsOf(j) {
    if (!XY[j]) {
      var all = new Float32Array(bytes("embedkit-more-coords"));
      for (var m = 1; m < PROJ.length; m++) {
        var o = (m - 1) * 2 * N;
        XY[m] = [all.subarray(o, o + N), all.subarray(o + N, o + 2 * N)];
      }
    }
    return XY[j];
  }
  // Everything below that the first picture does not need is built on first use: the word index,
  // the vectors (or neighbour lists) and the colourings. Their data come after this script in the
  // page, so the map is drawn while the browser still reads them.
  var INDEX_ = null;
  function index() {
    if (!INDEX_) { INDEX_ = new Map(); for (var i = 0; i < N; i++) INDEX_.set(WORDS[i], i); }
    return INDEX_;
  }

  // Float16 -> float32, exactly: a table over all 65,536 half-precision bit patterns.
  function halfTable() {
    var t = new Float32Array(65536);
    for (var h = 0; h < 65536; h++) {
      var s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
      t[h] = e === 0 ? s * f * Math.pow(2, -24) : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * Math.pow(2, e - 15);
    }
    return t;
  }
  var DIM = META.dim, UNIT_ = null, NORMS = new Float32Array(N);  // unit-normalised rows (float32), when the vectors are embedded
  function unit() {
    if (UNIT_ || !META.embedded) return UNIT_;
    var t = performance.now(), half = new Uint16Array(bytes("embedkit-vectors")), table = halfTable();
    var U = new Float32Array(N * DIM);
    for (var r = 0; r < N; r++) {
      var o = r * DIM, ss = 0;
      for (var d = 0; d < DIM; d++) { var x = table[half[o + d]]; U[o + d] = x; ss += x * x; }
      var nrm = Math.sqrt(ss);
      NORMS[r] = nrm;
      if (nrm > 0) for (d = 0; d < DIM; d++) U[o + d] = U[o + d] / nrm;
    }
    UNIT_ = U;
    api.timings.vectors_decode_start_ms = t;
    api.timings.vectors_decode_ms = performance.now() - t;
    return UNIT_;
  }
  var NBR_ = null, NBR_K = META.neighbor_k;
  function nbr() {
    if (NBR_) return NBR_;
    var t = performance.now();
    NBR_ = { rows: new Int32Array(bytes("embedkit-nbr-rows")), scores: new Float32Array(bytes("embedkit-nbr-scores")) };
    api.timings.neighbors_decode_start_ms = t;
    api.timings.neighbors_decode_ms = performance.now() - t;
    return NBR_;
  }
  // The vectors' words that are not on the page, to tell "not on this page" from "not in the vectors".
  var OTHER_ = null;
  function otherWords() {
    if (!OTHER_) { var t = JSON.parse(text("embedkit-other-words")); OTHER_ = new Set(t ? t.split("\n") : []); }
    return OTHER_;
  }
  var TDECODE = performance.now(), TDRAWN = 0;
  var COLORINGS = META.colorings.map(function (c) {
    var codes = null;
    return { name: c.name, categories: c.categories,
      get codes() { if (!codes) codes = new Uint16Array(b64(c.codes)); return codes; } };
  });

  // ------------------------------------------------------------------------------------------
  // the API: search, neighbours, analogies (each returns [[word, score], ...] or throws)

  // A word's row: the word as typed, else in lower case (the vectors are often lower case); -1 if neither.
  function find(w) {
    var INDEX = index();
    w = String(w).trim();
    if (INDEX.has(w)) return INDEX.get(w);
    var lw = w.toLowerCase();
    return INDEX.has(lw) ? INDEX.get(lw) : -1;
  }
  // Where a word missing from the page is: only in the vectors, or nowhere.
  function inVectors(w) {
    var o = otherWords(), lw = String(w).trim().toLowerCase();
    return o.has(String(w).trim()) ? String(w).trim() : o.has(lw) ? lw : null;
  }
  function notOnPage(w) {
    return "'" + w + "' is in the vectors but not among this page's " + N.toLocaleString("en") + " words";
  }
  function rowOf(words) {
    var rows = words.map(find), missing = words.filter(function (w, i) { return rows[i] < 0; });
    if (!missing.length) return rows;
    var elsewhere = missing.map(inVectors);
    if (elsewhere.every(function (w) { return w === null; })) {
      var names = missing.map(function (w) { return "'" + w + "'"; }).join(", ");
      throw new Error((missing.length === 1 ? "unknown word: " : "unknown words: ") + names);
    }
    throw new Error(missing.map(function (w, i) { return elsewhere[i] ? notOnPage(elsewhere[i]) : "unknown word: '" + w + "'"; }).join("; "));
  }
  var K = META.k;  // the neighbours listed: the page's control sets it
  function checkK(k) {
    k = k === undefined ? K : Number(k);
    if (!Number.isInteger(k) || k < 1) throw new Error("k must be a positive integer, got " + k);
    return k;
  }
  // The k best rows by q . unit-row, best first, skipping `exclude`; ties keep the lower row first.
  function topk(q, k, exclude) {
    var U = unit(), rows = [], scores = [];
    for (var r = 0; r < N; r++) {
      if (exclude.indexOf(r) >= 0) continue;
      var o = r * DIM, s = 0;
      for (var d = 0; d < DIM; d++) s += U[o + d] * q[d];
      if (rows.length === k && s <= scores[k - 1]) continue;
      var j = rows.length < k ? rows.length : k - 1;
      while (j > 0 && scores[j - 1] < s) { rows[j] = rows[j - 1]; scores[j] = scores[j - 1]; j--; }
      rows[j] = r; scores[j] = s;
    }
    return rows.map(function (r, i) { return [WORDS[r], scores[i]]; });
  }
  function unitRow(r) { return unit().subarray(r * DIM, (r + 1) * DIM); }

  // Euclidean distance on the page's rows (the float16 values), nearest first: [[word, distance], ...].
  function euclidean(r, k) {
    var U = unit(), q = new Float32Array(DIM), rows = [], dist = [], o = r * DIM;
    for (var d = 0; d < DIM; d++) q[d] = U[o + d] * NORMS[r];
    for (var i = 0; i < N; i++) {
      if (i === r) continue;
      var p = i * DIM, n = NORMS[i], s = 0;
      for (d = 0; d < DIM; d++) { var t = U[p + d] * n - q[d]; s += t * t; }
      if (rows.length === k && s >= dist[k - 1]) continue;
      var j = rows.length < k ? rows.length : k - 1;
      while (j > 0 && dist[j - 1] > s) { rows[j] = rows[j - 1]; dist[j] = dist[j - 1]; j--; }
      rows[j] = i; dist[j] = s;
    }
    return rows.map(function (i, j) { return [WORDS[i], Math.sqrt(dist[j])]; });
  }
  var METRIC = "cosine";
  function neighbors(word, k, metric) {
    k = checkK(k);
    metric = metric === undefined ? METRIC : metric;
    if (metric !== "cosine" && metric !== "euclidean") throw new Error("metric must be 'cosine' or 'euclidean', got '" + metric + "'");
    var r = rowOf([word])[0];
    if (metric === "euclidean") {
      if (!META.embedded) throw new Error("Euclidean neighbours need the vectors, which this page does not hold");
      return euclidean(r, k);
    }
    if (META.embedded) return topk(unitRow(r), k, [r]);
    var NB = nbr(), out = [], o = r * NBR_K;
    for (var j = 0; j < Math.min(k, NBR_K); j++) {
      if (NB.rows[o + j] >= 0) out.push([WORDS[NB.rows[o + j]], NB.scores[o + j]]);
    }
    return out;
  }
  function analogy(a, b, c, k) {
    k = checkK(k);
    if (!META.embedded) throw new Error("analogies need the vectors, which this page does not hold (" + META.budget_note + ")");
    var rows = rowOf([a, b, c]), A = unitRow(rows[0]), B = unitRow(rows[1]), C = unitRow(rows[2]);
    // 3CosAdd as embedkit.analogy: the unit vector of b - a + c (in float32), against every unit row.
    var q = new Float32Array(DIM), ss = 0;
    for (var d = 0; d < DIM; d++) { q[d] = Math.fround(B[d] + C[d]) - A[d]; ss += q[d] * q[d]; }
    var n = Math.sqrt(ss);
    if (n > 0) for (d = 0; d < DIM; d++) q[d] = q[d] / n;
    return topk(q, k, rows);
  }
  // Words equal to `query` or starting with it (page order: most frequent first), at most `limit`.
  // The score is the share of the word typed: 1 for the word itself.
  function search(query, limit) {
    var q = String(query).trim();
    limit = limit || 20;
    if (!q) throw new Error("search for a word");
    // /pattern/: a regular expression, case-insensitive; the words it matches, page order (most frequent first).
    var re = /^\/(.+)\/$/.exec(q);
    if (re) {
      var rx;
      try { rx = new RegExp(re[1], "i"); } catch (e) { throw new Error("not a regular expression: " + q + " (" + e.message + ")"); }
      var hits = [];
      for (var h = 0; h < N && hits.length < limit; h++) if (rx.test(WORDS[h])) hits.push([WORDS[h], 1]);
      if (!hits.length) throw new Error("no word matches " + q);
      select(hits[0][0]);
      return hits;
    }
    var r = find(q), lq = q.toLowerCase(), out = r >= 0 ? [[WORDS[r], 1]] : [];
    // A whole word of the vectors that the page lacks is what was meant, not the page words it begins.
    if (r < 0 && inVectors(q)) throw new Error(notOnPage(inVectors(q)));
    for (var i = 0; i < N && out.length < limit; i++) {
      var w = WORDS[i];
      if (i !== r && w.length > q.length && (w.lastIndexOf(q, 0) === 0 || w.toLowerCase().lastIndexOf(lq, 0) === 0)) {
        out.push([w, q.length / w.length]);
      }
    }
    if (!out.length) throw new Error("unknown word: '" + q + "' (no word starts with it)");
    select(out[0][0]);
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // the map

  var gd = document.getElementById("plot");
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#393b79", "#ad494a", "#637939", "#e7ba52", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#fd8d3c"];
  var OTHER = "#c7c7c7";
  var traceRows = [];  // per scattergl trace: its rows
  var coloring = META.initial_coloring;  // index into COLORINGS, -1 for one colour (a groups file: its groups)
  var full = { x: extent(0), y: extent(1) };
  // PCA: the principal components on the axes (0-based; the page holds PCA_AXES of them).
  var AX = [0, 1], REST_ = null, NPC = META.pca_ratios.length;
  function component(c) {
    var xy = coordsOf(PROJ.map(function (p) { return p.method; }).indexOf("pca"));
    if (c < 2) return xy[c];
    if (!REST_) REST_ = new Float32Array(bytes("embedkit-pca-rest"));
    return REST_.subarray((c - 2) * N, (c - 1) * N);
  }
  function pcTitle(c) { return "PC" + (c + 1) + " (" + (100 * META.pca_ratios[c]).toFixed(1) + "% of variance)"; }
  function setPcaAxes(a, b) {
    a = Number(a); b = Number(b);
    [a, b].forEach(function (c) {
      if (!Number.isInteger(c) || c < 1 || c > NPC) throw new Error("principal components run from 1 to " + NPC + ", got " + c);
    });
    if (PROJ.map(function (p) { return p.method; }).indexOf("pca") < 0) throw new Error("this page holds no PCA");
    AX = [a - 1, b - 1];
    return setProjection("pca");
  }
  // Custom axes made of words: x is each unit row's component along unit(b) - unit(a) (normalised),
  // y along unit(d) - unit(c); computed here from the page's rows.
  var CUSTOM = null;  // [a, b, c, d] while the custom axes are drawn
  function axisOf(a, b) {
    var rows = rowOf([a, b]), A = unitRow(rows[0]), B = unitRow(rows[1]), dir = new Float32Array(DIM), ss = 0;
    for (var d = 0; d < DIM; d++) { dir[d] = B[d] - A[d]; ss += dir[d] * dir[d]; }
    if (!(ss > 0)) throw new Error("'" + WORDS[rows[0]] + "' and '" + WORDS[rows[1]] + "' have the same direction: no axis between them");
    var n = Math.sqrt(ss), U = unit(), out = new Float32Array(N);
    for (var r = 0; r < N; r++) {
      var o = r * DIM, s = 0;
      for (d = 0; d < DIM; d++) s += U[o + d] * dir[d];
      out[r] = s / n;
    }
    return { values: out, title: WORDS[rows[0]] + " \u2192 " + WORDS[rows[1]] };
  }
  function setAxes(a, b, c, d) {
    if (!META.embedded) throw new Error("axes made of words need the vectors, which this page does not hold (" + META.budget_note + ")");
    var ax = axisOf(a, b), ay = axisOf(c, d);
    if (D3) after(function () { D3 = false; document.getElementById("view-3d").checked = false; return Plotly.react(gd, traces(), SAVED2D, config); });
    return after(function () {
      CUSTOM = [a, b, c, d].map(function (w) { return WORDS[find(w)]; });
      X = ax.values; Y = ay.values;
      full = { x: extent(0), y: extent(1) };
      var L = gd.layout;
      L.xaxis.title.text = ax.title; L.yaxis.title.text = ay.title;
      L.xaxis.range = full.x.slice(); L.yaxis.range = full.y.slice();
      document.getElementById("pca-axes").style.display = "none";
      document.getElementById("projection").value = "";
      return draw().then(function () {
        return highlighted().length ? fitView(highlighted()) : Plotly.relayout(gd, { "xaxis.range": full.x.slice(), "yaxis.range": full.y.slice() });
      });
    });
  }
  // Draw another projection: the same words, colouring, selection and highlights, the view fitted to them.
  function setProjection(name) {
    var j = PROJ.map(function (p) { return p.method; }).indexOf(name);
    if (j < 0) throw new Error("no projection '" + name + "' in this page (it holds " + PROJ.map(function (p) { return p.method; }).join(", ") + ")");
    if (D3) after(function () { D3 = false; document.getElementById("view-3d").checked = false; return Plotly.react(gd, traces(), SAVED2D, config); });
    return after(function () {
      var pc = name === "pca" && NPC > 2;
      CUSTOM = null;
      CUR = j; X = pc ? component(AX[0]) : coordsOf(j)[0]; Y = pc ? component(AX[1]) : coordsOf(j)[1];
      full = { x: extent(0), y: extent(1) };
      var L = gd.layout;
      L.xaxis.title.text = pc ? pcTitle(AX[0]) : PROJ[j].axis_titles[0]; L.yaxis.title.text = pc ? pcTitle(AX[1]) : PROJ[j].axis_titles[1];
      document.getElementById("pca-axes").style.display = pc ? "" : "none";
      document.getElementById("pc-x").value = String(AX[0] + 1); document.getElementById("pc-y").value = String(AX[1] + 1);
      L.xaxis.range = full.x.slice(); L.yaxis.range = full.y.slice();
      document.getElementById("projection").value = name;
      info();
      missingNote();
      return draw().then(function () {
        if (highlighted().length) return fitView(highlighted());
        return Plotly.relayout(gd, { "xaxis.range": full.x.slice(), "yaxis.range": full.y.slice() });
      });
    });
  }
  function extent(axis) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < N; i++) { var v = (axis ? Y : X)[i]; if (v < lo) lo = v; if (v > hi) hi = v; }  // NaN: not drawn
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    var pad = 0.03 * (hi - lo);
    return [lo - pad, hi + pad];
  }
  var markerSize = N > 50000 ? 3 : N > 5000 ? 4 : 6;
  // rows: null for every word (the one-colour map takes the page's arrays as they are)
  // A small group of a groups file is drawn larger, labelled, in SVG above the WebGL points.
  function groupTrace(rows, name, color) {
    var tr = pointTrace(rows, name, color, true);
    tr.marker.size = Math.max(8, markerSize * 2.5);
    tr.marker.opacity = 1;
    tr.marker.line = { width: 1, color: "#fff" };
    if (rows.length <= 300) { tr.type = "scatter"; tr.mode = "markers+text"; tr.text = tr.hovertext;
      tr.textposition = "top center"; tr.textfont = { size: 11, color: color }; tr.labelled = true; }
    return tr;
  }
  function pointTrace(rows, name, color, showlegend) {
    var x = X, y = Y, t = WORDS;
    if (rows) {
      x = new Float32Array(rows.length); y = new Float32Array(rows.length); t = new Array(rows.length);
      for (var i = 0; i < rows.length; i++) { x[i] = X[rows[i]]; y[i] = Y[rows[i]]; t[i] = WORDS[rows[i]]; }
    }
    traceRows.push(rows);
    return { type: "scattergl", mode: "markers", x: x, y: y, hovertext: t, hoverinfo: "text", name: name,
      showlegend: showlegend, marker: { size: markerSize, color: color, opacity: 0.75 } };
  }
  function rowAt(curve, i) { return traceRows[curve] ? traceRows[curve][i] : i; }
  var highlight = { main: null, others: [] };
  function highlightTrace() {
    var rows = (highlight.main === null ? [] : [highlight.main]).concat(highlight.others);
    // WebGL too: an SVG trace would lie under the WebGL points.
    return { type: "scattergl", mode: "markers+text", x: rows.map(function (r) { return X[r]; }),
      y: rows.map(function (r) { return Y[r]; }), text: rows.map(function (r) { return WORDS[r]; }),
      hovertext: rows.map(function (r) { return WORDS[r]; }), hoverinfo: "text", textposition: "top center",
      showlegend: false, name: "highlight", textfont: { size: 12, color: "#111" },
      marker: { size: rows.map(function (r, i) { return i === 0 && highlight.main !== null ? 16 : 11; }),
        color: rows.map(function (r, i) { return i === 0 && highlight.main !== null ? "#d62728" : "#ff9900"; }),
        line: { width: 1, color: "#fff" }, symbol: rows.map(function (r, i) { return i === 0 && highlight.main !== null ? "star" : "circle"; }) } };
  }
  // The 3-D view (PCA only: the axes' two components and the next one), drawn with WebGL scatter3d.
  var D3 = false, Z = null, SAVED2D = null;
  function in3d(tr, j) {
    var rows = j === undefined ? highlighted() : traceRows[j];
    var z = rows ? rows.map(function (r) { return Z[r]; }) : Z;
    // Faint small points, so that the highlighted words show through the cloud.
    var hl = tr.name === "highlight", m = Object.assign({}, tr.marker, { size: hl ? 7 : 2, opacity: hl ? 1 : 0.3 });
    if (m.symbol) m.symbol = m.symbol.map(function (s) { return s === "star" ? "diamond" : s; });
    delete m.line;
    return Object.assign({}, tr, { type: "scatter3d", z: z, marker: m });
  }
  function layout3d() {
    var t = gd.layout;
    return { margin: { l: 0, r: 0, t: 24, b: 0 }, hovermode: "closest", uirevision: "3d", legend: t.legend,
      scene: { xaxis: { title: { text: t.xaxis.title.text } }, yaxis: { title: { text: t.yaxis.title.text } },
        zaxis: { title: { text: pcTitle(zComponent()) } } } };
  }
  function zComponent() { for (var c = 0; ; c++) if (AX.indexOf(c) < 0) return c; }
  function set3d(on) {
    on = !!on;
    if (on && (CUSTOM || PROJ[CUR].method !== "pca" || NPC < 3)) {
      throw new Error("the 3-D view draws three principal components: choose the PCA projection (t-SNE and UMAP are 2-D here)");
    }
    return after(function () {
      if (on === D3) return null;
      D3 = on;
      document.getElementById("view-3d").checked = on;
      if (on) {
        Z = component(zComponent());
        SAVED2D = gd.layout;
        return Plotly.react(gd, traces(), layout3d(), config);
      }
      return Plotly.react(gd, traces(), SAVED2D, config).then(function () { return fitView(highlighted()); });
    });
  }
  function traces() {
    traceRows = [];
    var out = [];
    if (coloring < 0) {
      out.push(pointTrace(null, "words", "#3b6fb6", false));
    } else {
      var c = COLORINGS[coloring], buckets = c.categories.map(function () { return []; });
      for (var i = 0, codes = c.codes; i < N; i++) buckets[codes[i]].push(i);
      var compact = c.categories.length > 8, groups = c.name === "groups";
      c.categories.forEach(function (name, j) {
        if (!buckets[j].length) return;
        var col = name === META.other ? OTHER : PALETTE[j % PALETTE.length];
        // Many colours: short legend entries, so the legend leaves the map its room.
        var label = compact && name.length > 24 ? name.slice(0, 23) + "\u2026" : name;
        label += " (" + buckets[j].length.toLocaleString("en") + ")";
        out.push(groups && name !== META.other ? groupTrace(buckets[j], label, col) : pointTrace(buckets[j], label, col, true));
      });
    }
    out.push(highlightTrace());
    return D3 ? out.map(function (tr, j) { return in3d(tr, j < out.length - 1 ? j : undefined); }) : out;
  }
  // The title is the side panel's; the axis titles stand off their tick labels (automargin).
  var layout = { margin: { l: 20, r: 10, t: 24, b: 20 }, dragmode: "pan", hovermode: "closest", uirevision: "keep",
    legend: { title: { text: "" }, itemsizing: "constant", bgcolor: "rgba(255,255,255,0.85)" },
    xaxis: { range: full.x.slice(), zeroline: false, automargin: true, title: { text: PROJ[0].axis_titles[0], standoff: 8 } },
    yaxis: { range: full.y.slice(), zeroline: false, automargin: true, title: { text: PROJ[0].axis_titles[1], standoff: 10 } } };
  var config = { scrollZoom: true, displaylogo: false, responsive: true, modeBarButtonsToAdd: ["select2d", "lasso2d"] };
  function legendStyle(L) {
    var many = coloring >= 0 && COLORINGS[coloring].categories.length > 8;
    L.legend.title.text = coloring < 0 ? "" : COLORINGS[coloring].name;
    L.legend.font = { size: many ? 10 : 12 };
    L.legend.tracegroupgap = 0;
    L.legend.itemwidth = 30;
  }
  function draw() {
    legendStyle(gd.layout && gd.layout.legend ? gd.layout : layout);
    if (!gd.layout || !gd.layout.xaxis) return Plotly.newPlot(gd, traces(), layout, config);
    return Plotly.react(gd, traces(), gd.layout, config);
  }
  // Only the last (highlight) trace changes; react keeps the big WebGL traces as they are.
  // A labelled group word that is highlighted takes the highlight's label only (not two labels on one point).
  function redrawHighlight() {
    var on = new Set(highlighted()), data = gd.data.slice(0, -1).map(function (tr, j) {
      if (!tr.labelled) return tr;
      return Object.assign({}, tr, { text: traceRows[j].map(function (r) { return on.has(r) ? "" : WORDS[r]; }) });
    });
    var h = highlightTrace();
    return Plotly.react(gd, data.concat([D3 ? in3d(h) : h]), gd.layout, config);
  }

  // ------------------------------------------------------------------------------------------
  // the panels

  function el(tag, attrs, txt) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (txt !== undefined) e.textContent = txt;
    return e;
  }
  function wordList(pairs, ordered) {
    var list = el(ordered ? "ol" : "ul");
    pairs.forEach(function (p) {
      var li = el("li", { "data-word": p[0] });
      li.appendChild(document.createTextNode(p[0] + " "));
      li.appendChild(el("span", { class: "s" }, Number(p[1]).toFixed(4)));
      li.addEventListener("click", function () { select(p[0]); });
      list.appendChild(li);
    });
    return list;
  }
  // Fit the view to the rows' bounding box, padded (more above, where the labels are), at least 2% of
  // the map wide, so that everything asked about is in view.
  function fitView(rows) {
    if (D3) return Promise.resolve();  // the 3-D scene shows every point
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    rows.forEach(function (r) {
      var x = X[r], y = Y[r];
      if (!isFinite(x) || !isFinite(y)) return;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    });
    if (!(x1 >= x0)) return Promise.resolve();
    var wx = Math.max(x1 - x0, 0.02 * (full.x[1] - full.x[0])), wy = Math.max(y1 - y0, 0.02 * (full.y[1] - full.y[0]));
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    return Plotly.relayout(gd, { "xaxis.range": [cx - 0.62 * wx, cx + 0.62 * wx],
      "yaxis.range": [cy - 0.62 * wy, cy + 0.72 * wy] });
  }
  function highlighted() { return (highlight.main === null ? [] : [highlight.main]).concat(highlight.others); }
  // Map updates run one after another; settled() resolves when the last has been drawn.
  var pending = Promise.resolve();
  function after(f) { pending = pending.then(f, f).then(remember); return pending; }
  // The view state lives in the URL fragment (#{json}), so a view can be bookmarked, shared and reloaded.
  var RESTORING = false;
  function remember() {
    if (RESTORING || !api.ready) return;
    var h = "#" + encodeURIComponent(JSON.stringify(state()));
    // An inline (srcdoc) page may refuse a URL change: the view then lives only in state().
    try { if (location.hash !== h) history.replaceState(null, "", h); } catch (e) { /* no URL to keep it in */ }
  }
  function restore() {
    var raw = location.hash.slice(1), st;
    if (!raw) return Promise.resolve();
    try { st = JSON.parse(decodeURIComponent(raw)); } catch (e) { return Promise.resolve(); }
    RESTORING = true;
    try {
      if (st.k) { K = Number(st.k); document.getElementById("k").value = String(K); }
      if (st.metric === "euclidean" && META.embedded) { METRIC = st.metric; document.getElementById("metric").value = METRIC; }
      var c = COLORINGS.map(function (x) { return x.name; }).indexOf(st.coloring);
      coloring = st.coloring === null ? -1 : c >= 0 ? c : coloring;
      document.getElementById("color-by").value = String(coloring);
      after(draw);
      if (st.selected) select(st.selected);
      else if (st.analogy) { document.getElementById("analogy").value = st.analogy.join(" "); runAnalogy(); }
      if (st.axes) setAxes.apply(null, st.axes);
      else if (st.projection === "pca" && st.pca_axes) setPcaAxes(st.pca_axes[0], st.pca_axes[1]);
      else if (st.projection && st.projection !== PROJ[CUR].method) setProjection(st.projection);
      if (st.dims === 3) set3d(true);
      else if (st.x_range && st.y_range) after(function () { return Plotly.relayout(gd, { "xaxis.range": st.x_range, "yaxis.range": st.y_range }); });
    } catch (e) { document.getElementById("projection-note").textContent = "the link's view could not be restored: " + e.message; }
    return after(function () { RESTORING = false; });
  }
  // Words a projection does not cover (t-SNE and UMAP beside the first method hold only the first words).
  function missingNote() {
    var box = document.getElementById("projection-note"), P = PROJ[CUR];
    var off = highlighted().filter(function (r) { return !isFinite(X[r]); }).map(function (r) { return WORDS[r]; });
    box.textContent = off.length ? "Not in the " + P.method_name + " projection (it holds the first " + P.count.toLocaleString("en") +
      " words): " + off.join(", ") : "";
  }
  function showHighlight() {
    missingNote();
    return after(function () { return redrawHighlight().then(function () { return fitView(highlighted()); }); });
  }
  var selected = null;
  function select(word) {
    var r = rowOf([word])[0], panel = document.getElementById("neighbors"), nb = neighbors(WORDS[r], K);
    word = WORDS[r];
    selected = word;
    analogyAsked = null;
    panel.innerHTML = "";
    panel.className = "";
    panel.setAttribute("data-word", word);
    panel.appendChild(el("div", {}, "Nearest to " + word + " (" + (METRIC === "euclidean" ? "Euclidean distance" : "cosine") + " in " + DIM + "-D; rank " + (r + 1).toLocaleString("en") + ")"));
    panel.appendChild(wordList(nb, true));
    highlight.main = r;
    highlight.others = nb.map(function (p) { return index().get(p[0]); });
    // The map follows a moment later, so that the answer (the panel) never waits for a redraw.
    var t = new Promise(function (done) { setTimeout(done, 0); });
    after(function () { return t; });
    showHighlight();
  }

  function info() {
    var box = document.getElementById("info"), tbl = el("table"), P = PROJ[CUR];
    box.innerHTML = "";
    function row(k, v, tip) {
      var tr = el("tr"), td = el("td");
      td.appendChild(tip ? el("abbr", { title: tip }, k) : document.createTextNode(k));
      tr.appendChild(td); tr.appendChild(el("td", {}, v)); tbl.appendChild(tr);
    }
    // Parameters as words, not JSON: {"k": 10, "sample": 2000} is "k 10, sample 2,000".
    function plain(v) {
      if (v === null || v === undefined) return "none";
      if (Array.isArray(v)) return v.map(plain).join(", ");
      if (typeof v === "object") return Object.keys(v).map(function (k) { return k + " " + plain(v[k]); }).join(", ");
      if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en") : String(Math.round(v * 1e4) / 1e4);
      return String(v);
    }
    row("method", P.method_name);
    Object.keys(P.params).forEach(function (k) {
      row(k === "trustworthiness" ? "trustworthiness measured with" : k.replace(/_/g, " "), plain(P.params[k]));
    });
    var TW = "The share of each word's nearest neighbours on the map that are also near it in the original space " +
      "(1: no false neighbours on the map; about 0.5: no better than chance).";
    row("trustworthiness", P.trustworthiness === null ? "not computed" : P.trustworthiness.toFixed(3), TW);
    row("words", P.count === N ? N.toLocaleString("en") : "the first " + P.count.toLocaleString("en") + " of the page's " + N.toLocaleString("en"));
    row("vectors", META.source ? String(META.source) + " (" + DIM + " dimensions)" : DIM + " dimensions");
    box.appendChild(tbl);
    if (P.trustworthiness !== null) box.appendChild(el("p", { class: "note", id: "trust-note" }, "Trustworthiness: " + TW));
    box.appendChild(el("p", { class: "note", id: "budget-note" }, META.budget_note));
  }

  function setupColor() {
    var sel = document.getElementById("color-by");
    sel.appendChild(el("option", { value: "-1" }, "one colour"));
    COLORINGS.forEach(function (c, i) { sel.appendChild(el("option", { value: String(i) }, c.name)); });
    sel.value = String(coloring);
    sel.addEventListener("change", function () { coloring = Number(sel.value); after(draw); });
  }

  function download(name, body, type) {
    var a = el("a", { download: name, href: URL.createObjectURL(new Blob([body], { type: type })) });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  // Python's '%.9g' (what Projection.save writes), so the download equals the saved CSV: rounded
  // half-to-even on the exact decimal value, as Python does (JS's toFixed rounds ties up).
  function g9(x) {
    if (!isFinite(x)) return isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    var neg = x < 0 || Object.is(x, -0), a = Math.abs(x);
    if (a === 0) return neg ? "-0" : "0";
    var parts = a.toExponential(60).split("e"), digits = parts[0].replace(".", ""), exp = Number(parts[1]);
    var head = digits.slice(0, 9), rest = digits.slice(9);
    if (rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || Number(head[8]) % 2 === 1))) {
      head = String(BigInt(head) + 1n);
      if (head.length > 9) { head = head.slice(0, 9); exp += 1; }
    }
    var out;
    if (exp < -4 || exp >= 9) {
      var m = (head[0] + "." + head.slice(1)).replace(/0+$/, "").replace(/\.$/, "");
      out = m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    } else {
      var ip = exp >= 0 ? head.slice(0, exp + 1) : "0", fp = exp >= 0 ? head.slice(exp + 1) : "0".repeat(-exp - 1) + head;
      fp = fp.replace(/0+$/, "");
      out = fp ? ip + "." + fp : ip;
    }
    return (neg ? "-" : "") + out;
  }
  function csvField(w) { return /[",\r\n]/.test(w) ? '"' + w.replace(/"/g, '""') + '"' : w; }
  function coordinatesCsv() {
    var lines = [PROJ[CUR].csv_header, "word,x,y"], xy = coordsOf(CUR);  // the projection's own axes
    for (var i = 0; i < PROJ[CUR].count; i++) lines.push(csvField(WORDS[i]) + "," + g9(xy[0][i]) + "," + g9(xy[1][i]));
    return lines.join("\n") + "\n";
  }

  var selection = [];
  function onSelected(ev) {
    var box = document.getElementById("selection");
    selection = [];
    ((ev && ev.points) || []).forEach(function (p) {
      if (p.curveNumber < traceRows.length) selection.push(rowAt(p.curveNumber, p.pointIndex));
    });
    box.innerHTML = "";
    box.className = "";
    if (!selection.length) { box.className = "note"; box.textContent = "Nothing selected."; return; }
    box.appendChild(el("div", {}, selection.length.toLocaleString("en") + " words selected"));
    var words = selection.map(function (r) { return WORDS[r]; });
    box.appendChild(el("div", { id: "selection-words" }, words.slice(0, 500).join(" ") + (words.length > 500 ? " ..." : "")));
    var b = el("button", { id: "download-selection" }, "download the selected words");
    b.addEventListener("click", function () { download("selection.txt", words.join("\n") + "\n", "text/plain"); });
    box.appendChild(b);
  }

  function runAnalogy() {
    var out = document.getElementById("analogy-result"), parts = document.getElementById("analogy").value.trim().split(/\s+/);
    out.innerHTML = "";
    try {
      if (parts.length !== 3) throw new Error("type three words: a b c (a is to b as c is to ?)");
      var res = analogy(parts[0], parts[1], parts[2], K), rows = rowOf(parts);
      out.appendChild(el("div", { class: "note" }, rows.map(function (r) { return WORDS[r]; }).join(" : ").replace(/ : (\S+)$/, " :: $1") + " : ?"));
      out.appendChild(wordList(res, true));
      highlight.main = index().get(res[0][0]);
      highlight.others = rows;
      selected = null;
      analogyAsked = rows.map(function (r) { return WORDS[r]; });
      showHighlight();
    } catch (e) {
      out.appendChild(el("div", { class: "err" }, e.message));
    }
  }

  function setupK() {
    var m = document.getElementById("metric");
    if (!META.embedded) m.style.display = "none";
    m.addEventListener("change", function () { METRIC = m.value; if (selected !== null) select(selected); });
    var box = document.getElementById("k");
    box.value = String(K);
    if (!META.embedded) box.max = String(META.neighbor_k);
    box.addEventListener("change", function () {
      var k = Number(box.value);
      if (!Number.isInteger(k) || k < 1) { box.value = String(K); return; }
      K = META.embedded ? k : Math.min(k, META.neighbor_k);
      box.value = String(K);
      if (selected !== null) select(selected);
      else if (analogyAsked) runAnalogy();
    });
  }

  function setupAxes() {
    var box = document.getElementById("axes"), out = document.getElementById("axes-result");
    box.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") return;
      var w = box.value.trim().split(/\s+/);
      out.textContent = "";
      try {
        if (w.length !== 4) throw new Error("type four words: a b c d (x from a to b, y from c to d)");
        setAxes(w[0], w[1], w[2], w[3]);
      } catch (e) { out.textContent = e.message; }
    });
  }
  function setupProjection() {
    setupAxes();
    var sel = document.getElementById("projection");
    PROJ.forEach(function (p) { sel.appendChild(el("option", { value: p.method }, p.method_name)); });
    if (PROJ.length < 2) sel.style.display = "none";
    sel.addEventListener("change", function () { setProjection(sel.value); });
    var box3 = document.getElementById("view-3d");
    box3.addEventListener("change", function () {
      try { set3d(box3.checked); } catch (e) { box3.checked = false; document.getElementById("projection-note").textContent = e.message; }
    });
    var px = document.getElementById("pc-x"), py = document.getElementById("pc-y");
    for (var c = 1; c <= NPC; c++) { px.appendChild(el("option", { value: String(c) }, "PC" + c)); py.appendChild(el("option", { value: String(c) }, "PC" + c)); }
    px.value = "1"; py.value = "2";
    document.getElementById("pca-axes").style.display = PROJ[0].method === "pca" && NPC > 2 ? "" : "none";
    function onAxes() { setPcaAxes(px.value, py.value); }
    px.addEventListener("change", onAxes); py.addEventListener("change", onAxes);
  }

  function setup() {
    setupProjection();
    info();
    setupColor();
    setupK();
    var s = document.getElementById("search"), results = document.getElementById("search-results");
    s.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") return;
      results.innerHTML = "";
      try {
        search(s.value).slice(1, 12).forEach(function (p) {
          var li = el("li", {}, p[0]);
          li.addEventListener("click", function () { select(p[0]); });
          results.appendChild(li);
        });
      } catch (e) { results.appendChild(el("li", { class: "err" }, e.message)); }
    });
    var a = document.getElementById("analogy");
    a.addEventListener("keydown", function (ev) { if (ev.key === "Enter") runAnalogy(); });
    a.addEventListener("change", runAnalogy);
    document.getElementById("download-csv").addEventListener("click", function () {
      download(META.csv_name, coordinatesCsv(), "text/csv");
    });
    return draw().then(function () {
      TDRAWN = performance.now();
      return new Promise(function (done) { requestAnimationFrame(function () { requestAnimationFrame(done); }); });
    }).then(function () {
      gd.on("plotly_click", function (ev) {
        var p = ev.points && ev.points[0];
        var i = p && (p.pointIndex !== undefined ? p.pointIndex : p.pointNumber);
        if (p && p.curveNumber < traceRows.length) select(WORDS[rowAt(p.curveNumber, i)]);
        else if (p) select(p.text || p.hovertext);
      });
      gd.on("plotly_selected", onSelected);
      gd.on("plotly_deselect", function () { onSelected(null); });
      Object.assign(api.timings, { script_start_ms: T0, decode_ms: TDECODE - T0, drawn_ms: TDRAWN, first_render_ms: performance.now() });
      // The data the first picture does not need follow this script: the API is ready once they are read.
      if (document.readyState === "loading") return new Promise(function (done) { document.addEventListener("DOMContentLoaded", done); });
    }).then(function () {
      gd.on("plotly_relayout", function () { if (!RESTORING) setTimeout(remember, 0); });
      return restore();
    }).then(function () {
      api.ready = true;
      remember();
      api.timings.ready_ms = performance.now();
      document.body.setAttribute("data-ready", "1");
      // Then, while the reader looks at the map, what the first search and click need.
      var later = window.requestIdleCallback || function (f) { return setTimeout(f, 50); };
      later(function () { index(); later(function () { if (META.embedded) unit(); else nbr(); }); });
    });
  }

  var analogyAsked = null;  // the analogy's three words while its answer is shown
  // What is on screen: the visible ranges and where each highlighted word is drawn.
  function view() {
    var L = gd.layout, pos = {}, words = highlighted().map(function (r) { pos[WORDS[r]] = [X[r], Y[r]]; return WORDS[r]; });
    var xr = D3 ? full.x.slice() : L.xaxis.range.slice(), yr = D3 ? full.y.slice() : L.yaxis.range.slice();
    return { projection: CUSTOM ? "custom" : PROJ[CUR].method, projections: PROJ.map(function (p) { return p.method; }), dims: D3 ? 3 : 2,
      x_range: xr, y_range: yr, highlighted: words, highlighted_positions: pos };
  }
  function position(word) { var r = rowOf([word])[0]; return D3 ? [X[r], Y[r], Z[r]] : [X[r], Y[r]]; }
  function state() {
    var v = view();
    return { projection: v.projection, dims: v.dims, x_range: v.x_range, y_range: v.y_range, selected: selected,
      pca_axes: [AX[0] + 1, AX[1] + 1], axes: CUSTOM, analogy: analogyAsked, metric: METRIC, coloring: coloring < 0 ? null : COLORINGS[coloring].name, k: K };
  }
  var api = { search: search, neighbors: neighbors, analogy: analogy, select: select, coordinatesCsv: coordinatesCsv,
    view: view, position: position, state: state, setProjection: setProjection, setPcaAxes: setPcaAxes, set3d: set3d, setAxes: setAxes, settled: function () { return pending; },
    words: WORDS, embedded: !!META.embedded, ready: false, timings: {} };
  Object.defineProperty(api, "selected", { get: function () { return selected; } });
  Object.defineProperty(api, "selection", { get: function () { return selection.map(function (r) { return WORDS[r]; }); } });
  window.embedkitExplorer = api;
  setup();
})();
