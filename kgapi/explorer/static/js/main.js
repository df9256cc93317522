// The explorer's controller: wires the page's controls to the API and the graph, and keeps the
// view in the URL so that loading a shared address rebuilds the same view.

import * as api from "./api.js";
import { byId, el, replaceChildren, setStatus } from "./dom.js";
import { renderClaim } from "./evidence.js";
import * as graph from "./graph.js";
import { emptyView, formatHash, parseHash } from "./urlstate.js";
import { kindBadge, kindSwatch, paintKind, paintStatus, statusBadge, statusSwatch } from "./badges.js";
import { KIND_COLOURS, STATUS_STYLES, kindLabel } from "./vocabulary.js";

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SUGGEST_DELAY_MS = 250;

// The one global: the app state. The view is what the URL holds; the rest is derived from it.
// It is reachable as window.kgExplorer for debugging and for the browser tests.
const app = {
  view: emptyView(),
  selected: null, // slug shown in the entity panel
  entities: new Map(), // slug → entity card, from every answer so far
  path: null, // the last path found (nodes and relations)
  cy: null,
  generation: 0, // bumped by each restore, so a slower, older restore stops midway
  pending: 0,
  searchSeq: 0,
};
window.kgExplorer = app;

const ui = {
  searchForm: byId("search-form"),
  searchInput: byId("search-input"),
  searchStatus: byId("search-status"),
  searchResults: byId("search-results"),
  pathForm: byId("path-form"),
  pathFrom: byId("path-from"),
  pathTo: byId("path-to"),
  pathSuggestions: byId("path-suggestions"),
  pathClear: byId("path-clear"),
  pathStatus: byId("path-status"),
  pathSteps: byId("path-steps"),
  legendStatus: byId("legend-status"),
  legendKinds: byId("legend-kinds"),
  labelLang: byId("label-lang"),
  graphFit: byId("graph-fit"),
  graphClear: byId("graph-clear"),
  graphStatus: byId("graph-status"),
  graph: byId("graph"),
  entityPanel: byId("entity-panel"),
  entityKind: byId("entity-kind"),
  entitySlug: byId("entity-slug"),
  entityName: byId("entity-name"),
  entityNameBn: byId("entity-name-bn"),
  entityAgreementStatus: byId("entity-agreement-status"),
  entityStatus: byId("entity-status"),
  entityParties: byId("entity-parties"),
  entityDescription: byId("entity-description"),
  entityAliases: byId("entity-aliases"),
  entityFocus: byId("entity-focus"),
  entityExpand: byId("entity-expand"),
  entityPathFrom: byId("entity-path-from"),
  entityPathTo: byId("entity-path-to"),
  entityRelations: byId("entity-relations"),
  evidencePanel: byId("evidence-panel"),
  evidenceHeading: byId("evidence-heading"),
  evidenceClose: byId("evidence-close"),
  evidenceFact: byId("evidence-fact"),
  evidenceStatus: byId("evidence-status"),
  evidenceQualifiers: byId("evidence-qualifiers"),
  evidenceClaim: byId("evidence-claim"),
  evidenceSpans: byId("evidence-spans"),
};

// ---- bookkeeping ------------------------------------------------------------------------

/** Run an async step while counting it in body[data-pending] (tests wait for "0"). */
async function busy(step) {
  app.pending += 1;
  document.body.dataset.pending = String(app.pending);
  try {
    return await step();
  } finally {
    app.pending -= 1;
    document.body.dataset.pending = String(app.pending);
  }
}

function remember(entities) {
  for (const entity of entities) app.entities.set(entity.slug, entity);
}

function nameOf(slug) {
  const entity = app.entities.get(slug);
  return entity ? entity.en ?? entity.bn ?? slug : slug;
}

