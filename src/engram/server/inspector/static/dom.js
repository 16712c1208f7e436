// Small DOM helpers. Text is only ever inserted as text (textContent), never as HTML, so
// nothing stored in a memory can become markup or script.

/** An element: h("td", {class: "x", onclick: f}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** An SVG element, attributes as given. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside ``el``. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An ISO timestamp, briefly, in the reader's locale and time zone. */
export function brief(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

/** A <time> showing an ISO timestamp briefly, with the full value as its title. */
export function when(iso) {
  if (!iso) return h("span", { class: "none" }, "—");
  return h("time", { datetime: iso, title: iso }, brief(iso));
}

/** Announce a short message in the status line (a live region). */
export function say(message, kind = "info") {
  const status = document.getElementById("status");
  status.textContent = message;
  status.dataset.kind = kind;
  clearTimeout(say.timer);
  if (kind !== "error") say.timer = setTimeout(() => { status.textContent = ""; }, 6000);
}

/** Show a modal dialog; resolve with its form's submit (true) or a cancel (false). */
export function ask(dialog, onSubmit) {
  const form = dialog.querySelector("form");
  return new Promise((resolve) => {
    const done = (value) => {
      form.removeEventListener("submit", submit);
      dialog.removeEventListener("cancel", cancel);
      for (const b of dialog.querySelectorAll("[data-close]")) b.removeEventListener("click", cancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const submit = async (event) => {
      event.preventDefault();
      try {
        if (onSubmit && (await onSubmit()) === false) return; // stays open (an error shown)
      } catch (error) {
        return;
      }
      done(true);
    };
    const cancel = (event) => { event.preventDefault(); done(false); };
    form.addEventListener("submit", submit);
    dialog.addEventListener("cancel", cancel);
    for (const b of dialog.querySelectorAll("[data-close]")) b.addEventListener("click", cancel);
    dialog.showModal();
  });
}

/** A number with thousands separators. */
export function count(n) {
  return Number(n).toLocaleString("en-US");
}

/** A paragraph saying what went wrong, and what to do. */
export function failure(error) {
  return h(
    "p",
    { class: "error", role: "alert" },
    error.message,
    error.suggestion ? h("span", { class: "hint" }, ` (${error.suggestion})`) : null,
  );
}
