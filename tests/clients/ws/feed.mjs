// The change feed (graphChanged) as a graphql-ws user meets it: the npm `graphql-ws` client on
// `ws`, against a real kgapi server. Run by tests/integration/test_subscriptions_live.py:
//
//   node feed.mjs stream|resume|auth|cap|ping '{"url": "ws://127.0.0.1:PORT/graphql", ...}'
//
// Talks JSON lines: stdout carries progress (`{"away": ...}`) and, last, the figures; stdin
// carries the test's instructions (`{"resume": true}`, then `{"sent": [{slug, ackedAt}]}` with
// the writes it made and the wall-clock time, in ms, of each write's HTTP acknowledgement).
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [scenario, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions ?? '{}');
const FEED = `subscription Feed($afterSeq: Int, $kinds: [EntityKind!]) {
  graphChanged(afterSeq: $afterSeq, kinds: $kinds) { seq operation targetId }
}`;
const DEADLINE_MS = options.deadlineMs ?? 120_000; // a hung server fails the test, not CI

const now = () => performance.timeOrigin + performance.now(); // wall clock, sub-millisecond
const emit = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

// Instructions from the test, one JSON object per stdin line, awaited by key.
const inbox = [];
const waiting = [];
createInterface({ input: process.stdin }).on('line', (line) => {
  for (const [key, value] of Object.entries(JSON.parse(line))) {
    const index = waiting.findIndex((w) => w.key === key);
    if (index === -1) inbox.push({ key, value });
    else waiting.splice(index, 1)[0].resolve(value);
  }
});
function instruction(key) {
  const index = inbox.findIndex((m) => m.key === key);
  if (index !== -1) return Promise.resolve(inbox.splice(index, 1)[0].value);
  return new Promise((resolve) => waiting.push({ key, resolve }));
}

function client(extra = {}) {
  return createClient({
    url: options.url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    shouldRetry: () => false,
    ...extra,
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank] * 10) / 10;
}

// Every event of this run (its slugs share a prefix), with the time it arrived.
function feed(connection, afterSeq, received, onEvent) {
  return new Promise((resolve, reject) => {
    const stop = connection.subscribe(
      { query: FEED, variables: { afterSeq, kinds: options.kinds ?? null } },
      {
        next: ({ data, errors }) => {
          if (errors) return reject(new Error(JSON.stringify(errors)));
          const event = data.graphChanged;
          if (!event.targetId.startsWith(options.prefix)) return;
          received.push({ ...event, receivedAt: now() });
          onEvent(event, stop);
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(),
      },
    );
  });
}

// Latency counts the events acknowledged after `liveSince` (ms): earlier ones waited for the
// client, not for the server.
function figures(sent, received, extra = {}, liveSince = 0) {
  const ackedAt = new Map(sent.map((s) => [s.slug, s.ackedAt]));
  const counts = new Map();
  for (const event of received) counts.set(event.targetId, (counts.get(event.targetId) ?? 0) + 1);
  const seqs = received.map((e) => e.seq);
  const firstArrival = new Map();
  for (const event of received) {
    if (!firstArrival.has(event.targetId)) firstArrival.set(event.targetId, event.receivedAt);
  }
  const latencies = [...firstArrival]
    .filter(([slug]) => ackedAt.has(slug) && ackedAt.get(slug) > liveSince)
    .map(([slug, at]) => at - ackedAt.get(slug))
    .sort((a, b) => a - b);
  return {
    scenario,
    sent: sent.length,
    received: received.length,
    distinct: counts.size,
    missed: sent.filter((s) => !counts.has(s.slug)).length,
    duplicated: [...counts.values()].filter((n) => n > 1).length,
    unexpected: [...counts.keys()].filter((slug) => !ackedAt.has(slug)).length,
    inSeqOrder: seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    ...extra,
  };
}

// Waits until every sent write has arrived (or the deadline passes), then stops the feed.
async function collect(received, whenAllIn) {
  const sent = await instruction('sent');
  const slugs = new Set(sent.map((s) => s.slug));
  const seen = () => new Set(received.map((e) => e.targetId));
  const until = now() + DEADLINE_MS;
  while (![...slugs].every((slug) => seen().has(slug)) && now() < until) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 2 * (options.pollMs ?? 500))); // late duplicates show
  whenAllIn();
  return sent;
}

async function stream() {
  const connection = client();
  const received = [];
  let stopFeed = () => {};
  const done = feed(connection, options.afterSeq, received, (_, stop) => (stopFeed = stop));
  emit({ subscribed: true });
  const sent = await collect(received, () => stopFeed());
  await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
  await connection.dispose();
  emit(figures(sent, received));
}

