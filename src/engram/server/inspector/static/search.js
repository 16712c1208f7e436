// Search: the scope's results for a query (POST /explain), each with the parts of its score
// drawn as one bar, so a person sees why it ranked where it did.

import { api } from "./api.js";
import { failure, fill, h, when } from "./dom.js";

/** The parts of a score, in the order they are drawn, with their labels. */
export const PARTS = [
  ["semantic", "Semantic", "meaning close to the query (cosine of the embeddings)"],
  ["lexical", "Lexical", "words in common with the query (BM25)"],
  ["entity", "People", "said by or naming someone the query names"],
  ["time", "Time", "valid in a time the query names"],
  ["neighbour", "Neighbour", "next to a strong match in the same conversation"],
  ["graph", "Graph", "states a relation of an entity the query names"],
];

let last = { scope: null, query: "", limit: 10, expired: false };

export async function render(main, { scope, params, link, stale }) {
  if (!scope) {
    fill(main, h("h2", {}, "Search"), h("p", {}, "Pick a scope first: ", h("a", { href: "#/scopes" }, "Scopes"), "."));
    return;
  }
  const key = `${scope.type}:${scope.id}`;
  if (last.scope !== key) last = { scope: key, query: "", limit: 10, expired: false };
  const query = h("input", { id: "q", type: "search", value: params.get("q") || last.query, autocomplete: "off", required: true });
  const limit = h("select", { id: "q-limit" }, [5, 10, 20, 50].map((n) => h("option", { value: n, selected: n === last.limit }, String(n))));
  const expired = h("input", { id: "q-expired", type: "checkbox", checked: last.expired });
  const results = h("div", { class: "results-region", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Search memories" },
    h("div", { class: "field grow" }, h("label", { for: "q" }, "Query"), query),
    h("div", { class: "field" }, h("label", { for: "q-limit" }, "Results"), limit),
    h("div", { class: "field check" }, expired, h("label", { for: "q-expired" }, "Include invalidated")),
    h("div", { class: "field" }, h("button", { type: "submit", class: "primary" }, "Search")),
  );
  fill(main, h("h2", {}, "Search"), form, legend(), results);

  async function run() {
    last = { scope: key, query: query.value.trim(), limit: Number(limit.value), expired: expired.checked };
    if (!last.query) return;
    results.setAttribute("aria-busy", "true");
    fill(results, h("p", { class: "loading" }, "Searching…"));
    let found;
    try {
      found = await api.explain(scope, { query: last.query, top_k: last.limit, show_expired: last.expired });
    } catch (e) {
      if (!stale()) fill(results, failure(e));
      return;
    } finally {
      results.setAttribute("aria-busy", "false");
    }
    if (stale()) return;
    fill(results, list(found.results || [], scope, link), relations(found.relations));
    performance.mark("inspector:search");
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  if (query.value.trim()) await run();
  else query.focus();
}

function legend() {
  return h(
    "ul",
    { class: "legend", "aria-label": "Parts of a score" },
    PARTS.map(([name, label, about]) => h("li", { title: about }, h("span", { class: `swatch part-${name}`, "aria-hidden": "true" }), label)),
  );
}

function list(results, scope, link) {
  if (!results.length) return h("p", { class: "none" }, "Nothing found.");
  return h(
    "ol",
    { class: "results" },
    results.map((r, i) => {
      const invalid = Boolean(r.invalid_at);
      return h(
        "li",
        { class: invalid ? "invalid" : null, dataset: { id: r.id } },
        h(
          "div",
          { class: "result-head" },
          h("span", { class: "rank" }, `${i + 1}.`),
          h("span", { class: "score", title: "score" }, r.score.toFixed(3)),
          h("span", { class: "text" }, invalid ? h("s", {}, r.memory) : r.memory),
          invalid ? h("span", { class: "badge" }, "invalidated") : null,
        ),
        bar(r),
        explain(r, scope, link),
      );
    }),
  );
}

/** The score as one bar: each part's share of it, to scale (the full width is 1). */
export function bar(r) {
  const shares = (r.score_parts && r.score_parts.shares) || {};
  const said = PARTS.filter(([name]) => shares[name] > 0).map(([name, label]) => `${label} ${shares[name].toFixed(3)}`);
  return h(
    "div",
    { class: "bar", role: "img", "aria-label": `Score ${r.score.toFixed(3)}: ${said.join(", ") || "no parts"}` },
    PARTS.filter(([name]) => shares[name] > 0).map(([name, label]) => {
      const segment = h("span", { class: `segment part-${name}`, title: `${label}: ${shares[name].toFixed(3)}` });
      segment.style.width = `${(shares[name] * 100).toFixed(2)}%`;
      return segment;
    }),
  );
}

function explain(r, scope, link) {
  const p = r.score_parts || {};
  const shares = p.shares || {};
  const evidence = {
    semantic: p.semantic_rank ? `cosine ${num(p.semantic)}, rank ${p.semantic_rank} of the semantic list` : "not among the semantic candidates",
    lexical: p.lexical_rank ? `BM25 ${num(p.lexical)}, rank ${p.lexical_rank} of the lexical list` : "no words in common",
    entity: p.entity ? "said by or naming someone in the query" : "names no one in the query",
    time: p.time ? "valid in a time the query names" : "no time in the query matched",
    neighbour: p.neighbour ? `lent ${num(p.neighbour)} by an adjacent strong match` : "no strong neighbour",
    graph: p.graph === undefined ? "graph memory is off" : p.graph ? `graph score ${num(p.graph)}` : "no relation of the query's entities",
  };
  return h(
    "details",
    { class: "explain" },
    h("summary", {}, "Why this rank"),
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, "Parts of the score"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Part"), h("th", { scope: "col", class: "num" }, "Added"), h("th", { scope: "col" }, "Evidence"))),
      h(
        "tbody",
        {},
        PARTS.map(([name, label]) =>
          h("tr", {}, h("th", { scope: "row" }, h("span", { class: `swatch part-${name}`, "aria-hidden": "true" }), label), h("td", { class: "num" }, num(shares[name] || 0)), h("td", {}, evidence[name])),
        ),
        p.rerank !== undefined
          ? h("tr", {}, h("th", { scope: "row" }, "Reranker"), h("td", { class: "num" }, num(p.rerank)), h("td", {}, "the score is the mean of the search score and this grade"))
          : null,
      ),
    ),
    h("p", { class: "result-foot" }, "Created ", when(r.created_at), " · ", h("a", { href: link("history", scope, { memory: r.id }) }, "History")),
  );
}

function relations(found) {
  if (!Array.isArray(found) || !found.length) return null;
  return h(
    "section",
    { class: "relations" },
    h("h3", {}, "Relations around the query"),
    h("ul", {}, found.map((r) => h("li", {}, h("strong", {}, r.source), ` —${r.relationship}→ `, h("strong", {}, r.destination || r.target)))),
  );
}

function num(x) {
  return typeof x === "number" ? x.toFixed(3) : "—";
}
