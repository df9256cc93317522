// Kind and status badges. Their colours come from vocabulary.js through CSS custom properties
// set with the CSSOM (allowed by the page's Content-Security-Policy, unlike style attributes),
// so the graph, the legend and the panels can never disagree on a colour.

import { el } from "./dom.js";
import {
  STATUS_STYLES,
  UNKNOWN_STATUS_STYLE,
  kindColour,
  kindLabel,
  kindShape,
  statusLabel,
} from "./vocabulary.js";

/** Give node the look of a status: class status-badge, data-status, its colour and line. */
export function paintStatus(node, status) {
  const style = STATUS_STYLES[status] ?? UNKNOWN_STATUS_STYLE;
  node.classList.add("status-badge");
  node.dataset.status = status ?? "";
  node.textContent = statusLabel(status);
  node.style.setProperty("--status-colour", style.colour);
  node.style.setProperty("--status-line", style.line);
  node.style.setProperty("--status-width", `${Math.max(1, Math.round(style.width))}px`);
  node.style.setProperty("--status-opacity", String(style.opacity));
  return node;
}

/** Give node the look of an entity kind: its colour and readable name. */
export function paintKind(node, kind) {
  node.classList.add("kind-badge");
  node.dataset.kind = kind ?? "";
  node.textContent = kindLabel(kind);
  node.style.setProperty("--kind-colour", kindColour(kind));
  return node;
}

export function statusBadge(status) {
  return paintStatus(el("span"), status);
}

export function kindBadge(kind) {
  return paintKind(el("span"), kind);
}

/** A legend line: a short stroke drawn as the edges of that status are. */
export function statusSwatch(status) {
  const style = STATUS_STYLES[status] ?? UNKNOWN_STATUS_STYLE;
  const swatch = el("span", { class: "swatch-line", "aria-hidden": "true" });
  swatch.style.setProperty("--status-colour", style.colour);
  swatch.style.setProperty("--status-line", style.line);
  swatch.style.setProperty("--status-width", `${Math.max(1, Math.round(style.width))}px`);
  swatch.style.setProperty("--status-opacity", String(style.opacity));
  return swatch;
}

const SVG = "http://www.w3.org/2000/svg";

// The node shapes of graph.js, drawn in a 16×16 box for the legend.
const SHAPE_POINTS = {
  diamond: "8,1 15,8 8,15 1,8",
  hexagon: "4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8",
  triangle: "8,1.5 15,14.5 1,14.5",
  pentagon: "8,1 15,6.2 12.3,14.5 3.7,14.5 1,6.2",
  star: "8,0.8 10.1,5.6 15.3,6 11.4,9.4 12.5,14.6 8,11.9 3.5,14.6 4.6,9.4 0.7,6 5.9,5.6",
};

/** A legend mark: the kind's node shape in its colour. */
export function kindSwatch(kind) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "swatch-shape");
  const shape = kindShape(kind);
  let mark;
  if (shape === "ellipse") {
    mark = document.createElementNS(SVG, "circle");
    mark.setAttribute("cx", "8");
    mark.setAttribute("cy", "8");
    mark.setAttribute("r", "7");
  } else if (shape === "round-rectangle") {
    mark = document.createElementNS(SVG, "rect");
    for (const [key, value] of Object.entries({ x: 1, y: 1, width: 14, height: 14, rx: 3 })) {
      mark.setAttribute(key, String(value));
    }
  } else {
    mark = document.createElementNS(SVG, "polygon");
    mark.setAttribute("points", SHAPE_POINTS[shape] ?? SHAPE_POINTS.diamond);
  }
  mark.setAttribute("fill", kindColour(kind));
  svg.append(mark);
  return svg;
}
