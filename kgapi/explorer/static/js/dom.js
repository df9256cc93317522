// Small DOM helpers. Text from the API only ever reaches the page through textContent and
// attributes set one by one, never through innerHTML, so no name or quote can become markup.

/**
 * Create an element: el("li", { class: "hit", dataset: { slug } }, "text", otherNode).
 * Strings among the children become text nodes.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (key === "class") {
      node.className = value;
    } else if (key === "onclick") {
      node.addEventListener("click", value);
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Replace every child of node with the given children. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`explorer: #${id} is missing from index.html`);
  return node;
}

/** Set a status line's text; kind "error" styles it and makes screen readers say it at once. */
export function setStatus(node, text, kind = "info") {
  node.textContent = text;
  node.dataset.kind = kind;
  node.setAttribute("role", kind === "error" ? "alert" : "status");
}
