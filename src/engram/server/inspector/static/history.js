// History: one memory's timeline, oldest first: ADD, UPDATE (with a word diff), DELETE, and
// invalidation (a DELETE that keeps the memory, with its invalid_at set).

import { api } from "./api.js";
import { failure, fill, h, when } from "./dom.js";

export async function render(main, { scope, params, link, stale }) {
  const id = params.get("memory");
  fill(main, h("h2", {}, "History"), h("p", { class: "loading" }, "Loading…"));
  if (!id) {
    fill(main, h("h2", {}, "History"), h("p", {}, "Open a memory's history from the Memories or Search view."));
    return;
  }
  const [now, rows] = await Promise.all([
    api.memory(id).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
    api.history(id),
  ]);
  if (stale()) return;
  fill(
    main,
    h("h2", {}, "History"),
    h("p", {}, h("a", { href: link("memories", scope) }, "← Memories")),
    current(now, id),
    h("h3", { id: "timeline-title" }, "Timeline"),
    h("ol", { class: "timeline", "aria-labelledby": "timeline-title" }, rows.map(entry)),
  );
}

function current(now, id) {
  if (!now) {
    return h("section", { class: "card" }, h("p", {}, "This memory is deleted; its history remains."), h("p", { class: "hint" }, `id ${id}`));
  }
  return h(
    "section",
    { class: `card${now.invalid_at ? " invalid" : ""}`, "aria-label": "The memory now" },
    h("p", { class: "text" }, now.invalid_at ? h("s", {}, now.memory) : now.memory, now.invalid_at ? h("span", { class: "badge" }, "invalidated") : null),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Created"), h("dd", {}, when(now.created_at)),
      h("dt", {}, "Updated"), h("dd", {}, when(now.updated_at)),
      h("dt", {}, "Valid from"), h("dd", {}, when(now.valid_at)),
      h("dt", {}, "Invalid from"), h("dd", {}, when(now.invalid_at)),
      h("dt", {}, "Id"), h("dd", {}, h("code", {}, now.id)),
    ),
  );
}

/** What a history row was: ADD, UPDATE, DELETE or an invalidation. */
export function kind(row) {
  if (row.event === "DELETE" && !row.is_deleted) return "INVALIDATED";
  return row.event;
}

function entry(row) {
  const k = kind(row);
  let body;
  if (k === "UPDATE") body = h("p", { class: "diff" }, diff(row.old_memory || "", row.new_memory || ""));
  else if (k === "ADD") body = h("p", {}, row.new_memory);
  else if (k === "INVALIDATED") body = h("p", {}, h("s", {}, row.old_memory), " — contradicted by a newer fact; kept, no longer valid.");
  else body = h("p", {}, h("s", {}, row.old_memory), " — deleted.");
  return h(
    "li",
    { class: `event event-${k.toLowerCase()}` },
    h("span", { class: "badge" }, k === "INVALIDATED" ? "INVALIDATED" : k),
    " ",
    when(k === "ADD" ? row.created_at : row.updated_at),
    row.actor_id ? h("span", { class: "hint" }, ` · said by ${row.actor_id}`) : null,
    body,
  );
}

/** A word diff of two texts as <del>/<ins> runs (longest common subsequence of words). */
export function diff(before, after) {
  const a = before.split(/(\s+)/).filter((t) => t !== "");
  const b = after.split(/(\s+)/).filter((t) => t !== "");
  if (a.length * b.length > 250000) {
    return [h("del", {}, hidden("removed: "), before), " ", h("ins", {}, hidden("added: "), after)];
  }
  // common[i][j]: length of the longest common subsequence of a[i:] and b[j:].
  const common = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const runs = [];
  const push = (op, token) => {
    const top = runs[runs.length - 1];
    if (top && top.op === op) top.text += token;
    else runs.push({ op, text: token });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { push("=", a[i]); i++; j++; }
    else if (common[i + 1][j] >= common[i][j + 1]) push("-", a[i++]);
    else push("+", b[j++]);
  }
  while (i < a.length) push("-", a[i++]);
  while (j < b.length) push("+", b[j++]);
  return runs.map((r) => {
    if (r.op === "=") return r.text;
    return r.op === "-" ? h("del", {}, hidden("removed: "), r.text) : h("ins", {}, hidden("added: "), r.text);
  });
}

function hidden(text) {
  return h("span", { class: "visually-hidden" }, text);
}
