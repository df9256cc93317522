// The evidence panel: for each span that states a claim, the sentence of the source document
// with the quote highlighted, the English rendering, and the document's title and language.
//
// Offsets are Unicode code points into the verbatim text (the API's contract), while JavaScript
// strings index UTF-16 units; so all slicing here goes through arrays of code points. Sentences
// are cut as kgapi/text.py cuts them (one splitter's rules, ported), so "the sentence" here is the
// one whose index the API reports.

import { el, replaceChildren } from "./dom.js";
import { paintStatus } from "./badges.js";

const TERMINATORS = new Set(["।", "?", "!"]);
const LEADING_NOISE = new Set([" ", "\t", "\u00a0", "•", "*", "-", "–", "—"]);
const TRAILING_NOISE = new Set([" ", "\t", "\u00a0"]);
const WHITESPACE = /^\s$/u;
const FALLBACK_CONTEXT = 160; // code points either side when a quote crosses sentences

const LANGUAGE_NAMES = { bn: "Bengali", en: "English" };

/** The text as an array of code points (what the API's offsets count). */
export function codePoints(text) {
  return Array.from(text ?? "");
}

function trimmed(cps, start, end) {
  let s = start;
  let e = end;
  while (s < e && LEADING_NOISE.has(cps[s])) s += 1;
  while (e > s && TRAILING_NOISE.has(cps[e - 1])) e -= 1;
  return [s, e];
}

/**
 * Sentences as [start, end) code-point offsets: a sentence ends at a danda, ? or ! (runs of them
 * together), or a full stop followed by whitespace or the end of the line, and never crosses a
 * line break. Mirrors kgapi.text.split_sentences.
 */
export function splitSentences(cps) {
  const spans = [];
  const push = (start, end) => {
    const [s, e] = trimmed(cps, start, end);
    if (e > s) spans.push({ index: spans.length, start: s, end: e });
  };
  let lineStart = 0;
  for (let i = 0; i <= cps.length; i += 1) {
    if (i < cps.length && cps[i] !== "\n") continue;
    let cursor = lineStart;
    let j = lineStart;
    while (j < i) {
      if (TERMINATORS.has(cps[j])) {
        let k = j;
        while (k < i && TERMINATORS.has(cps[k])) k += 1;
        push(cursor, k);
        cursor = k;
        j = k;
      } else if (cps[j] === "." && (j + 1 === i || WHITESPACE.test(cps[j + 1]))) {
        push(cursor, j + 1);
        cursor = j + 1;
        j += 1;
      } else {
        j += 1;
      }
    }
    push(cursor, i);
    lineStart = i + 1;
  }
  return spans;
}

/** The window to show around [start, end): its sentence, or some context when it crosses. */
export function sentenceWindow(cps, start, end) {
  const sentences = splitSentences(cps);
  const whole = sentences.find((s) => s.start <= start && end <= s.end);
  if (whole) return { start: whole.start, end: whole.end, index: whole.index };
  const first = sentences.find((s) => s.start <= start && start < s.end);
  const last = sentences.find((s) => s.start < end && end <= s.end);
  return {
    start: first ? first.start : Math.max(0, start - FALLBACK_CONTEXT),
    end: last ? last.end : Math.min(cps.length, end + FALLBACK_CONTEXT),
    index: null,
  };
}

function languageName(code) {
  const name = LANGUAGE_NAMES[code];
  return name ? `${name} (${code})` : code;
}

function renderSpan(evidence, position) {
  const doc = evidence.document;
  const lang = doc.language || undefined;
  const cps = codePoints(doc.text);
  const article = el("article", {
    class: "evidence-span",
    "aria-label": `Evidence ${position}`,
    dataset: {
      document: doc.slug,
      start: String(evidence.start),
      end: String(evidence.end),
      sentenceIndex: String(evidence.sentenceIndex),
    },
  });
  const header = el(
    "header",
    { class: "evidence-source" },
    el("p", { class: "doc-title", lang }, doc.title),
    doc.titleEn && doc.titleEn !== doc.title ? el("p", { class: "doc-title-en" }, doc.titleEn) : null,
    el(
      "p",
      { class: "doc-meta" },
      "Language: ",
      el("span", { class: "doc-language" }, languageName(doc.language)),
      ` · sentence ${evidence.sentenceIndex + 1} · characters ${evidence.start}–${evidence.end}`,
    ),
  );
  article.append(header);

  if (cps.length === 0 || evidence.end > cps.length || evidence.start < 0) {
    // A document stored without its text (listed only): show the quote as the API gives it.
    article.append(
      el("blockquote", { class: "sentence", lang }, el("mark", { class: "quote" }, evidence.quote)),
      el("p", { class: "warning" }, "The document's text is not stored; the quote is shown alone."),
    );
  } else {
    const shown = sentenceWindow(cps, evidence.start, evidence.end);
    const slice = (a, b) => cps.slice(a, b).join("");
    const quote = slice(evidence.start, evidence.end);
    article.append(
      el(
        "blockquote",
        { class: "sentence", lang },
        shown.start > 0 && shown.index === null ? "… " : null,
        slice(shown.start, evidence.start),
        el("mark", { class: "quote" }, quote),
        slice(evidence.end, shown.end),
        shown.end < cps.length && shown.index === null ? " …" : null,
      ),
    );
    if (quote !== evidence.quote) {
      article.append(
        el("p", { class: "warning", role: "alert" }, "The quote differs from the document text at its offsets."),
      );
    }
  }
  article.append(
    el(
      "p",
      { class: "translation" },
      el("span", { class: "translation-label" }, "English rendering: "),
      el("span", { class: "translation-text", lang: "en" }, evidence.translation ?? "(none given)"),
    ),
  );
  return article;
}

/** Fill the evidence panel with one claim (from api.fetchClaim). */
export function renderClaim(nodes, claim) {
  const sourceName = claim.source.name ?? claim.source.slug;
  const targetName = claim.target.name ?? claim.target.slug;
  replaceChildren(
    nodes.fact,
    el("span", { class: "fact-end" }, sourceName),
    " ",
    el("span", { class: "predicate" }, `—${claim.type}→`),
    " ",
    el("span", { class: "fact-end" }, targetName),
  );
  paintStatus(nodes.status, claim.status);
  nodes.claim.textContent = claim.claimId;
  replaceChildren(
    nodes.qualifiers,
    claim.qualifiers.flatMap((q) => [el("dt", {}, q.key), el("dd", {}, q.value)]),
  );
  nodes.qualifiers.hidden = claim.qualifiers.length === 0;
  replaceChildren(
    nodes.spans,
    claim.evidence.length === 0
      ? el("p", {}, "No evidence span is recorded for this claim.")
      : claim.evidence.map((evidence, i) => renderSpan(evidence, i + 1)),
  );
}
