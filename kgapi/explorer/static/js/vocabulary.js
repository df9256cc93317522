// The explorer's visual vocabulary: one colour per entity kind and one line style per claim
// status. A unit test checks that every kind and status of kgapi/model.py has an entry here, so
// a new kind never shows up uncoloured.

/**
 * Node colour and shape per EntityKind (GraphQL enum names). Fifteen colours cannot all be far
 * apart, so kinds whose colours are close differ in shape: places are circles, actors rounded
 * squares, agreements diamonds, things triangles, events stars.
 */
export const KIND_STYLES = Object.freeze({
  COUNTRY: { colour: "#1f77b4", shape: "ellipse" },
  CITY: { colour: "#6baed6", shape: "ellipse" },
  REGION: { colour: "#17becf", shape: "ellipse" },
  PERSON: { colour: "#d62728", shape: "round-rectangle" },
  OFFICE: { colour: "#ff7f0e", shape: "round-rectangle" },
  MINISTRY: { colour: "#8c564b", shape: "round-rectangle" },
  ASSOCIATION: { colour: "#e377c2", shape: "round-rectangle" },
  AGREEMENT: { colour: "#2ca02c", shape: "diamond" },
  CORRIDOR: { colour: "#9467bd", shape: "hexagon" },
  COMMODITY: { colour: "#bcbd22", shape: "triangle" },
  SECTOR: { colour: "#7f7f7f", shape: "triangle" },
  CAPABILITY: { colour: "#393b79", shape: "triangle" },
  EVENT: { colour: "#e6550d", shape: "star" },
  INITIATIVE: { colour: "#00897b", shape: "pentagon" },
  GOAL: { colour: "#d4a017", shape: "pentagon" },
});

/** Colours alone, for badges. */
export const KIND_COLOURS = Object.freeze(
  Object.fromEntries(Object.entries(KIND_STYLES).map(([kind, style]) => [kind, style.colour])),
);

export const UNKNOWN_KIND_COLOUR = "#444444";

/**
 * How each claim status (ClaimStatus enum names) looks on an edge. The line style carries the status on its own (for
 * readers who do not tell colours apart); colour and width repeat it.
 */
export const STATUS_STYLES = Object.freeze({
  SIGNED: { label: "signed", line: "solid", width: 5, colour: "#1b5e20", opacity: 1 },
  IN_PROGRESS: { label: "in progress", line: "dashed", width: 3.5, colour: "#e65100", opacity: 1 },
  PLANNED: { label: "planned", line: "dotted", width: 3.5, colour: "#0d47a1", opacity: 1 },
  EXPECTED: { label: "expected", line: "dotted", width: 2.5, colour: "#5c8fd6", opacity: 0.6 },
  POSSIBLE: { label: "possible", line: "dotted", width: 1.5, colour: "#8e7cc3", opacity: 0.5 },
  STATED: { label: "stated", line: "solid", width: 1.5, colour: "#555555", opacity: 1 },
  RETRACTED: { label: "retracted", line: "dashed", width: 1, colour: "#b0b0b0", opacity: 0.5 },
});

export const UNKNOWN_STATUS_STYLE = Object.freeze({
  label: "no status",
  line: "solid",
  width: 1.5,
  colour: "#888888",
  opacity: 1,
});

/** The readable name of a status ("in progress" for IN_PROGRESS, a ClaimStatus value). */
export function statusLabel(status) {
  return (STATUS_STYLES[status] ?? UNKNOWN_STATUS_STYLE).label;
}

/** "AGREEMENT" → "Agreement". */
export function kindLabel(kind) {
  return kind ? kind.charAt(0) + kind.slice(1).toLowerCase() : "Unknown";
}

export function kindColour(kind) {
  return KIND_COLOURS[kind] ?? UNKNOWN_KIND_COLOUR;
}

export function kindShape(kind) {
  return KIND_STYLES[kind]?.shape ?? "ellipse";
}
