// Memories: a scope's memories in a table, filtered and ordered on the server, paged with a
// cursor (POST /browse), edited and deleted after confirmation.

import { api } from "./api.js";
import { ask, count, failure, fill, h, say, when } from "./dom.js";

const ORDERS = {
  "created_at:desc": "Newest first",
  "created_at:asc": "Oldest first",
  "updated_at:desc": "Recently changed first",
  "updated_at:asc": "Least recently changed first",
};

// What the table shows, kept while the person moves between views.
let state = null;

function fresh(scope) {
  return {
    scope: `${scope.type}:${scope.id}`,
    text: "", type: "", meta: "", json: "", expired: false,
    order: "created_at:desc", limit: 50,
    cursors: [null], // the cursor of each page seen so far; the last is the current page's
    total: null,
  };
}

/** The filter the form describes, in the service's filter language (or null). */
export function filtersOf(s) {
  const parts = [];
  if (s.text.trim()) parts.push({ memory: { icontains: s.text.trim() } });
  if (s.type === "none") parts.push({ memory_type: null });
  else if (s.type) parts.push({ memory_type: s.type });
  if (s.meta.trim()) {
    const at = s.meta.indexOf("=");
    if (at < 1) throw new Error("Metadata: write key=value");
    const name = s.meta.slice(0, at).trim();
    const raw = s.meta.slice(at + 1).trim();
    let value = raw;
    try { value = JSON.parse(raw); } catch { /* a bare word is a string */ }
    parts.push({ [name.startsWith("metadata.") ? name : `metadata.${name}`]: value });
  }
  if (s.json.trim()) {
    let parsed;
    try { parsed = JSON.parse(s.json); } catch (e) { throw new Error(`Filter: not JSON (${e.message})`); }
    parts.push(parsed);
  }
  if (!parts.length) return null;
  return parts.length === 1 ? parts[0] : { AND: parts };
}

export async function render(main, { scope, link, stale }) {
  if (!scope) {
    fill(main, h("h2", {}, "Memories"), h("p", {}, "Pick a scope first: ", h("a", { href: "#/scopes" }, "Scopes"), "."));
    return;
  }
  if (!state || state.scope !== `${scope.type}:${scope.id}`) state = fresh(scope);
  const s = state;
  const form = filterForm(s, () => { s.cursors = [null]; s.total = null; load(); });
  const region = h("div", { class: "table-region", "aria-live": "polite", "aria-busy": "true" });
  fill(main, h("h2", {}, "Memories"), form, region);

  async function load() {
    region.setAttribute("aria-busy", "true");
    let filters;
    try {
      filters = filtersOf(s);
    } catch (e) {
      fill(region, failure(e));
      region.setAttribute("aria-busy", "false");
      return;
    }
    const [orderBy, way] = s.order.split(":");
    const cursor = s.cursors[s.cursors.length - 1];
    // The rows first; the count (a second, slower read) fills the pager in when it comes.
    const counting = s.total === null
      ? api.browse(scope, { filters, show_expired: s.expired, limit: 1, total: true })
      : null;
    let page;
    try {
      page = await api.browse(scope, {
        filters, order_by: orderBy, descending: way === "desc", cursor, limit: s.limit,
        show_expired: s.expired,
      });
    } catch (e) {
      if (!stale()) fill(region, failure(e));
      region.setAttribute("aria-busy", "false");
      return;
    }
    if (stale()) return;
    const refresh = () => { s.total = null; return load(); };
    const pages = pager(s, page, load);
    fill(region, table(page.results, scope, link, refresh), pages.nav);
    region.setAttribute("aria-busy", "false");
    performance.mark("inspector:memories");
    if (counting) {
      counting.then((counted) => {
        s.total = counted.count;
        if (!stale()) pages.update();
      }, () => {});
    }
  }
  await load();
}

function filterForm(s, apply) {
  const input = (id, label, value, attrs = {}) =>
    h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, value, ...attrs }));
  const select = (id, label, value, options) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      h("select", { id }, Object.entries(options).map(([v, text]) => h("option", { value: v, selected: v === String(value) }, text))),
    );
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter memories" },
    input("f-text", "Text contains", s.text, { type: "search", autocomplete: "off" }),
    select("f-type", "Type", s.type, { "": "Any", none: "Plain (no type)", procedural_memory: "Procedural" }),
    input("f-meta", "Metadata key=value", s.meta, { autocomplete: "off", placeholder: "topic=food" }),
    input("f-json", "Filter (JSON)", s.json, { autocomplete: "off", spellcheck: "false", placeholder: '{"created_at": {"gte": "2026-01-01"}}' }),
    select("f-order", "Order", s.order, ORDERS),
    select("f-limit", "Per page", s.limit, { 25: "25", 50: "50", 100: "100", 200: "200" }),
    h(
      "div",
      { class: "field check" },
      h("input", { id: "f-expired", type: "checkbox", checked: s.expired }),
      h("label", { for: "f-expired" }, "Show invalidated"),
    ),
    h("div", { class: "field" }, h("button", { type: "submit", class: "primary" }, "Apply")),
  );
  const read = () => {
    s.text = form.querySelector("#f-text").value;
    s.type = form.querySelector("#f-type").value;
    s.meta = form.querySelector("#f-meta").value;
    s.json = form.querySelector("#f-json").value;
    s.order = form.querySelector("#f-order").value;
    s.limit = Number(form.querySelector("#f-limit").value);
    s.expired = form.querySelector("#f-expired").checked;
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); read(); apply(); });
  for (const id of ["#f-type", "#f-order", "#f-limit", "#f-expired"]) {
    form.querySelector(id).addEventListener("change", () => { read(); apply(); });
  }
  return form;
}

