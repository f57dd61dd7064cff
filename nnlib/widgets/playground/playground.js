// The playground's drawing surface (an anywidget ES module: no build step, no imports, works
// offline).  The kernel sends arrays (see view.py); this file turns them into pictures:
// the network with every neuron's small map, the large map with the data points, the loss curve,
// the confusion matrix.  The mouse: on a neuron, the large map shows that neuron (the kernel sends
// its full map); on a link or a bias, its value; a click on either opens a box to type a new value.

const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];   // -1, 0, +1
const MAP_PX = 300;

// colour table for bytes 0..255 <-> values -1..+1 (the kernel's quantize)
const LUT = new Uint8ClampedArray(256 * 3);
for (let q = 0; q < 256; q++) {
  const v = q / 127.5 - 1;
  for (let k = 0; k < 3; k++) {
    LUT[3 * q + k] = Math.round(v < 0 ? MID[k] + (MID[k] - NEG[k]) * v : MID[k] + (POS[k] - MID[k]) * v);
  }
}
const rgbOf = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
const css = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;
const valueRGB = (v) => {
  const q = Math.round((Math.max(-1, Math.min(1, v)) + 1) * 127.5) * 3;
  return [LUT[q], LUT[q + 1], LUT[q + 2]];
};
const fmt = (x, d = 3) => (x === null || x === undefined ? "\u2013" : x.toFixed(d));

