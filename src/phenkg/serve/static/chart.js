// A SELECT result of two or three columns as a chart, drawn as SVG in the page (no library, no CDN).
// Two columns, a label and a number: bars, or a line when the labels are years (numbers).
// Three columns, a label, a series and a number: one line (numeric labels) or stacked bars per series.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const COLOURS = ["#2e6da4", "#e67e22", "#27ae60", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d", "#d4ac0d"];
  const W = 640, H = 280, LEFT = 48, RIGHT = 150, TOP = 12, BOTTOM = 70;

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const isNumber = (t) => t && t.type === "literal" && t.value !== "" && !isNaN(Number(t.value));
  const shown = (t) => (!t ? "" : t.type === "uri" ? t.value.replace(/^.*[\/#]/, "") : t.value);

  // {label, series, value} rows from the result, or null when it does not chart
  function shape(data) {
    if (!data.head || !data.results) return null;
    const vars = data.head.vars, rows = data.results.bindings;
    if (vars.length < 2 || vars.length > 3 || rows.length === 0 || rows.length > 500) return null;
    const numeric = vars.filter((v) => rows.every((r) => isNumber(r[v])));
    const value = numeric[numeric.length - 1];
    if (!value) return null;
    const others = vars.filter((v) => v !== value);
    const label = others[0], series = others.length > 1 ? others[1] : null;
    // with three columns whose first is an IRI and second its name: the name labels, no series
    const named = series && rows.every((r) => r[label] && r[label].type === "uri") && !numeric.includes(series);
    return {
      label: named ? series : label, value: value, series: named ? null : series,
      rows: rows.map((r) => ({ label: shown(r[named ? series : label]), series: series && !named ? shown(r[series]) : "",
                               value: Number(r[value].value) })),
      line: rows.every((r) => isNumber(r[named ? series : label])),
    };
  }

  function draw(data, into) {
    const s = shape(data);
    if (!s) return;
    const labels = [...new Set(s.rows.map((r) => r.label))];
    if (s.line) labels.sort((a, b) => Number(a) - Number(b));
    const series = [...new Set(s.rows.map((r) => r.series))];
    const total = {};
    s.rows.forEach((r) => { total[r.label] = (total[r.label] || 0) + r.value; });
    const max = Math.max(1e-9, ...(s.line ? s.rows.map((r) => r.value) : Object.values(total)));
    const step = (W - LEFT - RIGHT) / labels.length;
    const y = (v) => TOP + (H - TOP - BOTTOM) * (1 - v / max);
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "result-chart" });
    svg.appendChild(svgEl("title", {}, `${s.value} by ${s.label}` + (s.series ? ` and ${s.series}` : "")));
    svg.appendChild(svgEl("line", { x1: LEFT, x2: W - RIGHT, y1: y(0), y2: y(0), stroke: "#888" }));
    [0, 0.5, 1].forEach((f) => svg.appendChild(svgEl("text", { x: LEFT - 6, y: y(max * f) + 4, "text-anchor": "end",
      "font-size": 11 }, String(Math.round(max * f * 100) / 100))));
    const base = {};
    series.forEach((name, i) => {
      const colour = COLOURS[i % COLOURS.length];
      const points = [];
      s.rows.filter((r) => r.series === name).forEach((r) => {
        const x = LEFT + labels.indexOf(r.label) * step;
        if (s.line) {
          points.push([x + step / 2, y(r.value)]);
        } else {
          const bottom = base[r.label] || 0;
          const bar = svgEl("rect", { x: x + step * 0.1, width: step * 0.8, y: y(bottom + r.value),
            height: y(bottom) - y(bottom + r.value), fill: colour });
          bar.appendChild(svgEl("title", {}, `${r.label}${name ? " · " + name : ""}: ${r.value}`));
          svg.appendChild(bar);
          base[r.label] = bottom + r.value;
        }
      });
      if (s.line) {
        points.sort((a, b) => a[0] - b[0]);
        svg.appendChild(svgEl("polyline", { points: points.map((p) => p.join(",")).join(" "), fill: "none",
          stroke: colour, "stroke-width": 2 }));
      }
      if (name) svg.appendChild(svgEl("text", { x: W - RIGHT + 10, y: TOP + 14 * (i + 1), fill: colour,
        "font-size": 11 }, name));
    });
    const every = Math.ceil(labels.length / 40);
    labels.forEach((label, i) => {
      if (i % every) return;
      const x = LEFT + i * step + step / 2;
      svg.appendChild(svgEl("text", { x: x, y: y(0) + 12, "font-size": 10, "text-anchor": "end",
        transform: `rotate(-40 ${x} ${y(0) + 12})` }, label.length > 24 ? label.slice(0, 23) + "…" : label));
    });
    into.prepend(svg);
  }

  window.PHENKG_CHART = draw;
})();
