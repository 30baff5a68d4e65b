// The dashboard's pure parts: state JSON (GET dashboard/state) and domain events in, HTML
// strings and event-log entries out. No DOM, no clock, no network, so node's test runner
// checks them directly (test/management/dashboard-render.test.ts); app.js does the rest.
// Every value from the server is escaped: roles, versions and addresses come from config.

/** @param {unknown} value */
export function escapeHtml(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `pekko://system@host:port` -> `host:port`. @param {string} node */
export function shortNode(node) {
  const at = node.indexOf('@');
  return at >= 0 ? node.slice(at + 1) : node;
}

/** `pekko://system@host:port` -> `system`. @param {string} node */
export function systemOf(node) {
  const m = /^[a-z]+:\/\/([^@]+)@/.exec(node);
  return m ? m[1] : '';
}

/** @param {number} ms */
export function formatDuration(ms) {
  const v = Math.max(0, Math.round(ms));
  if (v < 1000) return `${v} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(1)} s`;
  const s = Math.floor(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const STATUS_CLASS = {
  Joining: 'joining',
  WeaklyUp: 'weakly-up',
  Up: 'up',
  PreparingForShutdown: 'leaving',
  ReadyForShutdown: 'leaving',
  Leaving: 'leaving',
  Exiting: 'leaving',
  Down: 'down',
  Removed: 'removed',
};

/** @param {string} status */
export function statusBadge(status) {
  const cls = STATUS_CLASS[/** @type {keyof typeof STATUS_CLASS} */ (status)] ?? 'removed';
  return `<span class="status s-${cls}">${escapeHtml(status)}</span>`;
}

/** @param {string} text @param {string} cls @param {string} [title] */
function tag(text, cls, title) {
  return `<span class="tag ${cls}"${title ? ` title="${escapeHtml(title)}"` : ''}>${escapeHtml(text)}</span>`;
}

/** Members in address order, as the server sends them. */
export function renderMembers(state) {
  if (state.members.length === 0) {
    return `<p class="empty">Not a member of any cluster yet (own status ${escapeHtml(state.selfStatus)}).</p>`;
  }
  const unreachable = new Set(state.unreachable.map((u) => u.node));
  const rows = state.members.map((m) => {
    const tags = [
      m.node === state.selfNode ? tag('this node', 't-self', 'the node serving this page') : '',
      m.node === state.leader ? tag('leader', 't-leader', 'performs the leader actions (moves members Up, removes them)') : '',
      m.node === state.oldest ? tag('oldest', 't-oldest', 'lowest up-number among Up members: where singletons run') : '',
      unreachable.has(m.node) ? tag('unreachable', 't-unreachable', 'some member sees this one as unreachable') : '',
    ].join('');
    const roles = m.roles.length ? m.roles.map((r) => `<span class="role">${escapeHtml(r)}</span>`).join(' ') : '<span class="dim">none</span>';
    return (
      `<tr data-member="${escapeHtml(m.node)}" data-status="${escapeHtml(m.status)}"${m.node === state.selfNode ? ' class="self"' : ''}>` +
      `<td class="node"><span class="addr">${escapeHtml(shortNode(m.node))}</span>${tags}</td>` +
      `<td>${statusBadge(m.status)}</td>` +
      `<td class="num">${m.upNumber === null ? '<span class="dim">–</span>' : escapeHtml(m.upNumber)}</td>` +
      `<td>${roles}</td>` +
      `<td class="mono">${m.appVersion ? escapeHtml(m.appVersion) : '<span class="dim">–</span>'}</td>` +
      `<td class="mono uid">${escapeHtml(m.nodeUid)}</td>` +
      '</tr>'
    );
  });
  return (
    '<div class="table-wrap"><table class="members"><thead><tr>' +
    '<th>member</th><th>status</th><th title="order in which members became Up: lower is older">up-number</th>' +
    '<th>roles</th><th>app-version</th><th>uid</th>' +
    `</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

/** Observer x subject: which member sees which as unreachable. */
export function renderReachability(state) {
  const nodes = state.members.map((m) => m.node);
  if (nodes.length === 0) return '<p class="empty">No members.</p>';
  const seenUnreachable = new Set(state.unreachable.flatMap((u) => u.observedBy.map((o) => `${o}\n${u.node}`)));
  // Columns are numbered after the rows, so the matrix stays narrow for clusters of many members.
  const head = nodes.map((n, i) => `<th class="subject" title="${escapeHtml(n)}">${i + 1}</th>`).join('');
  const rows = nodes.map((observer, i) => {
    const cells = nodes.map((subject) => {
      if (observer === subject) return '<td class="cell self" title="itself">·</td>';
      const bad = seenUnreachable.has(`${observer}\n${subject}`);
      const what = `${shortNode(observer)} sees ${shortNode(subject)} as ${bad ? 'unreachable' : 'reachable'}`;
      return `<td class="cell ${bad ? 'bad' : 'ok'}" data-observer="${escapeHtml(observer)}" data-subject="${escapeHtml(subject)}" title="${escapeHtml(what)}">${bad ? '✕' : '✓'}</td>`;
    });
    return `<tr><th class="observer" title="${escapeHtml(observer)}"><span class="idx">${i + 1}</span>${escapeHtml(shortNode(observer))}</th>${cells.join('')}</tr>`;
  });
  const records = state.unreachable.reduce((n, u) => n + u.observedBy.length, 0);
  const summary =
    records === 0
      ? '<p class="summary ok">Every member sees every other member as reachable.</p>'
      : `<p class="summary bad">${records} unreachable ${records === 1 ? 'observation' : 'observations'} of ${state.unreachable.length} ${state.unreachable.length === 1 ? 'member' : 'members'}.</p>`;
  return (
    summary +
    `<div class="matrix-wrap"><table class="matrix"><thead><tr><th class="corner">observer ↓ · subject →</th>${head}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

/** @param {string} label @param {string} valueHtml */
function row(label, valueHtml) {
  return `<tr><th>${escapeHtml(label)}</th><td>${valueHtml}</td></tr>`;
}

/**
 * Bootstrap's status; `sinceMs` is the time since it was fetched, so the stable-margin
 * countdown keeps running between fetches.
 */
export function renderBootstrap(bootstrap, sinceMs = 0) {
  if (!bootstrap) return '<p class="empty">Cluster bootstrap does not run in this process.</p>';
  const b = bootstrap;
  const parts = [];
  parts.push(row('phase', `<span class="phase p-${escapeHtml(b.phase)}">${escapeHtml(b.phase)}</span>`));
  if (b.reason) parts.push(row(b.phase === 'bootstrapping' ? 'not joined because' : 'note', `<span class="reason">${escapeHtml(b.reason)}</span>`));
  if (b.decision) {
    const seeds = b.decision.seedNodes?.length ? ` → ${b.decision.seedNodes.map((s) => escapeHtml(shortNode(s))).join(', ')}` : '';
    parts.push(row('decision', `<span class="mono">${escapeHtml(b.decision.type)}</span>${seeds}`));
  }
  parts.push(row('lookup', `<span class="mono">${escapeHtml(b.lookup)}</span> via <span class="mono">${escapeHtml(b.discoveryMethod)}</span>`));
  if (b.lastLookup) {
    const l = b.lastLookup;
    const result = l.ok
      ? `${l.resolved.length} ${l.resolved.length === 1 ? 'target' : 'targets'}`
      : `<span class="bad-text">failed: ${escapeHtml(l.error ?? 'unknown error')}</span>`;
    parts.push(row('last lookup', `${result}, ${escapeHtml(formatDuration(l.agoMs + sinceMs))} ago`));
  }
  const cps = b.contactPoints ?? [];
  parts.push(row('contact points', cps.length ? cps.map((c) => `<span class="chip">${escapeHtml(c)}</span>`).join(' ') : '<span class="dim">none discovered yet</span>'));
  const countdown = stableMarginCountdown(b, sinceMs);
  if (countdown) {
    const text = countdown.remainingMs > 0
      ? `stable for ${formatDuration(countdown.stableForMs)}; ${formatDuration(countdown.remainingMs)} left of ${formatDuration(countdown.marginMs)}`
      : `stable for ${formatDuration(countdown.stableForMs)} (≥ ${formatDuration(countdown.marginMs)})`;
    parts.push(row('stable-margin', `<progress max="${countdown.marginMs}" value="${countdown.marginMs - countdown.remainingMs}"></progress> ${escapeHtml(text)}`));
  }
  let probes = '';
  if (b.probes?.length) {
    probes =
      '<table class="probes"><thead><tr><th>contact point</th><th>last answer</th><th>its node</th><th>seed nodes</th></tr></thead><tbody>' +
      b.probes
        .map((p) => {
          const answer = p.lastAnswerAgoMs === undefined ? '<span class="dim">never</span>' : `${escapeHtml(formatDuration(p.lastAnswerAgoMs + sinceMs))} ago`;
          const problem = p.ignoredBecause ? `ignored: ${p.ignoredBecause}` : p.lastError;
          return (
            `<tr${problem ? ' class="has-problem"' : ''}><td class="mono">${escapeHtml(p.contactPoint)}</td><td>${answer}</td>` +
            `<td class="mono">${p.selfNode ? escapeHtml(shortNode(p.selfNode)) : '<span class="dim">–</span>'}</td>` +
            `<td class="num">${p.seedNodes.length}</td></tr>` +
            (problem ? `<tr class="problem"><td colspan="4" class="bad-text">${escapeHtml(problem)}</td></tr>` : '')
          );
        })
        .join('') +
      '</tbody></table>';
  }
  return `<table class="kv">${parts.join('')}</table>${probes}`;
}

/** The stable-margin progress while bootstrapping, or undefined when it does not apply. */
export function stableMarginCountdown(bootstrap, sinceMs = 0) {
  const b = bootstrap;
  if (!b || b.phase !== 'bootstrapping' || b.contactPointsStableForMs === undefined || b.stableMarginMs === undefined) return undefined;
  const stableForMs = b.contactPointsStableForMs + sinceMs;
  return { stableForMs, marginMs: b.stableMarginMs, remainingMs: Math.max(0, b.stableMarginMs - stableForMs) };
}

export function renderSbr(sbr, sinceMs = 0) {
  if (!sbr) {
    return '<p class="empty">No split brain resolver runs on this node (see <span class="mono">pekko.cluster.downing-provider-class</span>).</p>';
  }
  const head =
    `<table class="kv">${row('strategy', `<span class="mono">${escapeHtml(sbr.strategy)}</span>`)}` +
    `${row('stable-after', escapeHtml(formatDuration(sbr.stableAfterMs)))}</table>`;
  if (sbr.decisions.length === 0) {
    return `${head}<p class="empty">No decisions yet: this node has not led a side with unreachable members for stable-after.</p>`;
  }
  const rows = sbr.decisions.map((d) => {
    const lease = d.leaseAcquired === undefined ? '' : d.leaseAcquired ? ' (lease acquired)' : ' (lease not acquired)';
    const downed = d.downed.length ? d.downed.map((n) => escapeHtml(shortNode(n))).join(', ') : '<span class="dim">nobody</span>';
    return `<tr><td>${escapeHtml(formatDuration(d.agoMs + sinceMs))} ago</td><td class="mono">${escapeHtml(d.decision)}${escapeHtml(lease)}</td><td>${downed}</td></tr>`;
  });
  return `${head}<table class="decisions"><thead><tr><th>when</th><th>decision</th><th>downed</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const STATUS_RANK = {
  Joining: 0,
  WeaklyUp: 1,
  Up: 2,
  PreparingForShutdown: 3,
  ReadyForShutdown: 4,
  Leaving: 5,
  Exiting: 6,
  Down: 7,
  Removed: 8,
};

/** @param {string} status */
function rank(status) {
  return STATUS_RANK[/** @type {keyof typeof STATUS_RANK} */ (status)] ?? -1;
}

/**
 * What the page already knows, so the event log shows news only: the stream replays the
 * current state as events whenever it (re)connects, and those are not changes.
 */
export function knownFromState(state) {
  return {
    statuses: Object.fromEntries(state.members.map((m) => [m.node, m.status])),
    unreachable: state.unreachable.map((u) => u.node),
    leader: state.leader,
    roleLeaders: { ...state.roleLeaders },
  };
}

const MEMBER_EVENT_TEXT = {
  MemberJoined: ['joined', 'info'],
  MemberWeaklyUp: ['is WeaklyUp', 'good'],
  MemberUp: ['is Up', 'good'],
  MemberLeft: ['is leaving', 'warn'],
  MemberExited: ['exited', 'warn'],
  MemberDowned: ['was downed', 'bad'],
};

/**
 * One domain event (its SSE type and parsed data) against what is known: the new knowledge and
 * the log entry ({kind, text}), or entry null when the event tells nothing new.
 */
export function applyEvent(known, type, data) {
  const next = { ...known, statuses: { ...known.statuses }, unreachable: [...known.unreachable], roleLeaders: { ...known.roleLeaders } };
  const node = data?.member?.uniqueAddress?.address;
  const who = node ? shortNode(node) : '';
  if (Object.hasOwn(MEMBER_EVENT_TEXT, type) && node) {
    const status = String(data.member.status);
    const before = known.statuses[node];
    // A replayed or already-known status, or one the member has already moved past.
    if (before !== undefined && rank(status) <= rank(before)) return { known, entry: null };
    next.statuses[node] = status;
    const [text, kind] = MEMBER_EVENT_TEXT[/** @type {keyof typeof MEMBER_EVENT_TEXT} */ (type)];
    return { known: next, entry: { kind, text: `${who} ${text}` } };
  }
  switch (type) {
    case 'MemberRemoved': {
      if (!node || !(node in known.statuses)) return { known, entry: null };
      delete next.statuses[node];
      next.unreachable = next.unreachable.filter((n) => n !== node);
      return { known: next, entry: { kind: 'warn', text: `${who} was removed (was ${data.previousStatus ?? 'unknown'})` } };
    }
    case 'UnreachableMember':
      if (!node || known.unreachable.includes(node)) return { known, entry: null };
      next.unreachable.push(node);
      return { known: next, entry: { kind: 'bad', text: `${who} is unreachable` } };
    case 'ReachableMember':
      if (!node || !known.unreachable.includes(node)) return { known, entry: null };
      next.unreachable = next.unreachable.filter((n) => n !== node);
      return { known: next, entry: { kind: 'good', text: `${who} is reachable again` } };
    case 'LeaderChanged': {
      const leader = data?.address ?? null;
      if (leader === known.leader) return { known, entry: null };
      next.leader = leader;
      return { known: next, entry: { kind: 'info', text: leader ? `leader is now ${shortNode(leader)}` : 'no leader' } };
    }
    case 'RoleLeaderChanged': {
      const role = String(data?.role ?? '');
      const leader = data?.address ?? null;
      // Every member has its data-center role; its leader is the leader, already logged.
      if (role.startsWith('dc-') || (known.roleLeaders[role] ?? null) === leader) return { known, entry: null };
      next.roleLeaders[role] = leader;
      return { known: next, entry: { kind: 'info', text: `leader of role ${role} is now ${leader ? shortNode(leader) : 'nobody'}` } };
    }
    case 'ClusterShuttingDown':
      return { known, entry: { kind: 'bad', text: 'this node is shutting down its cluster membership' } };
    default:
      return { known, entry: null };
  }
}

/** The event types of GET cluster/domain-events. */
export const EVENT_TYPES = [
  'MemberJoined',
  'MemberWeaklyUp',
  'MemberUp',
  'MemberLeft',
  'MemberExited',
  'MemberDowned',
  'MemberRemoved',
  'LeaderChanged',
  'RoleLeaderChanged',
  'ClusterShuttingDown',
  'UnreachableMember',
  'ReachableMember',
];

/** Log entries ({time, kind, text}), newest first. */
export function renderEvents(entries) {
  if (entries.length === 0) return '<li class="empty">No events yet.</li>';
  return entries
    .map((e) => `<li class="ev ev-${escapeHtml(e.kind)}"><time>${escapeHtml(e.time)}</time><span>${escapeHtml(e.text)}</span></li>`)
    .join('');
}

/** The header line: cluster, node, own status and member counts. */
export function renderSummary(state) {
  const counts = {};
  for (const m of state.members) counts[m.status] = (counts[m.status] ?? 0) + 1;
  const countText = Object.entries(counts)
    .map(([s, n]) => `${n} ${s}`)
    .join(' · ');
  return (
    `<span class="sys">${escapeHtml(systemOf(state.selfNode))}</span>` +
    `<span class="sep">/</span><span class="mono">${escapeHtml(shortNode(state.selfNode))}</span> ${statusBadge(state.selfStatus)}` +
    `<span class="counts">${state.members.length} ${state.members.length === 1 ? 'member' : 'members'}${countText ? ` (${escapeHtml(countText)})` : ''}</span>`
  );
}
