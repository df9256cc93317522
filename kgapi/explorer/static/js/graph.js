// The graph view: a thin layer over cytoscape.js (vendored, loaded by index.html before the
// modules run). Nodes are entities coloured by kind; edges are claims, styled by status, so a
// signed agreement never looks like a planned one.

import {
  STATUS_STYLES,
  UNKNOWN_STATUS_STYLE,
  kindColour,
  kindShape,
  statusLabel,
} from "./vocabulary.js";

const FONT = 'system-ui, "Noto Sans", "Noto Sans Bengali", "Nirmala UI", Vrinda, sans-serif';

/** Element ids: cytoscape shares one id space between nodes and edges, so each gets a prefix. */
export const nodeId = (slug) => `n:${slug}`;
export const edgeId = (claimId) => `e:${claimId}`;

function stylesheet() {
  const edgeStyle = (s) => ({
    "line-style": s.line,
    width: s.width,
    "line-color": s.colour,
    "target-arrow-color": s.colour,
    opacity: s.opacity,
  });
  const rules = [
    {
      selector: "node",
      style: {
        "background-color": "data(colour)",
        shape: "data(shape)",
        label: "data(label)",
        "font-family": FONT,
        "font-size": 12,
        color: "#1a1a1a",
        "text-valign": "bottom",
        "text-margin-y": 4,
        "text-wrap": "wrap",
        "text-max-width": "140px",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": "2px",
        width: 26,
        height: 26,
        "border-width": 2,
        "border-color": "#ffffff",
      },
    },
    { selector: "node.expanded", style: { "border-width": 3, "border-color": "#222222" } },
    {
      selector: "node.focus",
      style: { width: 40, height: 40, "border-width": 4, "border-color": "#000000", "font-weight": "bold" },
    },
    {
      selector: "edge",
      style: {
        "curve-style": "bezier",
        "target-arrow-shape": "triangle",
        "arrow-scale": 1.2,
        label: "data(label)",
        "font-family": FONT,
        "font-size": 10,
        "min-zoomed-font-size": 7, // zoomed out, the line styles carry the status alone
        color: "#222222",
        "text-rotation": "autorotate",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.9,
        "text-background-padding": "1px",
        "line-dash-pattern": [9, 5],
        ...edgeStyle(UNKNOWN_STATUS_STYLE),
      },
    },
  ];
  for (const [status, style] of Object.entries(STATUS_STYLES)) {
    rules.push({ selector: `edge[status = "${status}"]`, style: edgeStyle(style) });
  }
  rules.push(
    {
      selector: ".on-path",
      style: { "underlay-color": "#ffb300", "underlay-padding": 7, "underlay-opacity": 0.55 },
    },
    {
      selector: "edge.chosen",
      style: {
        "underlay-color": "#7e57c2",
        "underlay-padding": 6,
        "underlay-opacity": 0.45,
        "font-weight": "bold",
        "z-index": 10,
      },
    },
    { selector: "node.selected-entity", style: { "underlay-color": "#7e57c2", "underlay-padding": 8, "underlay-opacity": 0.35 } },
  );
  return rules;
}

/** Create the view in `container`; onNode(slug) and onEdge(claimId) are called on a tap. */
export function createGraph(container, { onNode, onEdge }) {
  const cytoscape = globalThis.cytoscape;
  if (typeof cytoscape !== "function") {
    throw new Error("cytoscape.js did not load (static/vendor/cytoscape.min.js)");
  }
  const cy = cytoscape({
    container,
    style: stylesheet(),
    minZoom: 0.2,
    maxZoom: 3,
    boxSelectionEnabled: false,
    autoungrabify: false,
  });
  cy.on("tap", "node", (event) => onNode(event.target.data("slug")));
  cy.on("tap", "edge", (event) => onEdge(event.target.data("claimId")));
  return cy;
}

function nodeLabel(entity, lang) {
  return lang === "bn" ? entity.bn ?? entity.en ?? entity.slug : entity.en ?? entity.bn ?? entity.slug;
}

/**
 * Add a subgraph's entities and relations (those not yet shown). New nodes start on a circle
 * around `anchorSlug` (the node being expanded), so the layout grows the graph from there.
 */
