// The view lives in the URL fragment (#q=…&focus=…&expanded=a,b&path=x,y&edge=…&lang=bn), so a
// researcher shares a view by copying the address bar, and loading that address rebuilds it.
// The fragment never reaches the server, and every value goes to the API as a GraphQL variable.

const MAX_EXPANDED = 40; // a shared URL must not be able to fire hundreds of requests
const MAX_VALUE_LENGTH = 200;

/** The empty view. */
export function emptyView() {
  return { q: "", focus: null, expanded: [], path: null, edge: null, lang: "en" };
}

function clean(value) {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed && trimmed.length <= MAX_VALUE_LENGTH ? trimmed : null;
}

function list(value) {
  if (!value) return [];
  const seen = new Set();
  for (const part of value.split(",")) {
    const item = clean(part);
    if (item) seen.add(item);
  }
  return [...seen];
}

/** Parse a location.hash ("#q=…") into a view; unknown keys and bad values are dropped. */
export function parseHash(hash) {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const view = emptyView();
  view.q = (params.get("q") ?? "").slice(0, MAX_VALUE_LENGTH);
  view.focus = clean(params.get("focus"));
  view.expanded = list(params.get("expanded"))
    .filter((slug) => slug !== view.focus)
    .slice(0, MAX_EXPANDED);
  const path = list(params.get("path"));
  view.path = path.length === 2 ? [path[0], path[1]] : null;
  view.edge = clean(params.get("edge"));
  view.lang = params.get("lang") === "bn" ? "bn" : "en";
  return view;
}

/** The fragment for a view ("" for the empty view), keys in a stable order, commas readable. */
export function formatHash(view) {
  const parts = [];
  const add = (key, values) => {
    parts.push(`${key}=${values.map((value) => encodeURIComponent(value)).join(",")}`);
  };
  if (view.q) add("q", [view.q]);
  if (view.focus) add("focus", [view.focus]);
  if (view.expanded.length > 0) add("expanded", view.expanded);
  if (view.path) add("path", view.path);
  if (view.edge) add("edge", [view.edge]);
  if (view.lang !== "en") add("lang", [view.lang]);
  return parts.length > 0 ? `#${parts.join("&")}` : "";
}