function table(rows, scope, link, reload) {
  if (!rows.length) return h("p", { class: "none" }, "No memories match.");
  return h(
    "table",
    { class: "memories" },
    h("caption", { class: "visually-hidden" }, "Memories of this scope"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Text", "Type", "Metadata", "Created", "Valid from", "Invalid from", "Actions"].map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    h("tbody", {}, rows.map((m) => row(m, scope, link, reload))),
  );
}

function row(m, scope, link, reload) {
  const invalid = Boolean(m.invalid_at);
  const short = m.memory.length > 40 ? `${m.memory.slice(0, 40)}…` : m.memory;
  const metadata = Object.keys(m.metadata || {}).length ? JSON.stringify(m.metadata) : "";
  return h(
    "tr",
    { class: invalid ? "invalid" : null, dataset: { id: m.id } },
    h(
      "td",
      { class: "text" },
      invalid ? h("s", {}, m.memory) : m.memory,
      invalid ? h("span", { class: "badge" }, "invalidated") : null,
    ),
    h("td", {}, m.memory_type || h("span", { class: "none" }, "—")),
    h("td", { class: "meta" }, metadata ? h("code", { title: metadata }, metadata) : h("span", { class: "none" }, "—")),
    h("td", {}, when(m.created_at)),
    h("td", {}, when(m.valid_at)),
    h("td", {}, when(m.invalid_at)),
    h(
      "td",
      { class: "actions" },
      h("a", { href: link("history", scope, { memory: m.id }), "aria-label": `History of: ${short}` }, "History"),
      h("button", { type: "button", "aria-label": `Edit: ${short}`, onclick: () => edit(m, reload) }, "Edit"),
      h("button", { type: "button", class: "danger", "aria-label": `Delete: ${short}`, onclick: () => remove(m, reload) }, "Delete"),
    ),
  );
}

async function edit(m, reload) {
  const dialog = document.getElementById("edit-dialog");
  const text = document.getElementById("edit-text");
  const metadata = document.getElementById("edit-metadata");
  const error = document.getElementById("edit-error");
  text.value = m.memory;
  metadata.value = JSON.stringify(m.metadata || {}, null, 2);
  error.textContent = "";
  text.oninput = metadata.oninput = () => { error.textContent = ""; };
  const saved = await ask(dialog, async () => {
    let meta;
    try {
      meta = metadata.value.trim() ? JSON.parse(metadata.value) : {};
    } catch (e) {
      error.textContent = `Metadata is not JSON: ${e.message}`;
      return false;
    }
    if (meta === null || typeof meta !== "object" || Array.isArray(meta)) {
      error.textContent = 'Metadata must be a JSON object, like {"topic": "food"}.';
      return false;
    }
    try {
      await api.update(m.id, text.value, meta);
    } catch (e) {
      error.textContent = e.message;
      return false;
    }
    return true;
  });
  if (saved) {
    say("Memory saved.");
    await reload();
  }
}

async function remove(m, reload) {
  const dialog = document.getElementById("confirm-dialog");
  fill(document.getElementById("confirm-text"), "“", m.memory, "” will be deleted. Its history stays readable.");
  const confirmed = await ask(dialog, async () => {
    try {
      await api.remove(m.id);
    } catch (e) {
      say(e.message, "error");
      return false;
    }
    return true;
  });
  if (confirmed) {
    say("Memory deleted.");
    await reload();
  }
}

function pager(s, page, load) {
  const first = (s.cursors.length - 1) * s.limit + 1;
  const last = first + page.results.length - 1;
  const shown = h("span", { class: "shown" });
  const update = () => {
    const of = s.total !== null ? ` of ${count(s.total)}` : "";
    shown.textContent = page.results.length ? `${count(first)}–${count(last)}${of}` : `None${of}`;
  };
  update();
  const nav = h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h(
      "button",
      { type: "button", disabled: s.cursors.length === 1, onclick: () => { s.cursors.pop(); load(); } },
      "← Previous",
    ),
    shown,
    h(
      "button",
      { type: "button", disabled: !page.next_cursor, onclick: () => { s.cursors.push(page.next_cursor); load(); } },
      "Next →",
    ),
  );
  return { nav, update };
}