/** Write the view into the URL: a new history entry when the focus changes, else in place. */
function writeUrl({ push = false } = {}) {
  const hash = formatHash(app.view);
  if (hash === location.hash || (hash === "" && location.hash === "")) return;
  const url = hash || `${location.pathname}${location.search}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

function showError(node, error) {
  setStatus(node, `Error: ${error.message}`, "error");
}

function updateGraphStatus() {
  const { nodes, edges } = graph.counts(app.cy);
  if (nodes === 0) {
    setStatus(ui.graphStatus, "Search for an entity and choose it to see its neighbourhood.");
  } else {
    setStatus(ui.graphStatus, `${nodes} entities and ${edges} facts in view. Click a node to expand it, an edge to read its evidence.`);
  }
}

function refreshMarks() {
  graph.markNodes(app.cy, {
    focus: app.view.focus,
    expanded: app.view.expanded,
    selected: app.selected,
  });
  graph.markEdge(app.cy, app.view.edge);
  graph.highlightPath(app.cy, app.view.path ? app.path : null);
}

// ---- legend -------------------------------------------------------------------------------

function renderLegend() {
  replaceChildren(
    ui.legendStatus,
    Object.entries(STATUS_STYLES).map(([status, style]) =>
      el("li", { dataset: { status } }, statusSwatch(status), style.label),
    ),
  );
  replaceChildren(
    ui.legendKinds,
    Object.keys(KIND_COLOURS).map((kind) =>
      el("li", { dataset: { kind } }, kindSwatch(kind), kindLabel(kind)),
    ),
  );
}

// ---- search -------------------------------------------------------------------------------

async function runSearch(text) {
  const seq = ++app.searchSeq;
  if (!text.trim()) {
    replaceChildren(ui.searchResults);
    setStatus(ui.searchStatus, "");
    return;
  }
  setStatus(ui.searchStatus, "Searching…");
  try {
    const hits = await busy(() => api.searchEntities(text.trim()));
    if (seq !== app.searchSeq) return; // a newer search has started
    remember(hits.map((hit) => hit.entity));
    replaceChildren(
      ui.searchResults,
      hits.map(({ entity }) =>
        el(
          "li",
          {},
          el(
            "button",
            {
              type: "button",
              class: "hit",
              dataset: { slug: entity.slug, kind: entity.kind },
              onclick: () => focusOn(entity.slug),
            },
            el("span", { class: "hit-name" }, entity.en ?? entity.slug),
            entity.bn ? el("span", { class: "hit-name-bn", lang: "bn" }, entity.bn) : null,
            kindBadge(entity.kind),
          ),
        ),
      ),
    );
    setStatus(
      ui.searchStatus,
      hits.length === 0 ? `Nothing found for “${text}”.` : `${hits.length} found for “${text}”; choose one to see it in the graph.`,
    );
  } catch (error) {
    if (seq === app.searchSeq) showError(ui.searchStatus, error);
  }
}

// ---- entity panel -------------------------------------------------------------------------

function renderEntityPanel(slug) {
  const entity = app.entities.get(slug);
  if (!entity) {
    ui.entityPanel.hidden = true;
    return;
  }
  ui.entityPanel.hidden = false;
  ui.entityPanel.dataset.slug = slug;
  paintKind(ui.entityKind, entity.kind);
  ui.entitySlug.textContent = entity.slug;
  ui.entityName.textContent = entity.en ?? entity.bn ?? entity.slug;
  ui.entityNameBn.textContent = entity.bn ?? "";
  ui.entityNameBn.hidden = !entity.bn;
  const isAgreement = entity.kind === "AGREEMENT";
  ui.entityAgreementStatus.hidden = !isAgreement;
  if (isAgreement) {
    paintStatus(ui.entityStatus, entity.status);
  }
  const parties = entity.parties ?? [];
  ui.entityParties.hidden = parties.length === 0;
  ui.entityParties.textContent = parties.length ? `Parties: ${parties.map((p) => p.name ?? p.slug).join(", ")}` : "";
  ui.entityDescription.textContent = entity.description ?? "";
  ui.entityAliases.textContent = entity.aliases?.length ? `Also: ${entity.aliases.join(" · ")}` : "";
  ui.entityAliases.hidden = !entity.aliases?.length;

  const relations = graph.relationsOf(app.cy, slug);
  replaceChildren(
    ui.entityRelations,
    relations.length === 0
      ? el("li", { class: "muted" }, "None in view yet: expand this entity.")
      : relations.map((relation) =>
          el(
            "li",
            { dataset: { claim: relation.claimId } },
            el(
              "button",
              {
                type: "button",
                class: "relation-button",
                title: "Read the evidence",
                onclick: () => openEvidence(relation.claimId, { moveFocus: true }),
              },
              relation.outgoing ? `—${relation.type}→ ${nameOf(relation.other)}` : `${nameOf(relation.other)} —${relation.type}→`,
            ),
            " ",
            statusBadge(relation.status),
            " ",
            el(
              "button",
              {
                type: "button",
                class: "link-button",
                "aria-label": `Expand ${nameOf(relation.other)}`,
                onclick: () => expand(relation.other),
              },
              "expand",
            ),
          ),
        ),
  );
}

function select(slug) {
  app.selected = slug;
  renderEntityPanel(slug);
  refreshMarks();
  document.title = slug ? `${nameOf(slug)} — kgapi explorer` : "kgapi explorer";
}

// ---- graph operations ---------------------------------------------------------------------

/** Fetch a neighbourhood and merge it; false (with a message) when the slug is unknown. */
async function mergeNeighborhood(slug, anchor) {
  const subgraph = await busy(() => api.fetchNeighborhood(slug));
  if (!subgraph) {
    setStatus(ui.graphStatus, `No entity has the slug “${slug}”.`, "error");
    return false;
  }
  remember(subgraph.nodes);
  graph.mergeSubgraph(app.cy, subgraph, anchor, app.view.lang);
  return true;
}

/** Make slug the centre of a fresh graph (a new history entry: Back returns to the last one). */
async function focusOn(slug) {
  app.generation += 1; // a restore still running must not add to the new graph
  app.view = { ...app.view, focus: slug, expanded: [], path: null, edge: null };
  app.path = null;
  writeUrl({ push: true });
  graph.clear(app.cy);
  closeEvidencePanel();
  clearPathResult();
  try {
    if (await mergeNeighborhood(slug, null)) {
      graph.layout(app.cy);
      select(slug);
      updateGraphStatus();
    }
  } catch (error) {
    showError(ui.graphStatus, error);
  }
}

/** Merge slug's neighbourhood into the graph (clicking a node does this). */
async function expand(slug) {
  const known = slug === app.view.focus || app.view.expanded.includes(slug);
  if (!known) {
    app.view = { ...app.view, expanded: [...app.view.expanded, slug] };
    writeUrl();
    try {
      if (await mergeNeighborhood(slug, slug)) graph.layout(app.cy);
    } catch (error) {
      showError(ui.graphStatus, error);
      return;
    }
    updateGraphStatus();
  }
  select(slug);
}

function clearGraph() {
  app.generation += 1;
  app.view = { ...app.view, focus: null, expanded: [], path: null, edge: null };
  app.path = null;
  writeUrl({ push: true });
  graph.clear(app.cy);
  closeEvidencePanel();
  clearPathResult();
  select(null);
  updateGraphStatus();
}

// ---- evidence -----------------------------------------------------------------------------

async function openEvidence(claimId, { moveFocus = false } = {}) {
  app.view = { ...app.view, edge: claimId };
  writeUrl();
  refreshMarks();
  try {
    const claim = await busy(() => api.fetchClaim(claimId));
    if (app.view.edge !== claimId) return; // another edge was chosen meanwhile
    if (!claim) {
      setStatus(ui.graphStatus, `No claim has the id “${claimId}”.`, "error");
      return;
    }
    renderClaim(
      {
        fact: ui.evidenceFact,
        status: ui.evidenceStatus,
        qualifiers: ui.evidenceQualifiers,
        claim: ui.evidenceClaim,
        spans: ui.evidenceSpans,
      },
      claim,
    );
    ui.evidencePanel.dataset.claim = claim.claimId;
    ui.evidencePanel.hidden = false;
    ui.evidencePanel.scrollIntoView({ block: "nearest" });
    if (moveFocus) ui.evidenceHeading.focus();
  } catch (error) {
    showError(ui.graphStatus, error);
  }
}

function closeEvidencePanel() {
  ui.evidencePanel.hidden = true;
  delete ui.evidencePanel.dataset.claim;
}

function closeEvidence() {
  app.view = { ...app.view, edge: null };
  writeUrl();
  closeEvidencePanel();
  refreshMarks();
}

// ---- path finder --------------------------------------------------------------------------

/** A typed name or slug → an entity: an exact slug first, else the best search hit. */
async function resolveEntity(text) {
  const value = text.trim();
  if (!value) return null;
  if (SLUG.test(value)) {
    const entity = await busy(() => api.fetchEntity(value));
    if (entity) return entity;
  }
  const hits = await busy(() => api.searchEntities(value, 1));
  return hits.length > 0 ? hits[0].entity : null;
}

function clearPathResult() {
  replaceChildren(ui.pathSteps);
  setStatus(ui.pathStatus, "");
  graph.highlightPath(app.cy, null);
}

function renderPathSteps(path) {
  const items = [];
  path.relations.forEach((relation, i) => {
    const from = path.nodes[i].slug;
    const to = path.nodes[i + 1].slug;
    const forward = relation.source.slug === from;
    items.push(
      el(
        "li",
        { dataset: { claim: relation.claimId } },
        el("span", { class: "step-end" }, nameOf(from)),
        " ",
        el(
          "button",
          {
            type: "button",
            class: "relation-button",
            title: "Read the evidence",
            onclick: () => openEvidence(relation.claimId, { moveFocus: true }),
          },
          forward ? `—${relation.type}→` : `←${relation.type}—`,
        ),
        " ",
        statusBadge(relation.status),
        " ",
        el("span", { class: "step-end" }, nameOf(to)),
      ),
    );
  });
  replaceChildren(ui.pathSteps, items);
}

/** Find, show and highlight the shortest chain of facts between two slugs. */
async function showPath(fromSlug, toSlug) {
  const path = await busy(() => api.fetchPath(fromSlug, toSlug));
  if (!path) {
    app.path = null;
    graph.highlightPath(app.cy, null);
    replaceChildren(ui.pathSteps);
    setStatus(ui.pathStatus, `No chain of facts links ${nameOf(fromSlug)} and ${nameOf(toSlug)}.`, "error");
    return false;
  }
  remember(path.nodes);
  app.path = path;
  graph.mergeSubgraph(app.cy, path, app.view.focus, app.view.lang);
  renderPathSteps(path);
  setStatus(ui.pathStatus, `${path.length} ${path.length === 1 ? "step" : "steps"} from ${nameOf(fromSlug)} to ${nameOf(toSlug)}.`);
  ui.pathFrom.value = fromSlug;
  ui.pathTo.value = toSlug;
  return true;
}

async function findPath() {
  setStatus(ui.pathStatus, "Looking…");
  try {
    const [from, to] = await Promise.all([resolveEntity(ui.pathFrom.value), resolveEntity(ui.pathTo.value)]);
    if (!from || !to) {
      const missing = !from ? ui.pathFrom.value || "(empty)" : ui.pathTo.value || "(empty)";
      setStatus(ui.pathStatus, `No entity matches “${missing}”.`, "error");
      return;
    }
    remember([from, to]);
    app.view = { ...app.view, path: [from.slug, to.slug] };
    if (await showPath(from.slug, to.slug)) {
      writeUrl();
      graph.layout(app.cy);
      refreshMarks();
      updateGraphStatus();
      if (app.selected) renderEntityPanel(app.selected);
    } else {
      app.view = { ...app.view, path: null };
      writeUrl();
    }
  } catch (error) {
    showError(ui.pathStatus, error);
  }
}

function clearPath() {
  app.view = { ...app.view, path: null };
  app.path = null;
  writeUrl();
  clearPathResult();
}

let suggestTimer = null;
function suggest(text) {
  clearTimeout(suggestTimer);
  const value = text.trim();
  if (value.length < 2 || (SLUG.test(value) && app.entities.has(value))) return;
  suggestTimer = setTimeout(async () => {
    try {
      const hits = await api.searchEntities(value, 8);
      remember(hits.map((hit) => hit.entity));
      replaceChildren(
        ui.pathSuggestions,
        hits.map(({ entity }) =>
          el("option", { value: entity.slug, label: `${entity.en ?? entity.bn} (${kindLabel(entity.kind)})` }),
        ),
      );
    } catch {
      // Suggestions are a convenience; the path search itself reports errors.
    }
  }, SUGGEST_DELAY_MS);
}

// ---- restoring a view from the URL ---------------------------------------------------------

async function restore(view) {
  const generation = ++app.generation;
  const stale = () => generation !== app.generation;
  app.view = view;
  app.path = null;
  ui.searchInput.value = view.q;
  ui.labelLang.value = view.lang;
  graph.clear(app.cy);
  closeEvidencePanel();
  clearPathResult();
  select(null);
  const searching = view.q ? runSearch(view.q) : Promise.resolve();
  try {
    if (view.focus && (await mergeNeighborhood(view.focus, null))) {
      // Fetch the expansions together, merge them in their order (positions grow from each).
      const answers = await Promise.all(view.expanded.map((slug) => busy(() => api.fetchNeighborhood(slug))));
      if (stale()) return;
      answers.forEach((subgraph, i) => {
        if (!subgraph) return;
        remember(subgraph.nodes);
        graph.mergeSubgraph(app.cy, subgraph, view.expanded[i], view.lang);
      });
    }
    if (stale()) return;
    if (view.path) {
      ui.pathFrom.value = view.path[0];
      ui.pathTo.value = view.path[1];
      await showPath(view.path[0], view.path[1]);
      if (stale()) return;
    }
    graph.layout(app.cy);
    const last = view.expanded.length > 0 ? view.expanded[view.expanded.length - 1] : view.focus;
    select(last && app.entities.has(last) ? last : null);
    if (app.cy.nodes().length > 0 || !view.focus) updateGraphStatus();
    if (view.edge) await openEvidence(view.edge);
  } catch (error) {
    if (!stale()) showError(ui.graphStatus, error);
  }
  await searching;
}

function restoreFromUrl() {
  const view = parseHash(location.hash);
  if (formatHash(view) === formatHash(app.view) && app.generation > 0) return;
  busy(() => restore(view));
}

// ---- wiring -------------------------------------------------------------------------------

function start() {
  renderLegend();
  app.cy = graph.createGraph(ui.graph, {
    onNode: (slug) => expand(slug),
    onEdge: (claimId) => openEvidence(claimId),
  });

  ui.searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    app.view = { ...app.view, q: ui.searchInput.value.trim() };
    writeUrl();
    runSearch(app.view.q);
  });
  ui.pathForm.addEventListener("submit", (event) => {
    event.preventDefault();
    findPath();
  });
  ui.pathFrom.addEventListener("input", () => suggest(ui.pathFrom.value));
  ui.pathTo.addEventListener("input", () => suggest(ui.pathTo.value));
  ui.pathClear.addEventListener("click", clearPath);
  ui.graphFit.addEventListener("click", () => graph.fit(app.cy));
  ui.graphClear.addEventListener("click", clearGraph);
  ui.labelLang.addEventListener("change", () => {
    app.view = { ...app.view, lang: ui.labelLang.value === "bn" ? "bn" : "en" };
    graph.setLabelLanguage(app.cy, app.view.lang);
    writeUrl();
  });
  ui.entityFocus.addEventListener("click", () => app.selected && focusOn(app.selected));
  ui.entityExpand.addEventListener("click", () => app.selected && expand(app.selected));
  ui.entityPathFrom.addEventListener("click", () => {
    if (!app.selected) return;
    ui.pathFrom.value = app.selected;
    ui.pathTo.focus();
  });
  ui.entityPathTo.addEventListener("click", () => {
    if (!app.selected) return;
    ui.pathTo.value = app.selected;
    ui.pathFrom.focus();
  });
  ui.evidenceClose.addEventListener("click", closeEvidence);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !ui.evidencePanel.hidden) closeEvidence();
  });
  // Back/forward and a hash typed or pasted into the address bar both rebuild the view.
  window.addEventListener("popstate", restoreFromUrl);
  window.addEventListener("hashchange", restoreFromUrl);

  updateGraphStatus();
  restoreFromUrl();
}

start();
