// The embedkit explorer: a WebGL map of a projection, with search, neighbours, analogies,
// colourings, selections and downloads. Everything it needs is inlined in the page; it
// makes no network request. The page's controls call the public API, window.embedkitExplorer.
(function () {
  "use strict";
  var T0 = performance.now();
  // plotly.js as embedkit inlines it registers no trace type of its own (embedkit/viz/plotlyjs.py): the
  // page registers scattergl now and the others, scatter3d among them, before its first 3-D view. Should
  // the first not be scattergl, every type is registered at once, as the whole bundle would have done.
  function registerTraces(all) {
    var later = window.embedkitPlotlyLater;
    if (!later) return;
    if (!all && later.first !== null) {
      var first = later.traces.splice(later.first, 1)[0]();
      later.first = null;
      Plotly.register(first);
      if (first && first.name === "scattergl") return;
    }
    window.embedkitPlotlyLater = null;
    Plotly.register(later.traces.map(function (f) { return f(); }));
  }
  registerTraces(false);
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
  // Asked through the API, the word and its neighbours are shown too (the panel, the highlights, the view).
  function neighbors(word, k, metric) {
    var res = neighborsOf(word, k, metric);
    showNeighbors(rowOf([word])[0], res, metric === undefined ? METRIC : metric);
    return res;
  }
  function neighborsOf(word, k, metric) {
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
  // The question asked through the API is shown as if typed: the answers listed, the four words highlighted, in view.
  function analogy(a, b, c, k) {
    var got = analogyOf(a, b, c, k);
    showAnalogy(got.rows, got.answers);
    return got.answers;
  }
  function analogyOf(a, b, c, k) {
    k = checkK(k);
    if (!META.embedded) throw new Error("analogies need the vectors, which this page does not hold (" + META.budget_note + ")");
    var rows = rowOf([a, b, c]), A = unitRow(rows[0]), B = unitRow(rows[1]), C = unitRow(rows[2]);
    // 3CosAdd as embedkit.analogy: the unit vector of b - a + c (in float32), against every unit row.
    var q = new Float32Array(DIM), ss = 0;
    for (var d = 0; d < DIM; d++) { q[d] = Math.fround(B[d] + C[d]) - A[d]; ss += q[d] * q[d]; }
    var n = Math.sqrt(ss);
    if (n > 0) for (d = 0; d < DIM; d++) q[d] = q[d] / n;
    return { rows: rows, answers: topk(q, k, rows) };
  }
  // Words equal to `query` or starting with it (page order: most frequent first), at most `limit`.
  // The score is the share of the word typed: 1 for the word itself.
  function search(query, limit, column) {
    var q = String(query).trim();
    limit = limit || 20;
    if (column !== undefined && column !== null && column !== "" && column !== "word") {
      var col = columnOf(column);
      if (!col) throw new Error("no column '" + column + "' in this page (it has " + columnNames() + ")");
      return searchColumn(col, q, limit);
    }
    // column:value searches a metadata column (or the groups, or the clusters) when the part before ':' names one.
    var cv = /^([^:/][^:]*):(.+)$/.exec(q);
    if (cv && columnOf(cv[1])) return searchColumn(columnOf(cv[1]), cv[2], limit);
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

  // The columns a search can look in: each metadata column with every word's value, and the groups and
  // k-means colourings by their categories.
  var COLUMNS_ = null;
  function columns() {
    if (COLUMNS_) return COLUMNS_;
    COLUMNS_ = META.columns.map(function (c) {
      var codes = null;
      return { name: c.name, values: c.values, get codes() { if (!codes) codes = new Uint32Array(b64(c.codes)); return codes; } };
    });
    var names = COLUMNS_.map(function (c) { return c.name; });
    COLORINGS.forEach(function (c) {
      if (names.indexOf(c.name) < 0) COLUMNS_.push({ name: c.name, values: c.categories, get codes() { return c.codes; } });
    });
    return COLUMNS_;
  }
  function columnNames() { return columns().map(function (c) { return "'" + c.name + "'"; }).join(", ") || "no columns"; }
  function columnOf(name) {
    var ln = String(name).trim().toLowerCase(), cs = columns();
    for (var i = 0; i < cs.length; i++) if (cs[i].name.toLowerCase() === ln) return cs[i];
    return null;
  }
  function valueOf(col, r) { return col.values[col.codes[r]]; }
  // The words whose value in the column is the one typed, case-insensitive (else the values that contain
  // it; /pattern/: a regular expression), most frequent first; they are highlighted and brought into view.
  function searchColumn(col, value, limit) {
    var q = String(value).trim(), re = /^\/(.+)\/$/.exec(q), test;
    if (!q) throw new Error("search the column '" + col.name + "' for a value");
    if (re) {
      var rx;
      try { rx = new RegExp(re[1], "i"); } catch (e) { throw new Error("not a regular expression: " + q + " (" + e.message + ")"); }
      test = function (v) { return rx.test(v); };
    } else {
      var lq = q.toLowerCase(), equal = col.values.some(function (v) { return v.toLowerCase() === lq; });
      test = equal ? function (v) { return v.toLowerCase() === lq; } : function (v) { return v.toLowerCase().indexOf(lq) >= 0; };
    }
    var ok = col.values.map(function (v) { return v !== "" && test(v); }), codes = col.codes, rows = [];
    for (var i = 0; i < N && rows.length < limit; i++) if (ok[codes[i]]) rows.push(i);
    if (!rows.length) throw new Error("no word has '" + q + "' in the column '" + col.name + "'");
    showMatches(rows, col.name + ":" + q);
    return rows.map(function (r) { return [WORDS[r], 1]; });
  }
  var MATCHED = null;  // the column search shown (column:value), while its words are highlighted
  function showMatches(rows, asked) {
    var panel = document.getElementById("neighbors");
    panel.innerHTML = "";
    panel.className = "note";
    panel.removeAttribute("data-word");
    panel.textContent = "The map shows the " + rows.length.toLocaleString("en") + " words found by " + asked +
      ". Click a point or search a word for its neighbours.";
    highlight.main = null;
    highlight.others = rows;
    selected = null;
    analogyAsked = null;
    MATCHED = asked;
    showHighlight();
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
    leave3d();
    return after(function () {
      CUSTOM = [a, b, c, d].map(function (w) { return WORDS[find(w)]; });
      BEFORE = null;
      isolationNote();
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
    leave3d();
    return after(function () {
      var pc = name === "pca" && NPC > 2;
      CUSTOM = null;
      BEFORE = null;
      isolationNote();
      CUR = j; X = pc ? component(AX[0]) : coordsOf(j)[0]; Y = pc ? component(AX[1]) : coordsOf(j)[1];
      full = { x: extent(0), y: extent(1) };
      return plotFor(j).then(function (div) { return drawProjection(div, name, pc); });
    });
  }
  // Each projection's 2-D map is kept once drawn, in its own plot: switching back to it shows that plot
  // again and redraws only the highlights, unless what it shows (axes, colouring, isolation, labels) has changed.
  var PLOTS = {}, ISO_V = 0;
  function plotFor(j) {
    if (!PLOTS[0]) PLOTS[0] = document.getElementById("plot");
    if (PLOTS[j]) return Promise.resolve(PLOTS[j]);
    var div = document.createElement("div");
    div.id = "plot-" + PROJ[j].method;
    div.className = "plot-over";
    div.style.visibility = "hidden";
    gd.parentNode.insertBefore(div, gd.nextSibling);
    PLOTS[j] = div;
    return Plotly.newPlot(div, [], JSON.parse(JSON.stringify(gd.layout)), config).then(function () { listen(div); return div; });
  }
  function showPlot(div) {
    if (div === gd) return;
    gd.style.visibility = "hidden";
    div.style.visibility = "visible";
    gd = div;
  }
  // What a 2-D plot shows, beside the highlights.
  function sig() {
    return JSON.stringify([CUR, PROJ[CUR].method === "pca" ? AX : null, CUSTOM, BEFORE ? ISO_V : 0, coloring, ISO ? ISO_V : 0, LABELS, LABEL_BY && LABEL_BY.name]);
  }
  function drawProjection(div, name, pc) {
    var j = CUR, kept = div._sig === sig(), L = div.layout;
    showPlot(div);
    L.xaxis.title.text = pc ? pcTitle(AX[0]) : PROJ[j].axis_titles[0]; L.yaxis.title.text = pc ? pcTitle(AX[1]) : PROJ[j].axis_titles[1];
    document.getElementById("pca-axes").style.display = pc ? "" : "none";
    document.getElementById("pc-x").value = String(AX[0] + 1); document.getElementById("pc-y").value = String(AX[1] + 1);
    // A kept plot keeps its view, so that fitting it to the same words redraws nothing.
    if (!kept) { L.xaxis.range = full.x.slice(); L.yaxis.range = full.y.slice(); }
    document.getElementById("projection").value = name;
    info();
    missingNote();
    return (kept ? redrawHighlight() : draw()).then(function () {
      if (highlighted().length) return fitView(highlighted());
      if (kept && same(L.xaxis.range, full.x) && same(L.yaxis.range, full.y)) return null;
      return Plotly.relayout(gd, { "xaxis.range": full.x.slice(), "yaxis.range": full.y.slice() });
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
    // A highlighted word takes the highlight's label only (not two labels on one point).
    var on = new Set(highlighted());
    if (rows.length <= 300) { tr.type = "scatter"; tr.mode = LABELS ? "markers+text" : "markers"; tr.text = rows.map(function (r) { return on.has(r) ? "" : label(r); });
      tr.textposition = "top center"; tr.textfont = { size: 11, color: color }; tr.labelled = true; }
    return tr;
  }
  // Hover text: the word, or a long key (a sentence) wrapped in lines of at most 60 characters, at most 6 of them.
  var HOVER_ = null;
  function hoverTexts() {
    if (HOVER_) return HOVER_;
    HOVER_ = WORDS.some(function (w) { return w.length > 60; }) ? WORDS.map(wrap) : WORDS;
    return HOVER_;
  }
  function wrap(w) {
    if (w.length <= 60) return w;
    var lines = [], line = "";
    w.split(/\s+/).forEach(function (part) {
      while (part.length > 60) { if (line) { lines.push(line); line = ""; } lines.push(part.slice(0, 60)); part = part.slice(60); }
      if (line && line.length + 1 + part.length > 60) { lines.push(line); line = part; } else line = line ? line + " " + part : part;
    });
    if (line) lines.push(line);
    if (lines.length > 6) { lines = lines.slice(0, 6); lines[5] += " \u2026"; }
    return lines.map(function (l) { return l.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }).join("<br>");
  }
  function pointTrace(rows, name, color, showlegend) {
    var x = X, y = Y, t = hoverTexts(), H = t;
    if (rows) {
      x = new Float32Array(rows.length); y = new Float32Array(rows.length); t = new Array(rows.length);
      for (var i = 0; i < rows.length; i++) { x[i] = X[rows[i]]; y[i] = Y[rows[i]]; t[i] = H[rows[i]]; }
    }
    traceRows.push(rows);
    return { type: "scattergl", mode: "markers", x: x, y: y, hovertext: t, hoverinfo: "text", name: name,
      showlegend: showlegend, marker: { size: markerSize, color: color, opacity: 0.75 } };
  }
  function rowAt(curve, i) { return traceRows[curve] ? traceRows[curve][i] : i; }
  var highlight = { main: null, others: [] };
  // Labels on demand: the highlighted (and group) words labelled or not, by the word or a column's value.
  var LABELS = true, LABEL_BY = null;  // LABEL_BY: a column of columns(), null for the word
  // A long label (a sentence) is cut to 40 characters.
  function label(r) {
    var v = LABEL_BY ? valueOf(LABEL_BY, r) : "";
    v = v && v !== META.other ? v : WORDS[r];
    return v.length > 40 ? v.slice(0, 39) + "\u2026" : v;
  }
  function setLabels(on, by) {
    var col = by === undefined || by === null || by === "" || by === "word" ? null : columnOf(by);
    if (by && by !== "word" && !col) throw new Error("no column '" + by + "' in this page (it has " + columnNames() + ")");
    LABELS = on === undefined ? LABELS : !!on;
    LABEL_BY = by === undefined ? LABEL_BY : col;
    document.getElementById("labels").checked = LABELS;
    document.getElementById("label-by").value = LABEL_BY ? LABEL_BY.name : "word";
    return after(function () { return draw().then(redrawHighlight); });
  }
  function highlightTrace() {
    var rows = (highlight.main === null ? [] : [highlight.main]).concat(highlight.others);
    // WebGL too: an SVG trace would lie under the WebGL points.
    return { type: "scattergl", mode: LABELS ? "markers+text" : "markers", x: rows.map(function (r) { return X[r]; }),
      y: rows.map(function (r) { return Y[r]; }), text: rows.map(label),
      hovertext: rows.map(function (r) { return hoverTexts()[r]; }), hoverinfo: "text", textposition: "top center",
      showlegend: false, name: "highlight", textfont: { size: 12, color: "#111" },
      marker: { size: rows.map(function (r, i) { return i === 0 && highlight.main !== null ? 16 : 11; }),
        color: rows.map(function (r, i) { return i === 0 && highlight.main !== null ? "#d62728" : "#ff9900"; }),
        line: { width: 1, color: "#fff" }, symbol: rows.map(function (r, i) { return i === 0 && highlight.main !== null ? "star" : "circle"; }) } };
  }
  // Isolate a selection (draw only its words) and re-project it (PCA of its rows, computed here).
  var ISO = null, ISOSET = null, BEFORE = null;  // the isolated rows; the axes before a re-projection
  function isolate(words) {
    var rows = words !== undefined ? rowOf(words) : selection.length ? selection.slice() : highlighted();
    rows = rows.filter(function (r, i) { return rows.indexOf(r) === i; });
    if (!rows.length) throw new Error("nothing to isolate: select words with the box or lasso tool, or search a word");
    ISO = rows;
    ISO_V++;
    ISOSET = new Uint8Array(N);
    rows.forEach(function (r) { ISOSET[r] = 1; });
    isolationNote();
    return after(function () { return draw().then(function () { return fitView(ISO); }); });
  }
  function reproject() {
    if (!META.embedded) throw new Error("re-projecting needs the vectors, which this page does not hold (" + META.budget_note + ")");
    if (!ISO) throw new Error("isolate words first (isolate(), or the box or lasso tool and 'isolate')");
    if (ISO.length < 3) throw new Error("re-projecting takes at least 3 words; " + ISO.length + " are isolated");
    leave3d();
    var fit = pcaOf(ISO, 2);
    return after(function () {
      var L = gd.layout;
      if (!BEFORE) BEFORE = { X: X, Y: Y, full: full, titles: [L.xaxis.title.text, L.yaxis.title.text] };
      X = new Float32Array(N).fill(NaN); Y = new Float32Array(N).fill(NaN);
      ISO.forEach(function (r, i) { X[r] = fit.coords[0][i]; Y[r] = fit.coords[1][i]; });
      full = { x: extent(0), y: extent(1) };
      [0, 1].forEach(function (c) {
        L[c ? "yaxis" : "xaxis"].title.text = "PC" + (c + 1) + " of the " + ISO.length.toLocaleString("en") + " isolated words (" + (100 * fit.ratios[c]).toFixed(1) + "% of their variance)";
      });
      L.xaxis.range = full.x.slice(); L.yaxis.range = full.y.slice();
      document.getElementById("pca-axes").style.display = "none";
      isolationNote();
      return draw().then(function () { return fitView(ISO); });
    });
  }
  // Every word again, on the axes drawn before the re-projection.
  function showAll() {
    return after(function () {
      ISO = null; ISOSET = null;
      if (BEFORE) {
        X = BEFORE.X; Y = BEFORE.Y; full = BEFORE.full;
        gd.layout.xaxis.title.text = BEFORE.titles[0]; gd.layout.yaxis.title.text = BEFORE.titles[1];
        document.getElementById("pca-axes").style.display = PROJ[CUR].method === "pca" && NPC > 2 && !CUSTOM ? "" : "none";
        BEFORE = null;
      }
      isolationNote();
      return draw().then(function () {
        return highlighted().length ? fitView(highlighted()) : Plotly.relayout(gd, { "xaxis.range": full.x.slice(), "yaxis.range": full.y.slice() });
      });
    });
  }
  function isolationNote() {
    var box = document.getElementById("isolation");
    box.textContent = !ISO ? "" : (BEFORE ? "Re-projected: PCA of " : "Showing only ") + ISO.length.toLocaleString("en") +
      " words (" + ISO.slice(0, 8).map(function (r) { return WORDS[r]; }).join(", ") + (ISO.length > 8 ? ", ..." : "") + ")";
    document.getElementById("show-all").disabled = !ISO;
    document.getElementById("reproject").disabled = !ISO || !!BEFORE || !META.embedded;
    missingNote();
  }
  // Exact PCA of some rows (unit rows, as the page's PCA): the covariance's eigenvectors by cyclic Jacobi
  // rotations, signed as scikit-learn does (each component's largest loading positive).
  function pcaOf(rows, dim) {
    var U = unit(), n = rows.length, mean = new Float64Array(DIM), C = new Float64Array(DIM * DIM), v = new Float64Array(DIM);
    rows.forEach(function (r) { for (var d = 0; d < DIM; d++) mean[d] += U[r * DIM + d] / n; });
    rows.forEach(function (r) {
      for (var a = 0; a < DIM; a++) v[a] = U[r * DIM + a] - mean[a];
      for (a = 0; a < DIM; a++) for (var b = a; b < DIM; b++) C[a * DIM + b] += v[a] * v[b];
    });
    for (var a = 0; a < DIM; a++) for (var b = a; b < DIM; b++) { C[a * DIM + b] /= Math.max(n - 1, 1); C[b * DIM + a] = C[a * DIM + b]; }
    var V = jacobi(C, DIM), ev = [], total = 0;
    for (a = 0; a < DIM; a++) { ev.push(a); total += C[a * DIM + a]; }
    ev.sort(function (p, q) { return C[q * DIM + q] - C[p * DIM + p]; });
    var coords = [], ratios = [];
    for (var c = 0; c < dim; c++) {
      var j = ev[c], big = 0;
      for (a = 0; a < DIM; a++) if (Math.abs(V[a * DIM + j]) > Math.abs(V[big * DIM + j])) big = a;
      var sign = V[big * DIM + j] < 0 ? -1 : 1, out = new Float32Array(n);
      rows.forEach(function (r, i) {
        var s = 0;
        for (var d = 0; d < DIM; d++) s += (U[r * DIM + d] - mean[d]) * V[d * DIM + j];
        out[i] = sign * s;
      });
      coords.push(out);
      ratios.push(total > 0 ? C[j * DIM + j] / total : 0);
    }
    return { coords: coords, ratios: ratios };
  }
  // Diagonalises the symmetric n x n matrix A in place (its eigenvalues end on the diagonal) and returns
  // the eigenvectors as the columns of V (row-major).
  function jacobi(A, n) {
    var V = new Float64Array(n * n), k;
    for (k = 0; k < n; k++) V[k * n + k] = 1;
    for (var sweep = 0; sweep < 60; sweep++) {
      var off = 0, scale = 0;
      for (var p = 0; p < n; p++) { scale += A[p * n + p] * A[p * n + p]; for (var q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q]; }
      if (off <= 1e-30 * scale || off === 0) break;
      for (p = 0; p < n; p++) for (q = p + 1; q < n; q++) {
        var apq = A[p * n + q];
        if (apq === 0) continue;
        var theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        var t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1)), c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (k = 0; k < n; k++) { var akp = A[k * n + p], akq = A[k * n + q]; A[k * n + p] = c * akp - s * akq; A[k * n + q] = s * akp + c * akq; }
        for (k = 0; k < n; k++) { var apk = A[p * n + k], aqk = A[q * n + k]; A[p * n + k] = c * apk - s * aqk; A[q * n + k] = s * apk + c * aqk; }
        for (k = 0; k < n; k++) { var vkp = V[k * n + p], vkq = V[k * n + q]; V[k * n + p] = c * vkp - s * vkq; V[k * n + q] = s * vkp + c * vkq; }
      }
    }
    return V;
  }

  // The 3-D view: PCA's two axis components and the next one, or a 3-D t-SNE or UMAP fit made when the page
  // was built. It is drawn with WebGL scatter3d in its own plot over the 2-D one, and both are kept: a
  // toggle only swaps which is visible, and the 3-D scene is rebuilt only when what it shows has changed
  // (another projection, colouring, isolation or labels); a new highlight restyles one small trace.
  var D3 = false, gd3 = null, P3 = null, DRAWN3 = null, XYZ3 = null;  // DRAWN3: sig() of the 3-D scene
  function fit3(j) {  // [x, y, z] of projection j's 3-D fit
    if (!XYZ3) {
      var all = new Float32Array(bytes("embedkit-coords3")), m = 0;
      XYZ3 = PROJ.map(function (p) {
        if (!p.has3d) return null;
        var o = 3 * N * m++;
        return [all.subarray(o, o + N), all.subarray(o + N, o + 2 * N), all.subarray(o + 2 * N, o + 3 * N)];
      });
    }
    return XYZ3[j];
  }
  function coords3() { return PROJ[CUR].method === "pca" ? [X, Y, component(zComponent())] : fit3(CUR); }
  function can3d() { return !CUSTOM && !BEFORE && (PROJ[CUR].method === "pca" ? NPC >= 3 : !!PROJ[CUR].has3d); }
  function in3d(tr, rows) {
    function pick(a) { return rows ? rows.map(function (r) { return a[r]; }) : a; }
    // Faint small points, so that the highlighted words show through the cloud.
    var hl = tr.name === "highlight", m = Object.assign({}, tr.marker, { size: hl ? 7 : 2, opacity: hl ? 1 : 0.3 });
    if (m.symbol) m.symbol = m.symbol.map(function (s) { return s === "star" ? "diamond" : s; });
    delete m.line;
    return Object.assign({}, tr, { type: "scatter3d", x: pick(P3[0]), y: pick(P3[1]), z: pick(P3[2]), marker: m });
  }
  function titles3() {
    var P = PROJ[CUR];
    if (P.method === "pca") return [pcTitle(AX[0]), pcTitle(AX[1]), pcTitle(zComponent())];
    return [1, 2, 3].map(function (i) { return P.method_name + " " + i + " (3-D fit)"; });
  }
  function layout3d() {
    var t = titles3();
    return { margin: { l: 0, r: 0, t: 24, b: 0 }, hovermode: "closest", uirevision: "3d", legend: gd.layout.legend,
      scene: { xaxis: { title: { text: t[0] } }, yaxis: { title: { text: t[1] } }, zaxis: { title: { text: t[2] } } } };
  }
  function leave3d() {
    if (D3) after(function () { return show3d(false); });
  }
  function show3d(on) {
    D3 = on;
    document.getElementById("view-3d").checked = on;
    info();
    if (gd3) gd3.style.visibility = on ? "visible" : "hidden";
    gd.style.visibility = on ? "hidden" : "visible";
    if (on) return null;
    return (STALE2D ? redrawHighlight() : Promise.resolve()).then(function () { return fitView(highlighted()); });
  }
  function zComponent() { for (var c = 0; ; c++) if (AX.indexOf(c) < 0) return c; }
  function set3d(on) {
    on = !!on;
    if (on && !can3d()) {
      var P = PROJ[CUR];
      throw new Error(CUSTOM || BEFORE || P.method === "pca"
        ? "the 3-D view draws three principal components or a 3-D t-SNE or UMAP fit: choose a projection"
        : "this page holds no 3-D fit of " + P.method_name + " (build it with three_d=True, or --3d)");
    }
    return after(function () {
      if (on === D3) return null;
      if (!on) return show3d(false);
      return draw3d().then(function () { return show3d(true); });
    });
  }
  // The 3-D scene of what the 2-D map shows now, built only when that has changed since it was last built.
  function draw3d() {
    if (DRAWN3 === sig() && gd3) return redrawHighlight3d();
    registerTraces(true);
    if (!gd3) {
      gd3 = document.createElement("div");
      gd3.id = "plot3d";
      gd3.style.visibility = "hidden";
      gd.parentNode.insertBefore(gd3, gd.nextSibling);
    }
    P3 = coords3();
    var out = traces(), last = out.length - 1;
    DRAWN3 = sig();
    var data = out.map(function (tr, j) { return in3d(tr, j < last ? traceRows[j] : highlighted()); });
    HL3 = hlState();
    return Plotly.react(gd3, data, layout3d(), config).then(function () {
      if (!gd3.listening) { gd3.listening = true; gd3.on("plotly_click", onClick); }
    });
  }
  // Any change of data makes plotly rebuild the whole 3-D scene (every point), so the highlights are
  // redrawn only when they differ from those drawn.
  var HL3 = null;
  function hlState() { return JSON.stringify([highlighted(), highlight.main, LABELS, LABEL_BY && LABEL_BY.name, sig()]); }
  function redrawHighlight3d() {
    var now = hlState();
    if (now === HL3) return Promise.resolve();
    HL3 = now;
    return Plotly.react(gd3, gd3.data.slice(0, -1).concat([in3d(highlightTrace(), highlighted())]), gd3.layout, config);
  }
  function traces() {
    traceRows = [];
    var out = [];
    if (coloring < 0) {
      out.push(pointTrace(ISO, "words", "#3b6fb6", false));
    } else {
      var c = COLORINGS[coloring], buckets = c.categories.map(function () { return []; });
      for (var i = 0, codes = c.codes; i < N; i++) if (!ISO || ISOSET[i]) buckets[codes[i]].push(i);
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
    return out;
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
    gd._sig = sig();
    gd._hl = hlState();
    STALE2D = false;
    legendStyle(gd.layout && gd.layout.legend ? gd.layout : layout);
    if (!gd.layout || !gd.layout.xaxis) return Plotly.newPlot(gd, traces(), layout, config);
    return Plotly.react(gd, traces(), gd.layout, config).then(function () { return D3 ? draw3d() : null; });
  }
  // Only the last (highlight) trace changes; react keeps the big WebGL traces as they are.
  // A labelled group word that is highlighted takes the highlight's label only (not two labels on one point).
  // In 3-D only the 3-D scene is redrawn; the hidden 2-D map catches up when it is shown again.
  var STALE2D = false;
  function redrawHighlight() {
    if (D3) { STALE2D = true; return redrawHighlight3d(); }
    STALE2D = false;
    // A kept plot shown again with the highlights it already draws: nothing to redraw.
    var now = hlState();
    if (gd._hl === now) return Promise.resolve();
    gd._hl = now;
    var on = new Set(highlighted()), data = gd.data.slice(0, -1).map(function (tr, j) {
      if (!tr.labelled) return tr;
      return Object.assign({}, tr, { text: traceRows[j].map(function (r) { return on.has(r) ? "" : label(r); }) });
    });
    return Plotly.react(gd, data.concat([highlightTrace()]), gd.layout, config);
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
    var xr = [cx - 0.62 * wx, cx + 0.62 * wx], yr = [cy - 0.62 * wy, cy + 0.72 * wy], L = gd.layout;
    // The view already there (a kept plot shown again): no redraw of every point.
    if (L.xaxis.range && L.yaxis.range && same(L.xaxis.range, xr) && same(L.yaxis.range, yr)) return Promise.resolve();
    return Plotly.relayout(gd, { "xaxis.range": xr, "yaxis.range": yr });
  }
  function same(a, b) { return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) <= 1e-9 * Math.abs(b[1] - b[0]); }
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
      if (st.labels === false || st.label_by) setLabels(st.labels !== false, st.label_by || null);
      if (st.selected) select(st.selected);
      else if (st.search) search(st.search);
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
    document.getElementById("d3-box").style.display = can3d() || D3 ? "" : "none";
    var box = document.getElementById("projection-note"), P = PROJ[CUR];
    var off = highlighted().filter(function (r) { return !isFinite(X[r]); }).map(function (r) { return WORDS[r]; });
    if (BEFORE) box.textContent = off.length ? "Not among the isolated words (re-projected): " + off.join(", ") : "";
    else box.textContent = off.length ? "Not in the " + P.method_name + " projection (it holds the first " + P.count.toLocaleString("en") +
      " words): " + off.join(", ") : "";
  }
  // Many questions in a row (a script) draw once: a redraw already queued draws the latest highlights.
  var HL_QUEUED = false;
  function showHighlight() {
    missingNote();
    if (HL_QUEUED) return pending;
    HL_QUEUED = true;
    return after(function () {
      HL_QUEUED = false;
      return redrawHighlight().then(function () { return fitView(highlighted()); });
    });
  }
  var selected = null;
  function select(word) {
    var r = rowOf([word])[0];
    showNeighbors(r, neighborsOf(WORDS[r], K), METRIC);
  }
  function showNeighbors(r, nb, metric) {
    var panel = document.getElementById("neighbors"), word = WORDS[r];
    selected = word;
    analogyAsked = null;
    MATCHED = null;
    panel.innerHTML = "";
    panel.className = "";
    panel.setAttribute("data-word", word);
    panel.appendChild(el("div", {}, "Nearest to " + word + " (" + (metric === "euclidean" ? "Euclidean distance" : "cosine") + " in " + DIM + "-D; rank " + (r + 1).toLocaleString("en") + ")"));
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
    // The map's own dimensions are those drawn now (the fitted 2 or 3 of PCA's components in 3-D), not a parameter.
    row("drawn", !D3 ? "2-D" : P.method === "pca" ? "3-D (" + [AX[0], AX[1], zComponent()].map(function (c) { return "PC" + (c + 1); }).join(", ") + ")" : "3-D (a 3-D fit)");
    Object.keys(P.params).forEach(function (k) {
      if (k === "dim") return;
      row(k === "trustworthiness" ? "trustworthiness measured with" : k.replace(/_/g, " "), plain(P.params[k]));
    });
    var TW = "The share of each word's nearest neighbours on the map that are also near it in the original space " +
      "(1: no false neighbours on the map; about 0.5: no better than chance).";
    var tw = D3 && P.has3d ? P.trustworthiness_3d : P.trustworthiness;
    row(D3 && P.has3d ? "trustworthiness of the 3-D fit" : "trustworthiness", tw === null ? "not computed" : tw.toFixed(3), TW);
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
    try {
      if (parts.length !== 3) throw new Error("type three words: a b c (a is to b as c is to ?)");
      analogy(parts[0], parts[1], parts[2], K);
    } catch (e) {
      out.innerHTML = "";
      out.appendChild(el("div", { class: "err" }, e.message));
    }
  }
  // An analogy's answers under the analogy box, its four words highlighted and in view; the neighbour
  // panel says that the map now shows the analogy (its list would no longer match the highlights).
  function showAnalogy(rows, res) {
    var out = document.getElementById("analogy-result"), words = rows.map(function (r) { return WORDS[r]; });
    var asked = words.join(" : ").replace(/ : (\S+)$/, " :: $1") + " : ?";
    out.innerHTML = "";
    out.appendChild(el("div", { class: "note" }, asked));
    out.appendChild(wordList(res, true));
    document.getElementById("analogy").value = words.join(" ");
    var panel = document.getElementById("neighbors");
    panel.innerHTML = "";
    panel.className = "note";
    panel.removeAttribute("data-word");
    panel.textContent = "The map shows the analogy " + asked + " (its answers are under Analogy). Click a point or search a word for its neighbours.";
    highlight.main = res.length ? index().get(res[0][0]) : null;
    highlight.others = rows;
    selected = null;
    analogyAsked = words;
    MATCHED = null;
    showHighlight();
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

  function setupLabels() {
    var on = document.getElementById("labels"), by = document.getElementById("label-by");
    columns().forEach(function (c) { by.appendChild(el("option", { value: c.name }, c.name)); });
    on.addEventListener("change", function () { setLabels(on.checked); });
    by.addEventListener("change", function () { setLabels(undefined, by.value); });
  }
  function setupIsolation() {
    var note = document.getElementById("isolation");
    function run(f) { try { f(); } catch (e) { note.textContent = e.message; } }
    document.getElementById("isolate").addEventListener("click", function () { run(function () { isolate(); }); });
    document.getElementById("reproject").addEventListener("click", function () { run(reproject); });
    document.getElementById("show-all").addEventListener("click", function () { run(showAll); });
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
    missingNote();
    setupColor();
    setupK();
    setupLabels();
    setupIsolation();
    var s = document.getElementById("search"), results = document.getElementById("search-results");
    var sc = document.getElementById("search-column");
    columns().forEach(function (c) { sc.appendChild(el("option", { value: c.name }, c.name)); });
    if (!columns().length) sc.style.display = "none";
    s.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") return;
      results.innerHTML = "";
      try {
        var byColumn = sc.value !== "word" || (/^([^:/][^:]*):(.+)$/.test(s.value.trim()) && columnOf(s.value.split(":")[0]));
        var hits = search(s.value, byColumn ? 100 : 20, sc.value);
        if (byColumn) results.appendChild(el("li", { class: "note" }, hits.length + (hits.length === 100 ? " words or more:" : " words:")));
        hits.slice(byColumn ? 0 : 1, byColumn ? 100 : 12).forEach(function (p) {
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
      listen(gd);
      Object.assign(api.timings, { script_start_ms: T0, decode_ms: TDECODE - T0, drawn_ms: TDRAWN, first_render_ms: performance.now() });
      // The data the first picture does not need follow this script: the API is ready once they are read.
      if (document.readyState === "loading") return new Promise(function (done) { document.addEventListener("DOMContentLoaded", done); });
    }).then(function () {
      LISTEN_RELAYOUT = true;
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

  var LISTEN_RELAYOUT = false;
  function listen(div) {
    div.on("plotly_click", onClick);
    div.on("plotly_selected", onSelected);
    div.on("plotly_deselect", function () { onSelected(null); });
    div.on("plotly_relayout", function () { if (LISTEN_RELAYOUT && !RESTORING) setTimeout(remember, 0); });
  }
  function onClick(ev) {
    var p = ev.points && ev.points[0];
    var i = p && (p.pointIndex !== undefined ? p.pointIndex : p.pointNumber);
    if (p && p.curveNumber < traceRows.length) select(WORDS[rowAt(p.curveNumber, i)]);
    else if (p) select(WORDS[highlighted()[i]]);
  }
  var analogyAsked = null;  // the analogy's three words while its answer is shown
  // What is on screen: the visible ranges and where each highlighted word is drawn.
  function view() {
    var L = gd.layout, pos = {}, words = highlighted().map(function (r) { pos[WORDS[r]] = [X[r], Y[r]]; return WORDS[r]; });
    var xr = D3 ? full.x.slice() : L.xaxis.range.slice(), yr = D3 ? full.y.slice() : L.yaxis.range.slice();
    return { projection: BEFORE ? "selection" : CUSTOM ? "custom" : PROJ[CUR].method, projections: PROJ.map(function (p) { return p.method; }), dims: D3 ? 3 : 2,
      x_range: xr, y_range: yr, highlighted: words, highlighted_positions: pos, isolated: ISO ? ISO.length : 0 };
  }
  function position(word) { var r = rowOf([word])[0]; return D3 ? [P3[0][r], P3[1][r], P3[2][r]] : [X[r], Y[r]]; }
  function state() {
    var v = view();
    return { projection: v.projection, dims: v.dims, x_range: v.x_range, y_range: v.y_range, selected: selected,
      pca_axes: [AX[0] + 1, AX[1] + 1], axes: CUSTOM, analogy: analogyAsked, metric: METRIC, coloring: coloring < 0 ? null : COLORINGS[coloring].name, k: K,
      search: MATCHED, labels: LABELS, label_by: LABEL_BY ? LABEL_BY.name : null };
  }
  var api = { search: search, neighbors: neighbors, analogy: analogy, select: select, coordinatesCsv: coordinatesCsv,
    view: view, position: position, state: state, isolate: isolate, reproject: reproject, showAll: showAll, setLabels: setLabels, setProjection: setProjection, setPcaAxes: setPcaAxes, set3d: set3d, setAxes: setAxes, settled: function () { return pending; },
    words: WORDS, embedded: !!META.embedded, ready: false, timings: {} };
  Object.defineProperty(api, "selected", { get: function () { return selected; } });
  Object.defineProperty(api, "selection", { get: function () { return selection.map(function (r) { return WORDS[r]; }); } });
  window.embedkitExplorer = api;
  setup();
})();
