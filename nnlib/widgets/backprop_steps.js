// The step-by-step view of backprop (backprop_steps.py): an anywidget ES module, no build step,
// offline.  The kernel sends the network (sizes, weights, biases) and the steps, each with its
// equation written out with numbers; this file draws the network in the playground's look
// (square neurons, curved links coloured by sign, orange negative, blue positive) with the step's
// values at the neurons, and the Back/Forward buttons move through the steps.  The view opens at
// the step the kernel chose (the first difference, or where the student's backprop crashed); a
// crashed backprop's steps end at the crash, which shows the diagnosis of the crash.

const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];   // -1, 0, +1
const SVG = "http://www.w3.org/2000/svg";
const valueRGB = (v) => {
  const t = Math.max(-1, Math.min(1, v));
  return `rgb(${[0, 1, 2].map((k) => Math.round(t < 0 ? MID[k] + (MID[k] - NEG[k]) * t
                                                   : MID[k] + (POS[k] - MID[k]) * t)).join(",")})`;
};

function el(parent, tag, attrs = {}, text = null, ns = null) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== null) e.textContent = text;
  parent.appendChild(e);
  return e;
}

function geometry(sizes) {                    // the playground's layout, wider for the numbers
  const maxN = Math.max(...sizes), top = 30, node = 30, dy = 62, left = 90, dx = 190;
  const pos = sizes.map((n, c) => Array.from({ length: n }, (_, i) => ({
    x: left + dx * c, y: top + (dy * maxN - dy * n) / 2 + dy * i })));
  return { node, pos, width: left + dx * (sizes.length - 1) + node + 110, height: top + dy * maxN + 10 };
}

