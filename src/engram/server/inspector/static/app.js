// The inspector's shell: routes (#/<view>?user_id=...), the scope, the API key dialog.

import { api, forgetKey, key, setKey } from "./api.js";
import { ask, failure, fill, h, say } from "./dom.js";

const VIEWS = {
  scopes: () => import("./scopes.js"),
  memories: () => import("./memories.js"),
  search: () => import("./search.js"),
  history: () => import("./history.js"),
  graph: () => import("./graph.js"),
};
const TITLES = {
  scopes: "Scopes", memories: "Memories", search: "Search", history: "History", graph: "Graph",
};
const TYPES = ["user", "agent", "run"];

/** The current route: its view and parameters. */
export function current() {
  const [path, q = ""] = location.hash.replace(/^#\/?/, "").split("?");
  return { view: path, params: new URLSearchParams(q) };
}

/** The scope a route names ({type, id}), or null. */
export function scopeOf(params) {
  for (const type of TYPES) {
    const id = params.get(`${type}_id`);
    if (id) return { type, id };
  }
  return null;
}

/** The hash of a view in a scope, with more parameters. */
export function link(view, scope, extra = {}) {
  const q = new URLSearchParams();
  if (scope) q.set(`${scope.type}_id`, scope.id);
  for (const [name, value] of Object.entries(extra)) q.set(name, value);
  const text = q.toString();
  return `#/${view}${text ? `?${text}` : ""}`;
}

let rendering = 0;
let shown = null;

async function route() {
  const { view: asked, params } = current();
  const scope = scopeOf(params);
  const view = VIEWS[asked] ? asked : scope ? "memories" : "scopes";
  const main = document.getElementById("main");
  const ticket = ++rendering;
  for (const a of document.querySelectorAll("nav a[data-view]")) {
    const name = a.dataset.view;
    a.href = link(name, scope);
    if (name === view || (view === "history" && name === "memories")) {
      a.setAttribute("aria-current", "page");
    } else {
      a.removeAttribute("aria-current");
    }
  }
  fill(
    document.getElementById("scope-label"),
    scope ? ["Scope: ", h("strong", {}, `${scope.type} ${scope.id}`)] : "No scope chosen",
  );
  document.title = `${TITLES[view]}${scope ? ` · ${scope.id}` : ""} · engram inspector`;
  document.getElementById("forget-key").hidden = !key();
  try {
    const module = await VIEWS[view]();
    if (ticket !== rendering) return;
    await module.render(main, { scope, params, link, stale: () => ticket !== rendering });
  } catch (error) {
    if (ticket !== rendering || error.status === 401) return;
    fill(main, h("h2", {}, TITLES[view]), failure(error));
  }
  if (shown !== null && shown !== view) main.focus({ preventScroll: true });
  shown = view;
}

let asking = null;

/** Ask for a key (once, however many requests were refused), then show the view again. */
function askKey(message) {
  if (asking) return asking;
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  const error = document.getElementById("key-error");
  input.value = "";
  error.textContent = message || "";
  asking = ask(dialog, async () => {
    setKey(input.value.trim());
    try {
      await api.ping();
    } catch (refused) {
      forgetKey();
      error.textContent = refused.status === 401 ? "This key was not accepted." : refused.message;
      input.select();
      return false;
    }
    return true;
  }).then((accepted) => {
    asking = null;
    if (accepted) {
      say("Key accepted.");
      route();
    } else {
      const main = document.getElementById("main");
      fill(
        main,
        h("h2", {}, "An API key is needed"),
        h("p", {}, "This server answers only requests that carry a key."),
        h("button", { type: "button", class: "primary", onclick: () => askKey() }, "Enter a key"),
      );
    }
  });
  return asking;
}

document.addEventListener("engram:unauthorised", () => {
  const had = key();
  forgetKey();
  askKey(had ? "The key was refused (revoked or mistyped). Enter another." : "");
});

document.getElementById("forget-key").addEventListener("click", () => {
  forgetKey();
  say("Key forgotten.");
  route();
});

// The skip link moves focus without touching the address (which holds the route).
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});

window.addEventListener("hashchange", route);
route();