export function mergeSubgraph(cy, subgraph, anchorSlug, lang) {
  const anchor = anchorSlug ? cy.getElementById(nodeId(anchorSlug)) : null;
  const centre = anchor && anchor.nonempty() ? anchor.position() : { x: 0, y: 0 };
  const fresh = subgraph.nodes.filter((n) => cy.getElementById(nodeId(n.slug)).empty());
  const radius = 90 + 12 * fresh.length;
  const elements = fresh.map((entity, i) => {
    const angle = (2 * Math.PI * i) / Math.max(fresh.length, 1);
    const atCentre = !anchor && i === 0; // the centre entity comes first
    return {
      group: "nodes",
      data: {
        id: nodeId(entity.slug),
        slug: entity.slug,
        kind: entity.kind,
        en: entity.en,
        bn: entity.bn,
        label: nodeLabel(entity, lang),
        colour: kindColour(entity.kind),
        shape: kindShape(entity.kind),
      },
      position: atCentre
        ? { ...centre }
        : { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) },
    };
  });
  for (const relation of subgraph.relations) {
    if (cy.getElementById(edgeId(relation.claimId)).nonempty()) continue;
    elements.push({
      group: "edges",
      data: {
        id: edgeId(relation.claimId),
        claimId: relation.claimId,
        source: nodeId(relation.source.slug),
        target: nodeId(relation.target.slug),
        type: relation.type,
        status: relation.status ?? "",
        label: `${relation.type} · ${statusLabel(relation.status)}`,
      },
    });
  }
  cy.add(elements);
  return fresh.length;
}

const MAX_FIT_ZOOM = 1.25; // a small graph fitted to the view would get huge labels

/** Lay the graph out again (force-directed, from the current positions) and fit it. */
export function layout(cy) {
  if (cy.elements().empty()) return;
  cy.layout({
    name: "cose",
    animate: false,
    randomize: false,
    fit: true,
    padding: 40,
    nodeDimensionsIncludeLabels: true,
    nodeRepulsion: () => 400000,
    nodeOverlap: 40,
    idealEdgeLength: () => 140,
    edgeElasticity: () => 100,
    gravity: 0.4,
    numIter: 2000,
  }).run();
  capZoom(cy);
}

function capZoom(cy) {
  if (cy.zoom() > MAX_FIT_ZOOM) {
    cy.zoom(MAX_FIT_ZOOM);
    cy.center();
  }
}

export function clear(cy) {
  cy.elements().remove();
}

export function fit(cy) {
  cy.fit(undefined, 40);
  capZoom(cy);
}

export function setLabelLanguage(cy, lang) {
  cy.nodes().forEach((node) => {
    node.data("label", nodeLabel({ slug: node.data("slug"), en: node.data("en"), bn: node.data("bn") }, lang));
  });
}

/** Mark the focus, the expanded nodes and the entity shown in the panel. */
export function markNodes(cy, { focus, expanded, selected }) {
  cy.nodes().removeClass("focus expanded selected-entity");
  if (focus) cy.getElementById(nodeId(focus)).addClass("focus");
  for (const slug of expanded) cy.getElementById(nodeId(slug)).addClass("expanded");
  if (selected) cy.getElementById(nodeId(selected)).addClass("selected-entity");
}

/** Highlight a path's nodes and edges (or remove the highlight when path is null). */
export function highlightPath(cy, path) {
  cy.elements().removeClass("on-path");
  if (!path) return;
  for (const entity of path.nodes) cy.getElementById(nodeId(entity.slug)).addClass("on-path");
  for (const relation of path.relations) cy.getElementById(edgeId(relation.claimId)).addClass("on-path");
}

/** Mark the edge whose evidence is open (null: none). */
export function markEdge(cy, claimId) {
  cy.edges().removeClass("chosen");
  if (claimId) cy.getElementById(edgeId(claimId)).addClass("chosen");
}

/** The relations touching an entity that are in view, as plain data for the entity panel. */
export function relationsOf(cy, slug) {
  const node = cy.getElementById(nodeId(slug));
  if (node.empty()) return [];
  return node
    .connectedEdges()
    .map((edge) => ({
      claimId: edge.data("claimId"),
      type: edge.data("type"),
      status: edge.data("status") || null,
      outgoing: edge.source().same(node),
      other: (edge.source().same(node) ? edge.target() : edge.source()).data("slug"),
    }))
    .sort((a, b) => a.type.localeCompare(b.type) || a.other.localeCompare(b.other));
}

export function counts(cy) {
  return { nodes: cy.nodes().length, edges: cy.edges().length };
}