async function resume() {
  const received = [];
  // First connection: leave (the socket closes) after `leaveAfter` events.
  let first = client();
  let lastSeq = options.afterSeq;
  await new Promise((resolve, reject) => {
    feed(first, options.afterSeq, received, (event, stop) => {
      lastSeq = event.seq;
      if (received.length === options.leaveAfter) {
        stop();
        resolve();
      }
    }).catch(reject);
  });
  await first.dispose();
  const leftAt = now();
  emit({ away: { lastSeq, received: received.length } });
  await instruction('resume');
  // Second connection: resume from the last seq seen; the backlog, then live events.
  const resumedAt = now();
  const second = client();
  const before = received.length;
  let stopFeed = () => {};
  const done = feed(second, lastSeq, received, (_, stop) => (stopFeed = stop));
  const sent = await collect(received, () => stopFeed());
  await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
  await second.dispose();
  const ackedAt = new Map(sent.map((s) => [s.slug, s.ackedAt]));
  const afterResume = received.slice(before);
  emit(
    figures(sent, received, {
      leftAfterSeq: lastSeq,
      beforeLeaving: before,
      afterResuming: afterResume.length,
      // committed while the client was away: only the audit trail could deliver these
      committedWhileAway: afterResume.filter((e) => {
        const acked = ackedAt.get(e.targetId);
        return acked !== undefined && acked > leftAt && acked < resumedAt;
      }).length,
      liveAfterResuming: afterResume.filter((e) => (ackedAt.get(e.targetId) ?? 0) > resumedAt).length,
    }, resumedAt),
  );
}

// Connects with `connectionParams` and runs a small read over the socket: the
// outcome is either the answer or the close code and reason the server gave.
async function attempt(connectionParams) {
  let pongs = 0;
  let closed = null;
  const connection = client({
    connectionParams,
    lazy: false, // stay connected after the answer, for the keep-alive rounds
    onNonLazyError: () => {}, // the refusal is reported below
    keepAlive: 100, // graphql-transport-ws ping messages; strawberry answers pong
    on: {
      pong: () => (pongs += 1),
      closed: (event) => (closed = { code: event.code, reason: event.reason }),
    },
  });
  try {
    const iterator = connection.iterate({ query: '{ entity(slug: "pakistan") { slug } }' });
    const { value } = await iterator.next();
    await new Promise((r) => setTimeout(r, 350)); // a few keep-alive rounds
    await iterator.return?.();
    return { accepted: true, data: value.data ?? null, errors: value.errors ?? null, pongs };
  } catch (error) {
    return { accepted: false, code: error.code ?? closed?.code ?? null, reason: error.reason ?? closed?.reason ?? String(error) };
  } finally {
    await connection.dispose();
  }
}

async function auth() {
  const results = {};
  for (const [name, params] of Object.entries(options.attempts)) results[name] = await attempt(params ?? undefined);
  emit({ scenario, results });
}

// Opens `limit + 1` feeds on separate sockets: `limit` deliver an event, one is refused; then
// one is closed and a new one gets its slot.
async function cap() {
  const open = [];
  const outcomes = [];
  const openFeed = () => {
    const connection = client();
    return new Promise((resolve) => {
      const stop = connection.subscribe(
        { query: FEED, variables: { afterSeq: options.afterSeq } },
        {
          next: ({ data, errors }) => {
            if (errors) return resolve({ ok: false, errors });
            open.push({ connection, stop });
            resolve({ ok: true, seq: data.graphChanged.seq });
          },
          error: (errors) => {
            connection.dispose();
            resolve({ ok: false, errors });
          },
          complete: () => resolve({ ok: false, completed: true }),
        },
      );
    });
  };
  for (let i = 0; i <= options.limit; i += 1) outcomes.push(await openFeed());
  // Give one slot back, then try again until the server has released it.
  const freed = open.shift();
  freed.stop();
  await freed.connection.dispose();
  let again = null;
  for (let i = 0; i < 50 && !again?.ok; i += 1) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    again = await openFeed();
  }
  for (const { connection } of open) await connection.dispose();
  emit({
    scenario,
    accepted: outcomes.filter((o) => o.ok).length,
    refused: outcomes.filter((o) => !o.ok).map((o) => o.errors),
    acceptedAfterOneClosed: again?.ok ?? false,
  });
}

// WebSocket-level pings (not graphql-transport-ws messages): `ws` answers them with pongs by
// itself; this counts them over `options.listenMs` on an acknowledged, idle connection.
async function ping() {
  let pings = 0;
  const socket = new WebSocket(options.url, 'graphql-transport-ws');
  socket.on('ping', () => (pings += 1));
  await new Promise((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => (JSON.parse(data).type === 'connection_ack' ? resolve() : null));
    socket.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, options.listenMs));
  const open = socket.readyState === WebSocket.OPEN;
  socket.close(1000);
  emit({ scenario, pings, openAfterListening: open });
}

const scenarios = { stream, resume, auth, cap, ping };
const timer = setTimeout(() => {
  emit({ error: `deadline of ${DEADLINE_MS} ms passed` });
  process.exit(2);
}, DEADLINE_MS + 30_000);
try {
  await scenarios[scenario]();
  clearTimeout(timer);
  process.exit(0);
} catch (error) {
  emit({ error: String(error?.stack ?? error) });
  process.exit(1);
}
