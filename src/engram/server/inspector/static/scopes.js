// Scopes: the users, agents and runs memories belong to, with their counts; pick one.

import { api } from "./api.js";
import { count, fill, h, when } from "./dom.js";

const GROUPS = [
  ["user", "Users"],
  ["agent", "Agents"],
  ["run", "Runs"],
];

export async function render(main, { link, stale }) {
  const search = h("input", {
    id: "scope-filter", type: "search", autocomplete: "off", placeholder: "e.g. alice",
  });
  const tables = h("div", { class: "scope-groups" }, h("p", { class: "loading" }, "Loading…"));
  fill(
    main,
    h("h2", {}, "Scopes"),
    h("p", { class: "hint" }, "The users, agents and runs that memories belong to. Pick one."),
    h("div", { class: "field inline" }, h("label", { for: "scope-filter" }, "Filter ids"), search),
    tables,
  );
  const found = await api.scopes();
  if (stale()) return;
  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    fill(
      tables,
      GROUPS.map(([type, title]) => {
        const all = found.filter((s) => s.type === type);
        const rows = all.filter((s) => !needle || s.id.toLowerCase().includes(needle));
        return table(type, title, all.length, rows, link);
      }),
    );
  };
  search.addEventListener("input", draw);
  draw();
  performance.mark("inspector:scopes");
  if (!found.length) {
    tables.prepend(h("p", {}, "No memories yet: add some, and their scopes appear here."));
  }
}

function table(type, title, total, rows, link) {
  const caption = `${title} (${count(total)})`;
  if (!rows.length) {
    return h("section", { class: "scope-group" }, h("h3", {}, caption), h("p", { class: "none" }, "None."));
  }
  return h(
    "section",
    { class: "scope-group" },
    h("h3", { id: `scopes-${type}` }, caption),
    h(
      "table",
      { "aria-labelledby": `scopes-${type}` },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Id"),
          h("th", { scope: "col", class: "num" }, "Memories"),
          h("th", { scope: "col" }, "First memory"),
          h("th", { scope: "col" }, "Last change"),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((s) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, h("a", { href: link("memories", { type, id: s.id }) }, s.id)),
            h("td", { class: "num" }, count(s.total_memories)),
            h("td", {}, when(s.created_at)),
            h("td", {}, when(s.updated_at)),
          ),
        ),
      ),
    ),
  );
}
