// The dashboard's shell: polls dashboard/state, follows cluster/domain-events (Server-Sent
// Events), redraws in place, and keeps retrying when the node goes away, so a restarted node is
// picked up without a reload. Every URL is relative to the page (<base-path>/dashboard), which
// keeps it working under a base-path and behind `kubectl port-forward`. Rendering is in render.js.
import {
  EVENT_TYPES,
  applyEvent,
  knownFromState,
  renderBootstrap,
  renderEvents,
  renderMembers,
  renderReachability,
  renderSbr,
  renderSummary,
  shortNode,
  systemOf,
} from './render.js';

/** Bootstrap, the SBR and who-observes-whom are not in the event stream: poll them. */
const POLL_MS = 2000;
const RETRY_MS = [1000, 2000, 3000, 5000];
const MAX_LOG_ENTRIES = 300;

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

let state = null;
let fetchedAt = 0;
let known = null;
let stream = null;
let connection = 'connecting';
let lostSince = '';
let lostDetail = '';
let retries = 0;
let retryTimer = 0;
let refreshTimer = 0;
let inFlight = null;
const entries = [];

const clock = (date = new Date()) => date.toLocaleTimeString([], { hour12: false });

/** Sets innerHTML only when it changed, so hovering and selecting survive the redraw tick. */
function put(id, html) {
  const el = byId(id);
  if (el.dataset.html !== html) {
    el.dataset.html = html;
    el.innerHTML = html;
  }
}

function log(kind, text) {
  entries.unshift({ time: clock(), kind, text });
  entries.length = Math.min(entries.length, MAX_LOG_ENTRIES);
  put('events', renderEvents(entries));
}

function draw() {
  document.body.dataset.connection = connection;
  const pill = byId('connection');
  pill.className = `pill c-${connection}`;
  pill.textContent =
    connection === 'live' ? (state?.events ? 'live' : 'live · polling') : connection === 'gone' ? 'disconnected' : 'connecting…';
  const banner = byId('banner');
  banner.hidden = connection !== 'gone';
  if (connection === 'gone') {
    const who = state ? `${shortNode(state.selfNode)} (${location.host})` : location.host;
    banner.textContent = `The node ${who} has not answered since ${lostSince}: ${lostDetail}. Showing what it said last; retrying…`;
  }
  if (!state) return;
  const since = performance.now() - fetchedAt;
  document.title = `${systemOf(state.selfNode)} · ${shortNode(state.selfNode)} · Muster`;
  put('summary', renderSummary(state));
  put('members', renderMembers(state));
  put('reachability', renderReachability(state));
  put('bootstrap', renderBootstrap(state.bootstrap, connection === 'live' ? since : 0));
  put('sbr', renderSbr(state.splitBrainResolver, connection === 'live' ? since : 0));
  byId('updated').textContent = `state of ${clock(new Date(Date.now() - since))}`;
}

function onState(next) {
  const restarted = state !== null && next.selfUid !== state.selfUid;
  state = next;
  fetchedAt = performance.now();
  // Events are news relative to what is known; a new incarnation of the node starts afresh.
  if (known === null || restarted) known = knownFromState(next);
  if (connection !== 'live') {
    const name = shortNode(next.selfNode);
    if (restarted) log('warn', `${name} restarted (new uid ${next.selfUid})`);
    else log('info', `${connection === 'gone' ? 'reconnected to' : 'connected to'} ${name}`);
    connection = 'live';
    retries = 0;
    openStream();
  }
  draw();
}

function onLost(detail) {
  closeStream();
  if (connection !== 'gone') {
    lostSince = clock();
    log('bad', `lost the connection to ${state ? shortNode(state.selfNode) : location.host}: ${detail}`);
  }
  connection = 'gone';
  lostDetail = detail;
  draw();
  clearTimeout(retryTimer);
  retryTimer = window.setTimeout(refresh, RETRY_MS[Math.min(retries++, RETRY_MS.length - 1)]);
}

function refresh() {
  inFlight ??= (async () => {
    try {
      const res = await fetch('dashboard/state', { cache: 'no-store' });
      if (!res.ok) throw new Error(res.status === 401 ? 'credentials refused (401)' : `it answered HTTP ${res.status}`);
      onState(await res.json());
    } catch (e) {
      onLost(e instanceof TypeError ? 'no answer' : e instanceof Error ? e.message : String(e));
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(refresh, 100);
}

function onEvent(type, raw) {
  let data;
  try {
    data = JSON.parse(raw);
  } catch {
    return;
  }
  const result = applyEvent(known, type, data);
  known = result.known;
  if (result.entry) log(result.entry.kind, result.entry.text);
  scheduleRefresh();
}

function openStream() {
  closeStream();
  if (!state?.events) return;
  const source = new EventSource('cluster/domain-events');
  stream = source;
  for (const type of EVENT_TYPES) source.addEventListener(type, (e) => onEvent(type, /** @type {MessageEvent} */ (e).data));
  // The browser would retry on its own, but not after an HTTP error (503 while the node stops):
  // take over, so the banner shows and retries continue until the node is back.
  source.onerror = () => {
    if (stream === source) onLost('the event stream ended');
  };
}

function closeStream() {
  stream?.close();
  stream = null;
}

put('events', renderEvents(entries));
draw();
void refresh();
setInterval(() => {
  if (connection === 'live') void refresh();
}, POLL_MS);
setInterval(draw, 1000);