function render({ model, el: host }) {
  const root = el(host, "div", { class: "nnpg-view nnbp-view" });
  const bar = el(root, "div", { class: "nnbp-bar", style: "display:flex;gap:8px;align-items:center;margin-bottom:4px" });
  const back = el(bar, "button", { class: "nnbp-back", type: "button" }, "\u25c0 Back");
  const forward = el(bar, "button", { class: "nnbp-forward", type: "button" }, "Forward \u25b6");
  const counter = el(bar, "span", { class: "nnbp-counter" });
  const title = el(root, "div", { class: "nnbp-title", style: "font-weight:bold;margin:4px 0" });
  const who = el(root, "div", { class: "nnpg-legend nnbp-who" });
  const box = el(root, "div", { class: "nnbp-diagram" });
  const lines = el(root, "div", { class: "nnbp-lines", style: "font-family:monospace;font-size:12px;white-space:pre-wrap;max-width:100%" });
  const diagnosis = el(root, "div", { class: "nnpg-message nnbp-diagnosis" });

  function go(delta) {
    const n = model.get("steps").length;
    const s = Math.max(0, Math.min(n - 1, model.get("step") + delta));
    model.set("step", s);
    model.save_changes();
    draw();
  }
  back.addEventListener("click", () => go(-1));
  forward.addEventListener("click", () => go(+1));

  function draw() {
    const sizes = model.get("sizes"), all = model.get("steps"), W = model.get("weights");
    if (!sizes || !all || !all.length) return;
    const s = Math.max(0, Math.min(all.length - 1, model.get("step")));
    const step = all[s], g = geometry(sizes), L = sizes.length - 1;
    back.disabled = s === 0;
    forward.disabled = s === all.length - 1;
    counter.textContent = `step ${s + 1} of ${all.length}`;
    title.textContent = step.title + (step.crash ? "   \u2190 your backprop stopped here"
                                      : step.first ? "   \u2190 first difference" : "");
    title.classList.toggle("nnbp-first", !!step.first);
    title.classList.toggle("nnbp-crash", !!step.crash);
    title.style.color = step.first ? "#b00" : "";
    who.textContent = model.get("crashed")
      ? "reference values: your backprop raised an exception before it returned, so it has no values to show"
      : model.get("student")
      ? (step.equation === "(1)" ? "reference values (backprop does not return z and a)"
                                 : "reference values, yours below them in red where they differ")
      : "reference values (the library's backprop)";
    // the diagram
    box.textContent = "";
    const svg = el(box, "svg", { width: g.width, height: g.height, class: "nnbp-network" }, null, SVG);
    const active = (l) => (step.equation === "(3)" ? l === step.layer + 1 : l === step.layer);
    const scale = Math.max(1e-12, ...Object.values(step.neurons).map((e) => Math.abs(e.ref)));
    for (let l = 1; l <= L; l++) {
      for (let j = 0; j < sizes[l]; j++) {
        for (let k = 0; k < sizes[l - 1]; k++) {
          const a = g.pos[l - 1][k], b = g.pos[l][j];
          const x0 = a.x + g.node, y0 = a.y + g.node / 2, x1 = b.x, y1 = b.y + g.node / 2, xm = (x0 + x1) / 2;
          const link = step.links[`${l},${j},${k}`];
          const w = W[l - 1][j][k];
          const bad = link && link.differs;
          el(svg, "path", {
            d: `M${x0},${y0} C${xm},${y0} ${xm},${y1} ${x1},${y1}`, fill: "none",
            stroke: bad ? "#d00" : valueRGB(w), "stroke-width": Math.max(1, Math.min(8, Math.abs(w) * 2 + 1)),
            "stroke-dasharray": bad ? "5,3" : "none", opacity: active(l) ? 0.9 : 0.25,
            class: "nnbp-link" + (bad ? " nnbp-differs" : ""), "data-key": `${l},${j},${k}` }, null, SVG);
        }
      }
    }
    const x = model.get("x") || [];
    sizes.forEach((n, c) => g.pos[c].forEach((p, j) => {
      const e = c > 0 ? step.neurons[`${c},${j}`] : null;
      el(svg, "rect", { x: p.x, y: p.y, width: g.node, height: g.node, stroke: e && e.differs ? "#d00" : "#777",
        "stroke-width": e && e.differs ? 3 : 1, fill: e ? valueRGB(e.ref / scale) : "#fff",
        class: "nnbp-neuron", "data-key": `${c},${j}` }, null, SVG);
      if (c === 0) {
        el(svg, "text", { x: p.x - 6, y: p.y + g.node / 2 + 4, "text-anchor": "end", "font-size": 11,
          class: "nnbp-input" }, x.length === n ? `x${j + 1} = ${x[j].toPrecision(4)}` : `x${j + 1}`, SVG);
      }
      if (e) {
        el(svg, "text", { x: p.x + g.node + 5, y: p.y + 12, "font-size": 12, class: "nnbp-value",
          "data-key": `${c},${j}` }, e.text, SVG);
        if (e.mine_text !== undefined) {
          el(svg, "text", { x: p.x + g.node + 5, y: p.y + 27, "font-size": 11, fill: e.differs ? "#d00" : "#555",
            class: "nnbp-mine" + (e.differs ? " nnbp-differs" : ""), "data-key": `${c},${j}` },
            `yours ${e.mine_text}`, SVG);
        }
      }
    }));
    // the equation with numbers
    lines.textContent = "";
    for (const line of step.lines) {
      const bad = line.includes("<- differs");
      el(lines, "div", { class: "nnbp-line" + (bad ? " nnbp-differs" : ""), style: bad ? "color:#b00" : "" }, line);
    }
    diagnosis.textContent = step.first ? model.get("diagnosis") : "";
    diagnosis.classList.toggle("nnbp-crash", !!step.crash);
    diagnosis.style.color = step.crash ? "#b00" : "";
  }
  for (const name of ["steps", "step", "sizes", "weights", "diagnosis", "student", "crashed", "x"]) {
    model.on(`change:${name}`, draw);
  }
  draw();
}

export default { render };
