// Graph: a scope's entities and relations (GET /graph/entities, /graph/relations) drawn with
// d3's force layout; pan and zoom; an entity opens its relations and the memories that state
// them; the "as of" slider shows the graph as it was believed to be at an earlier time.

import { api } from "./api.js";
import { brief, failure, fill, h, say, svg, when } from "./dom.js";

const MOST_RELATIONS = 1000;
const MOST_MEMORIES = 30;
const TYPES = ["person", "place", "organization", "organisation", "thing", "event", "time"];

let d3Loading = null;

/** d3 (vendored in the package), loaded the first time the graph is shown. */
function loadD3() {
  if (window.d3) return Promise.resolve(window.d3);
  if (!d3Loading) {
    d3Loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL("vendor/d3.min.js", import.meta.url).href;
      script.onload = () => resolve(window.d3);
      script.onerror = () => { d3Loading = null; reject(new Error("the graph library did not load")); };
      document.head.append(script);
    });
  }
  return d3Loading;
}

export async function render(main, { scope, link, stale }) {
  if (!scope) {
    fill(main, h("h2", {}, "Graph"), h("p", {}, "Pick a scope first: ", h("a", { href: "#/scopes" }, "Scopes"), "."));
    return;
  }
  fill(main, h("h2", {}, "Graph"), h("p", { class: "loading" }, "Loading…"));
  let d3, entities, live;
  try {
    [d3, entities, live] = await Promise.all([
      loadD3(), api.entities(scope, 500), api.relations(scope, { limit: MOST_RELATIONS }),
    ]);
  } catch (e) {
    if (stale()) return;
    const off = e.status === 409;
    fill(
      main,
      h("h2", {}, "Graph"),
      off ? h("p", {}, "Graph memory is off on this server. Configure a ", h("code", {}, "graph_store"), " to see who and what the memories are about.") : failure(e),
    );
    return;
  }
  if (stale()) return;

  const stops = timeStops(live);
  const slider = h("input", {
    id: "as-of", type: "range", min: 0, max: stops.length - 1, step: 1, value: stops.length - 1,
  });
  const sliderText = h("output", { for: "as-of", id: "as-of-text" });
  const canvas = h("div", { class: "graph-canvas" });
  const panel = h("aside", { class: "graph-panel", "aria-labelledby": "panel-title", "aria-live": "polite" });
  const list = h("ul", { class: "entity-list" });
  const zoomButtons = h("div", { class: "zoom", role: "group", "aria-label": "Zoom" });
  fill(
    main,
    h("h2", {}, "Graph"),
    h(
      "div",
      { class: "graph-controls" },
      h("div", { class: "field grow" }, h("label", { for: "as-of" }, "As of"), slider, sliderText),
      zoomButtons,
    ),
    h(
      "div",
      { class: "graph-layout" },
      canvas,
      h(
        "div",
        { class: "graph-side" },
        panel,
        h("section", { "aria-labelledby": "entities-title" }, h("h3", { id: "entities-title" }, "Entities"), list),
        typeLegend(),
      ),
    ),
  );
  fill(panel, h("h3", { id: "panel-title" }, "Relations"), h("p", { class: "hint" }, "Choose an entity in the graph or the list."));

  let asOf = null;
  let relations = live;
  let view = null;
  let selected = null;

  const showStop = () => {
    const i = Number(slider.value);
    asOf = i === stops.length - 1 ? null : stops[i];
    const text = asOf ? brief(asOf) : "Now (live relations)";
    sliderText.textContent = text;
    slider.setAttribute("aria-valuetext", text);
  };
  const redraw = () => {
    view = draw(d3, canvas, relations, entities, (name) => choose(name));
    fill(zoomButtons, view.buttons);
    fill(
      list,
      view.names.map((name) => h("li", {}, h("button", { type: "button", class: "link", onclick: () => choose(name), dataset: { entity: name } }, name))),
    );
    if (selected && view.names.includes(selected)) view.highlight(selected);
  };
  let pending = 0;
  slider.addEventListener("input", showStop);
  slider.addEventListener("change", async () => {
    showStop();
    const ticket = ++pending;
    try {
      relations = await api.relations(scope, { limit: MOST_RELATIONS, as_of: asOf || undefined });
    } catch (e) {
      say(e.message, "error");
      return;
    }
    if (ticket !== pending || stale()) return;
    redraw();
    if (selected) choose(selected);
  });

  async function choose(name) {
    selected = name;
    view.highlight(name);
    fill(panel, h("h3", { id: "panel-title" }, name), h("p", { class: "loading" }, "Loading…"));
    let near;
    try {
      near = await api.relations(scope, { entity: name, hops: 1, limit: 200, as_of: asOf || undefined });
    } catch (e) {
      fill(panel, h("h3", { id: "panel-title" }, name), failure(e));
      return;
    }
    const ids = [...new Set(near.flatMap((r) => r.memory_ids || []))].slice(0, MOST_MEMORIES);
    const memories = new Map();
    await Promise.all(ids.map((id) => api.memory(id).then((m) => memories.set(id, m), () => null)));
    if (selected !== name || stale()) return;
    fill(
      panel,
      h("h3", { id: "panel-title" }, name),
      near.length
        ? h(
            "ul",
            { class: "relation-list" },
            near.map((r) =>
              h(
                "li",
                { class: r.invalid_at ? "invalid" : null },
                h("p", { class: "triple" }, h("strong", {}, r.source), ` —${r.relationship}→ `, h("strong", {}, r.destination)),
                h("p", { class: "hint" }, "valid from ", when(r.valid_at), r.invalid_at ? [" until ", when(r.invalid_at)] : null),
                h(
                  "ul",
                  { class: "stated", "aria-label": "Stated by" },
                  (r.memory_ids || []).map((id) => {
                    const m = memories.get(id);
                    return h("li", {}, m ? m.memory : h("span", { class: "none" }, "(deleted memory)"), " ", h("a", { href: link("history", scope, { memory: id }) }, "History"));
                  }),
                ),
              ),
            ),
          )
        : h("p", {}, "No relations at this time."),
    );
  }

  showStop();
  redraw();
  performance.mark("inspector:graph");
}

