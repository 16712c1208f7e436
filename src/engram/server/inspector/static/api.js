// The server's JSON routes, as the inspector calls them. The API key lives in this tab's
// sessionStorage and travels in the Authorization header; no cookie is ever sent.

const KEY = "engram.key";
/** The service's root: the page is served at <root>/ui/. */
export const root = new URL("../", document.baseURI);

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error;
    super((error && error.message) || (body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.code = error ? error.code : null;
    this.suggestion = error ? error.suggestion : null;
  }
}

export function key() { return sessionStorage.getItem(KEY); }
export function setKey(value) { sessionStorage.setItem(KEY, value); }
export function forgetKey() { sessionStorage.removeItem(KEY); }

/** Call a route; resolve with its JSON, or reject with an ApiError. */
export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const token = key();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(new URL(path, root), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, { detail: `the server cannot be reached (${error.message})` });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const failure = new ApiError(response.status, data);
    if (response.status === 401) document.dispatchEvent(new CustomEvent("engram:unauthorised"));
    throw failure;
  }
  return data;
}

/** The ids of a scope ({type: "user", id}) as request fields. */
export function ids(scope) {
  return scope ? { [`${scope.type}_id`]: scope.id } : {};
}

function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") q.set(name, String(value));
  }
  return q.toString();
}

export const api = {
  ping: () => call("GET", "v1/ping/"),
  scopes: () => call("GET", "entities"),
  browse: (scope, options) => call("POST", "browse", { ...ids(scope), ...options }),
  explain: (scope, options) => call("POST", "explain", { ...ids(scope), ...options }),
  memory: (id) => call("GET", `v1/memories/${encodeURIComponent(id)}/`),
  history: (id) => call("GET", `v1/memories/${encodeURIComponent(id)}/history/`),
  update: (id, text, metadata) =>
    call("PUT", `v1/memories/${encodeURIComponent(id)}/`, { text, metadata }),
  remove: (id) => call("DELETE", `v1/memories/${encodeURIComponent(id)}/`),
  entities: (scope, limit = 500) => call("GET", `graph/entities?${query({ ...ids(scope), limit })}`),
  relations: (scope, options = {}) =>
    call("GET", `graph/relations?${query({ ...ids(scope), ...options })}`),
};