function bytesOf(model, name) {
  const dv = model.get(name);
  if (!dv || !dv.byteLength) return new Uint8Array(0);
  return new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
}
function floatsOf(model, name, Type) {
  const b = bytesOf(model, name).slice();          // a copy: aligned for the typed array
  return new Type(b.buffer, 0, b.byteLength / Type.BYTES_PER_ELEMENT);
}
function sizeCanvas(c, ctx, w, h) {     // (resizing clears the canvas and its transform)
  const dpr = window.devicePixelRatio || 1;
  c.width = Math.round(w * dpr);
  c.height = Math.round(h * dpr);
  c.style.width = `${w}px`;
  c.style.height = `${h}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
}
function makeCanvas(parent, cls, w, h) {
  const c = document.createElement("canvas");
  c.className = cls;
  const ctx = c.getContext("2d");
  sizeCanvas(c, ctx, w, h);
  parent.appendChild(c);
  return [c, ctx];
}
function div(parent, cls, text) {
  const d = document.createElement("div");
  d.className = cls;
  if (text) d.textContent = text;
  parent.appendChild(d);
  return d;
}

// ---------------------------------------------------------------- the network's geometry
// ``room``: the width the notebook gives the drawing.  The columns are up to 95 px apart (the
// whole drawing at most 600 px wide); in a narrower notebook (a laptop with the file browser
// open) they move closer, down to a neuron's width plus 24 px, so that the drawing fits at its
// full size, text included; only below that does its box scroll sideways (playground.css).
function geometry(sizes, room = Infinity) {
  const maxN = Math.max(...sizes), cols = sizes.length, top = 30;
  const node = Math.max(8, Math.min(30, Math.floor(430 / maxN / 1.4)));
  const dy = node * 1.4, left = 64, gaps = Math.max(cols - 1, 1);
  const dx = Math.max(node + 24, Math.min(95, Math.floor((600 - left - node) / gaps),
                                          Math.floor((room - left - node - 16) / gaps)));
  const g = { node, width: left + dx * (cols - 1) + node + 16, height: top + dy * maxN + 8,
              pos: [], links: [], offsets: [] };
  sizes.forEach((n, c) => {
    const y0 = top + (dy * maxN - dy * n) / 2;
    g.pos.push(Array.from({ length: n }, (_, i) => ({ x: left + dx * c, y: y0 + dy * i })));
  });
  let o = 0;
  for (let l = 0; l + 1 < cols; l++) {       // kernel.pack: w^l row by row, then b^l
    g.offsets.push({ w: o, b: o + sizes[l + 1] * sizes[l] });
    o += sizes[l + 1] * (sizes[l] + 1);
    for (let j = 0; j < sizes[l + 1]; j++) {
      for (let i = 0; i < sizes[l]; i++) {
        const a = g.pos[l][i], b = g.pos[l + 1][j];
        const x0 = a.x + node, y0 = a.y + node / 2, x1 = b.x, y1 = b.y + node / 2;
        const xm = (x0 + x1) / 2, pts = [];
        for (let s = 0; s <= 12; s++) {       // the cubic Bezier, sampled for hit tests
          const t = s / 12, u = 1 - t;
          pts.push([u * u * u * x0 + 3 * u * t * (u * xm + t * xm) + t * t * t * x1,
                    u * u * u * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t * t * t * y1]);
        }
        g.links.push({ l, j, i, x0, y0, x1, y1, xm, pts });
      }
    }
  }
  return g;
}
// the part of the window where something drawn inside ``el`` can be seen: the window cut by
// every ancestor that clips what overflows it (JupyterLab's notebook panel, the widget boxes;
// the body's overflow is the window's)
function visibleArea(el) {
  let l = 0, t = 0, r = window.innerWidth, b = window.innerHeight;
  for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.overflowX === "visible" && s.overflowY === "visible") continue;
    const box = e.getBoundingClientRect();
    l = Math.max(l, box.left + e.clientLeft); r = Math.min(r, box.left + e.clientLeft + e.clientWidth);
    t = Math.max(t, box.top + e.clientTop); b = Math.min(b, box.top + e.clientTop + e.clientHeight);
  }
  return { l, t, r, b };
}
// puts ``box`` (absolutely positioned in ``root``) beside the pointer and inside the visible area:
// right of and below the pointer, or left of it / above it when there is no room there
function placeNear(box, root, ev, gap = 12, pad = 4) {
  const area = visibleArea(root), frame = root.getBoundingClientRect();
  const w = box.offsetWidth, h = box.offsetHeight;
  let x = ev.clientX + gap, y = ev.clientY + gap;
  if (x + w > area.r - pad) x = ev.clientX - gap - w;
  if (y + h > area.b - pad) y = ev.clientY - gap - h;
  x = Math.max(area.l + pad, Math.min(x, area.r - pad - w));
  y = Math.max(area.t + pad, Math.min(y, area.b - pad - h));
  box.style.left = `${x - frame.left}px`;
  box.style.top = `${y - frame.top}px`;
}
function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const vx = bx - ax, vy = by - ay, len = vx * vx + vy * vy;
  const t = len ? Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / len)) : 0;
  return Math.hypot(px - ax - t * vx, py - ay - t * vy);
}

// ---------------------------------------------------------------- the widget
function render({ model, el }) {
  const root = div(el, "nnpg-view");
  const readout = div(root, "nnpg-readout");
  const row = div(root, "nnpg-row");
  const diagramBox = div(row, "nnpg-diagram");
  const [canvas, ctx] = makeCanvas(diagramBox, "nnpg-network", 1, 1);   // sized by layout()
  const right = div(row, "nnpg-right");
  const mapLabel = div(right, "nnpg-map-label", "output");
  const [mapCanvas, mapCtx] = makeCanvas(right, "nnpg-heatmap", MAP_PX, MAP_PX);
  const legend = div(right, "nnpg-legend");
  const [curveCanvas, curveCtx] = makeCanvas(right, "nnpg-loss-curve", MAP_PX, 110);
  const confusionBox = div(right, "nnpg-confusion");
  const message = div(root, "nnpg-message");
  const tip = div(root, "nnpg-tip");
  const editor = document.createElement("input");
  editor.className = "nnpg-edit";
  editor.type = "text";
  root.appendChild(editor);
  const thumbCanvas = document.createElement("canvas");
  const thumbCtx = thumbCanvas.getContext("2d");
  const mapImage = new ImageData(MAP_PX, MAP_PX);
  let g = null, layoutKey = "", params = new Float64Array(0);
  let hover = null, hoverSent = "null", editing = null, frames = 0, drawMs = 0, pending = false, curveHover = null;

  const net = () => model.get("network") || {};
  const weight = (l, j, i) => params[g.offsets[l].w + j * net().sizes[l] + i];
  const bias = (l, j) => params[g.offsets[l].b + j];

  // the drawing's room: the width of the widget's box in the notebook (0 before it is shown)
  const room = () => el.clientWidth || Infinity;
  function layout() {
    const sizes = net().sizes || [1], width = room(), key = `${sizes}/${width}`;
    if (key === layoutKey) return;
    layoutKey = key;
    g = geometry(sizes, width);
    hover = editing = null;                    // what the mouse pointed at has moved
    editor.style.display = tip.style.display = "none";
    sizeCanvas(canvas, ctx, g.width, g.height);
  }
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", () => setHover(null));
  canvas.addEventListener("click", onClick);
  const resized = new ResizeObserver(() => {
    if (g && `${net().sizes || [1]}/${room()}` !== layoutKey && !pending) {
      pending = true;
      requestAnimationFrame(draw);
    }
  });
  resized.observe(el);

  // ------------------------------------------------------------ drawing
  // every neuron's small map in one image, one below the other (one putImageData per frame)
  function thumbAtlas(bytes, T, count, firstProb, colours) {
    if (thumbCanvas.width !== T || thumbCanvas.height !== T * count) {
      thumbCanvas.width = T;
      thumbCanvas.height = T * count;
    }
    const img = thumbCtx.createImageData(T, T * count), d = img.data;
    for (let p = 0; p < T * T * count; p++) {
      const q = bytes[p], k = Math.floor(p / (T * T)), o = 4 * p;
      if (k >= firstProb) {                    // a softmax output: its class colour, by p
        const c = colours[k - firstProb], t = q / 255;
        d[o] = MID[0] + (c[0] - MID[0]) * t; d[o + 1] = MID[1] + (c[1] - MID[1]) * t;
        d[o + 2] = MID[2] + (c[2] - MID[2]) * t;
      } else {
        d[o] = LUT[3 * q]; d[o + 1] = LUT[3 * q + 1]; d[o + 2] = LUT[3 * q + 2];
      }
      d[o + 3] = 255;
    }
    thumbCtx.putImageData(img, 0, 0);
  }

  function drawDiagram() {
    const n = net(), sizes = n.sizes, T = n.thumb, node = g.node, last = sizes.length - 1;
    ctx.clearRect(0, 0, g.width, g.height);
    ctx.font = "11px sans-serif";
    ctx.textAlign = "center";
    ctx.fillStyle = "#555";
    const roomy = sizes.length < 2 || g.pos[1][0].x - g.pos[0][0].x >= 80;
    sizes.forEach((k, c) => ctx.fillText(c === 0 ? (roomy ? "inputs" : "in") :
      c === last ? (roomy ? "output" : "out") : roomy ? `${k} neuron${k > 1 ? "s" : ""}` : `${k}`,
      g.pos[c][0].x + node / 2, 14));
    // links: one path per (colour, width) bucket, so that 10 000 links are a few dozen strokes
    const scale = Math.min(1, node / 30), buckets = new Map();
    const widthOf = (w) => Math.max(1, Math.min(10, Math.abs(w) / 5 * 9 + 1) * scale);
    const curve = (path, k) => { path.moveTo(k.x0, k.y0); path.bezierCurveTo(k.xm, k.y0, k.xm, k.y1, k.x1, k.y1); };
    for (const link of g.links) {
      const w = weight(link.l, link.j, link.i);
      const key = `${Math.round((Math.max(-1, Math.min(1, w)) + 1) * 31.5)},${Math.round(widthOf(w) * 2)}`;
      if (!buckets.has(key)) buckets.set(key, new Path2D());
      curve(buckets.get(key), link);
    }
    ctx.globalAlpha = 0.85;
    for (const [key, path] of buckets) {
      const [c, w] = key.split(",").map(Number);
      ctx.strokeStyle = css(valueRGB(c / 31.5 - 1));
      ctx.lineWidth = w / 2;
      ctx.stroke(path);
    }
    ctx.globalAlpha = 1;
    if (hover && hover.kind === "link") {
      const k = hover.link, path = new Path2D();
      curve(path, k);
      ctx.strokeStyle = "#000";
      ctx.lineWidth = widthOf(weight(k.l, k.j, k.i)) + 1.5;
      ctx.stroke(path);
    }
    const thumbs = bytesOf(model, "thumbs"), count = sizes.reduce((a, b) => a + b, 0);
    const ok = thumbs.length === T * T * count;
    if (ok) thumbAtlas(thumbs, T, count, sizes[last] > 1 ? count - sizes[last] : count,
                       (n.colours || []).map(rgbOf));
    let index = 0;
    ctx.imageSmoothingEnabled = true;
    sizes.forEach((k, c) => g.pos[c].forEach((p, i) => {
      if (ok) ctx.drawImage(thumbCanvas, 0, T * index, T, T, p.x, p.y, node, node);
      index += 1;
      const h = hover && hover.kind === "neuron" && hover.c === c && hover.i === i;
      ctx.lineWidth = h ? 3 : 1;
      ctx.strokeStyle = h ? "#000" : "#777";
      ctx.strokeRect(p.x, p.y, node, node);
      if (c === 0) {
        ctx.textAlign = "right";
        ctx.fillStyle = "#333";
        ctx.fillText(n.inputs[i], p.x - 5, p.y + node / 2 + 4);
      } else {
        const s = Math.max(4, node / 6);
        ctx.fillStyle = css(valueRGB(bias(c - 1, i)));
        ctx.fillRect(p.x - s - 2, p.y + node - s, s, s);
        ctx.lineWidth = 0.5;
        ctx.strokeRect(p.x - s - 2, p.y + node - s, s, s);
      }
    }));
  }

  function drawMap() {
    const n = net(), D = n.density, info = model.get("heat_info") || {}, heat = bytesOf(model, "heat");
    const k = info.kind === "classes" ? n.sizes[n.sizes.length - 1] : 1;
    const discrete = model.get("discretize"), data = mapImage.data;
    mapLabel.textContent = `large map: ${info.label || "output"}`;
    if (heat.length === D * D * k) {
      const colours = (n.colours || []).map(rgbOf);
      const lo = new Int32Array(MAP_PX), hi = new Int32Array(MAP_PX), fr = new Float64Array(MAP_PX);
      for (let p = 0; p < MAP_PX; p++) {        // bilinear: where each pixel falls on the grid
        const x = Math.max(0, Math.min(D - 1, (p + 0.5) * D / MAP_PX - 0.5));
        lo[p] = Math.floor(x); hi[p] = Math.min(lo[p] + 1, D - 1); fr[p] = x - lo[p];
      }
      const at = (r, c, ch) => {
        const a = heat[(lo[r] * D + lo[c]) * k + ch], b = heat[(lo[r] * D + hi[c]) * k + ch];
        const d = heat[(hi[r] * D + lo[c]) * k + ch], e = heat[(hi[r] * D + hi[c]) * k + ch];
        const top = a + (b - a) * fr[c], bottom = d + (e - d) * fr[c];
        return top + (bottom - top) * fr[r];
      };
      const tint = (o, colour, t) => {              // grey -> colour, t in [0, 1]
        data[o] = MID[0] + (colour[0] - MID[0]) * t; data[o + 1] = MID[1] + (colour[1] - MID[1]) * t;
        data[o + 2] = MID[2] + (colour[2] - MID[2]) * t; data[o + 3] = 255;
      };
      for (let r = 0, o = 0; r < MAP_PX; r++) {
        for (let c = 0; c < MAP_PX; c++, o += 4) {
          if (info.kind === "classes") {
            let best = 0, pmax = -1;
            for (let ch = 0; ch < k; ch++) { const p = at(r, c, ch); if (p > pmax) { pmax = p; best = ch; } }
            tint(o, colours[best], discrete ? 1 : Math.max(0, (pmax / 255 - 1 / k) / (1 - 1 / k)));
          } else if (info.kind === "class") {
            const p = at(r, c, 0) / 255;
            tint(o, colours[info.cls], discrete ? (p > 0.5 ? 1 : 0) : p);
          } else {
            const v = at(r, c, 0), q = 3 * (discrete ? (v >= 127.5 ? 255 : 0) : Math.round(v));
            data[o] = LUT[q]; data[o + 1] = LUT[q + 1]; data[o + 2] = LUT[q + 2]; data[o + 3] = 255;
          }
        }
      }
    }
    mapCtx.putImageData(mapImage, 0, 0);
    const pts = floatsOf(model, "points", Float32Array), d = model.get("domain");
    const multi = n.problem === "multi-class", showTest = model.get("show_test");
    const colours = (n.colours || []).map(rgbOf);
    for (let p = 0; p + 3 < pts.length; p += 4) {
      if (pts[p + 3] && !showTest) continue;
      const x = (pts[p] + d) / (2 * d) * MAP_PX, y = (d - pts[p + 1]) / (2 * d) * MAP_PX;
      mapCtx.beginPath();
      mapCtx.arc(x, y, 3.2, 0, 2 * Math.PI);
      mapCtx.fillStyle = css(multi ? colours[pts[p + 2]] : valueRGB(pts[p + 2]));
      mapCtx.fill();
      mapCtx.lineWidth = 1;
      mapCtx.strokeStyle = pts[p + 3] ? "#000" : "#fff";
      mapCtx.stroke();
    }
    legend.textContent = multi ? "" : `colour: \u22121 orange \u2026 0 grey \u2026 +1 blue; ` +
      `square [${-d}, ${d}]\u00b2`;
    if (multi) {
      legend.innerHTML = n.classes.map((name, c) =>
        `<span style="color:${n.colours[c]}">\u25a0</span> ${name}`).join(" &nbsp; ");
    }
  }

  function curveData() {
    const a = floatsOf(model, "curve", Float64Array), rows = [];
    for (let p = 0; p + 2 < a.length; p += 3) rows.push([a[p], a[p + 1], a[p + 2]]);
    return rows;
  }
  function drawCurve() {
    const rows = curveData(), W = MAP_PX, H = 110, L = 40, B = 22, T = 16, c = curveCtx;
    c.clearRect(0, 0, W, H);
    c.font = "10px sans-serif";
    c.fillStyle = "#000";
    c.textAlign = "center";
    c.fillText("loss per epoch: training (grey), test (black)", W / 2, 10);
    const finite = rows.flatMap((r) => [r[1], r[2]]).filter(Number.isFinite);
    const ymax = finite.length ? Math.max(...finite) || 1 : 1;
    const last = rows.length ? rows[rows.length - 1][0] : 0;
    const X = (e) => L + (W - 5 - L) * (last ? e / last : 0), Y = (v) => H - B - (H - B - T) * v / ymax;
    c.strokeStyle = "#444";
    c.beginPath(); c.moveTo(L, T); c.lineTo(L, H - B); c.lineTo(W - 5, H - B); c.stroke();
    c.textAlign = "right";
    c.fillText(ymax.toPrecision(3), L - 3, T + 4);
    c.fillText("0", L - 3, H - B);
    c.fillText(`epoch ${last}`, W - 5, H - B + 12);
    for (const [col, k] of [["#999", 1], ["#000", 2]]) {
      c.strokeStyle = col; c.lineWidth = 1.5; c.beginPath();
      rows.forEach((r, n) => { const y = Number.isFinite(r[k]) ? Y(r[k]) : T; n ? c.lineTo(X(r[0]), y) : c.moveTo(X(r[0]), y); });
      c.stroke();
    }
    if (curveHover !== null && rows.length) {
      const r = rows[curveHover];
      c.strokeStyle = "#b00"; c.lineWidth = 1;
      c.beginPath(); c.moveTo(X(r[0]), T); c.lineTo(X(r[0]), H - B); c.stroke();
      curveCanvas.title = `epoch ${r[0]}: training loss ${fmt(r[1], 4)}, test loss ${fmt(r[2], 4)}`;
      c.fillStyle = "#b00"; c.textAlign = "left";
      c.fillText(curveCanvas.title, L + 2, H - 2);
    }
  }

  function drawTable() {
    const m = model.get("confusion") || [], n = net();
    if (!m.length) { confusionBox.innerHTML = ""; return; }
    const names = n.classes || m.map((_, c) => `${c}`);
    const colour = (c) => (m.length > 2 || n.problem === "multi-class" ? n.colours[c] : css(c ? POS : NEG));
    let h = `<div class="nnpg-caption">confusion matrix, test data (rows: true, columns: predicted)</div><table><tr><th></th>`;
    h += names.map((s, c) => `<th style="color:${colour(c)}">${s}</th>`).join("") + "</tr>";
    m.forEach((rowCounts, t) => {
      const total = rowCounts.reduce((a, b) => a + b, 0) || 1;
      h += `<tr><th style="color:${colour(t)}">${names[t]}</th>` + rowCounts.map((v, p) =>
        `<td style="background:rgba(${t === p ? "8,119,189" : "200,60,40"},${(v / total * 0.8).toFixed(3)})">${v}</td>`).join("") + "</tr>";
    });
    confusionBox.innerHTML = h + "</table>";
  }

  function drawReadout() {
    const r = model.get("readout") || {}, classify = net().problem !== "regression";
    const epoch = String(r.epoch || 0).padStart(7, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const pct = (a) => (a === null || a === undefined ? "\u2013" : `${(100 * a).toFixed(1)} %`);
    // three groups that never break inside (playground.css): one line in a laptop's notebook
    readout.innerHTML = `<span class="nnpg-epoch">Epoch <b class="nnpg-epoch-value">${epoch}</b></span>` +
      `<span class="nnpg-loss">Loss: test <b>${fmt(r.test_loss)}</b>, training <b>${fmt(r.train_loss)}</b></span>` +
      (classify && r.test_accuracy !== null && r.test_accuracy !== undefined ?
        `<span class="nnpg-accuracy">Accuracy: test <b>${pct(r.test_accuracy)}</b>, training <b>${pct(r.train_accuracy)}</b></span>` : "");
    message.textContent = r.message || "";
  }

  function draw() {
    const t0 = performance.now();
    pending = false;
    layout();
    drawDiagram(); drawMap(); drawCurve(); drawTable(); drawReadout();
    drawMs += performance.now() - t0;
    frames += 1;
    root.dataset.frames = frames;
  }
  function schedule() {
    params = floatsOf(model, "params", Float64Array);
    if (!pending) { pending = true; requestAnimationFrame(draw); }
  }

  // ------------------------------------------------------------ the mouse
  function find(x, y) {
    const node = g.node;
    for (let c = 0; c < g.pos.length; c++) {
      for (let i = 0; i < g.pos[c].length; i++) {
        const p = g.pos[c][i], s = Math.max(4, node / 6);
        if (c > 0 && x >= p.x - s - 3 && x <= p.x - 1 && y >= p.y + node - s - 1 && y <= p.y + node + 1)
          return { kind: "bias", c, i };
        if (x >= p.x && x <= p.x + node && y >= p.y && y <= p.y + node) return { kind: "neuron", c, i };
      }
    }
    let best = null, bestD = 5;
    for (const link of g.links) {
      if (x < link.x0 - 2 || x > link.x1 + 2) continue;
      for (let s = 0; s < 12; s++) {
        const dist = segmentDistance(x, y, link.pts[s], link.pts[s + 1]);
        if (dist < bestD) { bestD = dist; best = link; }
      }
    }
    return best ? { kind: "link", link: best } : null;
  }
  function describe(h) {
    const n = net(), last = n.sizes.length - 1;
    const name = (c, i) => (c === 0 ? n.inputs[i] : c === last ? (n.sizes[last] > 1 ? `output ${n.classes[i]}` : "output") : `layer ${c} neuron ${i + 1}`);
    if (h.kind === "link") return `weight ${name(h.link.l, h.link.i)} \u2192 ${name(h.link.l + 1, h.link.j)}: w = ${weight(h.link.l, h.link.j, h.link.i).toFixed(3)} (click to edit)`;
    if (h.kind === "bias") return `bias of ${name(h.c, h.i)}: b = ${bias(h.c - 1, h.i).toFixed(3)} (click to edit)`;
    return `${name(h.c, h.i)}: its output is shown in the large map`;
  }
  function setHover(h, ev) {
    hover = h;
    const key = h && h.kind === "neuron" ? JSON.stringify([h.c, h.i]) : "null";
    if (key !== hoverSent) {
      hoverSent = key;
      model.send({ type: "hover", neuron: JSON.parse(key) });
    }
    if (h && ev) {
      tip.textContent = describe(h);
      const area = visibleArea(root);          // a long text wraps rather than leave the area
      tip.style.maxWidth = `${Math.max(120, area.r - area.l - 8)}px`;
      tip.style.display = "block";
      placeNear(tip, root, ev);
    } else tip.style.display = "none";
    canvas.style.cursor = h && h.kind !== "neuron" ? "pointer" : "default";
    if (!pending) { pending = true; requestAnimationFrame(draw); }
  }
  function local(ev) {             // canvas pixels (should a style ever scale the canvas)
    const b = canvas.getBoundingClientRect(), k = g.width / (b.width || g.width);
    return [(ev.clientX - b.left) * k, (ev.clientY - b.top) * k];
  }
  function onMove(ev) { if (g && !editing) setHover(find(...local(ev)), ev); }
  function onClick(ev) {
    const h = g && find(...local(ev));
    if (!h || h.kind === "neuron") return;
    editing = h;
    editor.style.display = "block";
    placeNear(editor, root, ev, 0);
    editor.value = (h.kind === "link" ? weight(h.link.l, h.link.j, h.link.i) : bias(h.c - 1, h.i)).toFixed(3);
    tip.style.display = "none";
    editor.focus();
    editor.select();
  }
  function closeEditor(commit) {
    if (!editing) return;
    const h = editing, value = Number(editor.value);
    editing = null;
    editor.style.display = "none";
    if (!commit) return;
    if (!Number.isFinite(value) || editor.value.trim() === "") {
      message.textContent = `"${editor.value}" is not a number: nothing changed`;
      return;
    }
    if (h.kind === "link") model.send({ type: "set_weight", layer: h.link.l, to: h.link.j, from: h.link.i, value });
    else model.send({ type: "set_bias", layer: h.c - 1, to: h.i, value });
  }
  editor.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") closeEditor(true);
    if (ev.key === "Escape") closeEditor(false);
  });
  editor.addEventListener("blur", () => closeEditor(false));
  curveCanvas.addEventListener("mousemove", (ev) => {
    const rows = curveData();
    if (!rows.length) return;
    const b = curveCanvas.getBoundingClientRect(), x = ev.clientX - b.left, last = rows[rows.length - 1][0];
    const epoch = last ? (x - 40) / (MAP_PX - 45) * last : 0;
    let k = 0;
    rows.forEach((r, n) => { if (Math.abs(r[0] - epoch) < Math.abs(rows[k][0] - epoch)) k = n; });
    curveHover = k;
    drawCurve();
  });
  curveCanvas.addEventListener("mouseleave", () => { curveHover = null; curveCanvas.title = ""; drawCurve(); });

  // hooks for the browser test: where things are drawn, and what the view holds
  root.__nnpg = {
    neuron: (c, i) => { const p = g.pos[c][i], b = canvas.getBoundingClientRect(), s = b.width / g.width;
      return { x: b.left + (p.x + g.node / 2) * s, y: b.top + (p.y + g.node / 2) * s }; },
    link: (l, j, i) => { const k = g.links.find((q) => q.l === l && q.j === j && q.i === i), b = canvas.getBoundingClientRect(), s = b.width / g.width;
      return { x: b.left + k.pts[6][0] * s, y: b.top + k.pts[6][1] * s }; },
    weight: (l, j, i) => weight(l, j, i),
    sizes: () => net().sizes,
    frames: () => frames,
    drawMs: () => drawMs / Math.max(frames, 1),       // mean time to draw one frame
  };
  model.on("change:frame", schedule);
  schedule();
  model.send({ type: "hover", neuron: null });
  return () => { model.off("change:frame", schedule); resized.disconnect(); };
}

export default { render };