/** The times the graph changed at (relations became or stopped being valid), oldest first,
 * then "now". */
export function timeStops(relations) {
  const times = new Set();
  for (const r of relations) {
    for (const t of [r.valid_at, r.invalid_at]) if (t) times.add(t);
  }
  const sorted = [...times].sort((a, b) => Date.parse(a) - Date.parse(b));
  return [...sorted, "now"];
}

function typeLegend() {
  const kinds = [["person", "Person"], ["place", "Place"], ["organization", "Organisation"], ["thing", "Thing"], ["event", "Event or time"], ["other", "Other"]];
  return h(
    "ul",
    { class: "legend type-legend", "aria-label": "Entity types" },
    kinds.map(([kind, label]) => h("li", {}, h("span", { class: `swatch type-${kind}`, "aria-hidden": "true" }), label)),
  );
}

function typeClass(type) {
  const t = (type || "").toLowerCase();
  return TYPES.includes(t) ? `type-${t === "organisation" ? "organization" : t}` : "type-other";
}

/** Lay the graph out and draw it into ``canvas``; returns its names, highlight and zoom controls. */
function draw(d3, canvas, relations, entities, onChoose) {
  const types = new Map(entities.map((e) => [e.name, e.type]));
  const nodes = new Map();
  const node = (name, type) => {
    if (!nodes.has(name)) nodes.set(name, { id: name, type: type || types.get(name), degree: 0 });
    const n = nodes.get(name);
    n.degree += 1;
    return n;
  };
  const links = relations.map((r) => ({
    source: node(r.source, r.source_type).id,
    target: node(r.destination, r.destination_type).id,
    relationship: r.relationship,
    invalid: Boolean(r.invalid_at),
  }));
  // Several relations between one pair are drawn as arcs of different bends.
  const pairs = new Map();
  for (const l of links) {
    const k = [l.source, l.target].sort().join("\u0000");
    const seen = pairs.get(k) || 0;
    l.bend = seen === 0 ? 0 : (seen % 2 ? 1 : -1) * Math.ceil(seen / 2) * 28;
    pairs.set(k, seen + 1);
  }
  const data = [...nodes.values()];
  const names = data.map((n) => n.id).sort((a, b) => a.localeCompare(b));
  if (!data.length) {
    fill(canvas, h("p", { class: "none" }, "No relations at this time."));
    return { names, highlight() {}, buttons: [] };
  }

  const simulation = d3
    .forceSimulation(data)
    .force("link", d3.forceLink(links).id((d) => d.id).distance(130))
    .force("charge", d3.forceManyBody().strength(-450))
    .force("x", d3.forceX(0).strength(0.04))
    .force("y", d3.forceY(0).strength(0.04))
    .force("collide", d3.forceCollide(34))
    .stop();
  for (let i = 0; i < 300; i++) simulation.tick();

  const width = canvas.clientWidth || 800;
  const height = canvas.clientHeight || 520;
  const root = svg("svg", {
    class: "graph", viewBox: `0 0 ${width} ${height}`, role: "group", tabindex: 0,
    "aria-label": `Graph of ${data.length} entities and ${links.length} relations; arrows and plus or minus keys pan and zoom`,
  });
  const defs = svg("defs", {}, svg("marker", {
    id: "arrow", viewBox: "0 -5 10 10", refX: 22, refY: 0, markerWidth: 9, markerHeight: 9,
    markerUnits: "userSpaceOnUse", orient: "auto",
  }, svg("path", { d: "M0,-4L9,0L0,4", class: "arrowhead" })));
  const viewport = svg("g", { class: "viewport" });
  const linkLayer = svg("g", { class: "links" });
  const labelLayer = svg("g", { class: "link-labels", "aria-hidden": "true" });
  const nodeLayer = svg("g", { class: "nodes" });
  viewport.append(linkLayer, labelLayer, nodeLayer);
  root.append(defs, viewport);
  fill(canvas, root);

  const pathOf = (l) => {
    const { x: x1, y: y1 } = l.source;
    const { x: x2, y: y2 } = l.target;
    if (!l.bend) return `M${x1},${y1}L${x2},${y2}`;
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const cx = mx - ((y2 - y1) / len) * l.bend;
    const cy = my + ((x2 - x1) / len) * l.bend;
    l.label = { x: (mx + cx) / 2, y: (my + cy) / 2 };
    return `M${x1},${y1}Q${cx},${cy} ${x2},${y2}`;
  };
  const edgeEls = links.map((l) => {
    const path = svg("path", { class: `link${l.invalid ? " invalid" : ""}`, d: pathOf(l), "marker-end": "url(#arrow)" });
    path.__link = l;
    linkLayer.append(path);
    const at = l.label || { x: (l.source.x + l.target.x) / 2, y: (l.source.y + l.target.y) / 2 };
    labelLayer.append(svg("text", { x: at.x, y: at.y - 4, class: "link-label" }, l.relationship.replaceAll("_", " ")));
    return path;
  });
  const nodeEls = new Map();
  for (const n of data) {
    const g = svg(
      "g",
      {
        class: `node ${typeClass(n.type)}`, transform: `translate(${n.x},${n.y})`, tabindex: 0, role: "button",
        "aria-label": `${n.id}${n.type ? `, ${n.type}` : ""}: ${n.degree} relation${n.degree === 1 ? "" : "s"}`,
        "data-entity": n.id,
      },
      svg("circle", { r: 9 + Math.min(n.degree, 8) }),
      svg("text", { x: 14 + Math.min(n.degree, 8), y: 4 }, n.id),
    );
    g.addEventListener("click", () => onChoose(n.id));
    g.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); onChoose(n.id); }
    });
    nodeLayer.append(g);
    nodeEls.set(n.id, g);
  }

  const zoom = d3.zoom().scaleExtent([0.1, 6]).on("zoom", (event) => {
    viewport.setAttribute("transform", event.transform.toString());
  });
  const chosen = d3.select(root).call(zoom).on("dblclick.zoom", null);
  const fit = () => {
    const xs = data.map((n) => n.x);
    const ys = data.map((n) => n.y);
    const [x0, x1] = [Math.min(...xs) - 60, Math.max(...xs) + 160];
    const [y0, y1] = [Math.min(...ys) - 60, Math.max(...ys) + 60];
    const k = Math.min(2, 0.95 * Math.min(width / (x1 - x0), height / (y1 - y0)));
    const t = d3.zoomIdentity.translate(width / 2, height / 2).scale(k).translate(-(x0 + x1) / 2, -(y0 + y1) / 2);
    chosen.call(zoom.transform, t);
  };
  fit();
  root.addEventListener("keydown", (event) => {
    if (event.target !== root) return;
    const step = 60;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (event.key === "+" || event.key === "=") chosen.call(zoom.scaleBy, 1.3);
    else if (event.key === "-") chosen.call(zoom.scaleBy, 1 / 1.3);
    else if (event.key === "0") fit();
    else if (moves[event.key]) chosen.call(zoom.translateBy, ...moves[event.key]);
    else return;
    event.preventDefault();
  });
  const buttons = [
    h("button", { type: "button", "aria-label": "Zoom in", onclick: () => chosen.call(zoom.scaleBy, 1.3) }, "+"),
    h("button", { type: "button", "aria-label": "Zoom out", onclick: () => chosen.call(zoom.scaleBy, 1 / 1.3) }, "−"),
    h("button", { type: "button", onclick: fit }, "Fit"),
  ];
  return {
    names,
    buttons,
    highlight(name) {
      for (const [id, g] of nodeEls) g.classList.toggle("selected", id === name);
      for (const path of edgeEls) {
        const l = path.__link;
        path.classList.toggle("selected", l.source.id === name || l.target.id === name);
      }
    },
  };
}
