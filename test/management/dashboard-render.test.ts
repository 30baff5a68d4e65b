// The dashboard's pure rendering (dashboard/render.js, the file the browser loads): what each
// section shows for a given state, escaping, the stable-margin countdown, and the event log
// showing only news, not the state the event stream replays on every (re)connect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEvent,
  escapeHtml,
  formatDuration,
  knownFromState,
  renderBootstrap,
  renderEvents,
  renderMembers,
  renderReachability,
  renderSbr,
  renderSummary,
  shortNode,
  stableMarginCountdown,
  type Bootstrap,
  type DashboardState,
  type Known,
} from '../../dashboard/render.js';

const A = 'pekko://shop@10.0.0.1:17355';
const B = 'pekko://shop@10.0.0.2:17355';
const C = 'pekko://shop@10.0.0.3:17355';

function state(patch: Partial<DashboardState> = {}): DashboardState {
  const m = (node: string, status: string, upNumber: number | null, extra: object = {}) => ({
    node, nodeUid: String(node.length), status, roles: [], dataCenter: 'default', upNumber, appVersion: '1.0.0', ...extra,
  });
  return {
    selfNode: A,
    selfUid: '1',
    selfStatus: 'Up',
    leader: A,
    roleLeaders: {},
    oldest: B,
    members: [m(A, 'Up', 2), m(B, 'Up', 1, { roles: ['web'], appVersion: '2.0.0' }), m(C, 'Joining', null)],
    unreachable: [],
    seenBy: [A],
    events: true,
    bootstrap: null,
    splitBrainResolver: null,
    ...patch,
  };
}

/** The text content of an HTML fragment, whitespace collapsed. */
const text = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
/** The elements' attribute values, in order. */
const attrs = (html: string, name: string) => [...html.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((x) => x[1]);

test('escapeHtml and the small formatters', () => {
  assert.equal(escapeHtml(`<img src=x onerror="a('b')">&`), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  assert.equal(shortNode(A), '10.0.0.1:17355');
  assert.equal(shortNode('pekko://s@[::1]:1'), '[::1]:1');
  assert.deepEqual([0, 999, 1500, 61_000, 3_723_000].map(formatDuration), ['0 ms', '999 ms', '1.5 s', '1 min 1 s', '1 h 2 min']);
});

test('members: one row per member with status, up-number, roles, app-version and the self/leader/oldest marks', () => {
  const html = renderMembers(state({ unreachable: [{ node: C, observedBy: [A] }] }));
  assert.deepEqual(attrs(html, 'data-member'), [A, B, C]);
  assert.deepEqual(attrs(html, 'data-status'), ['Up', 'Up', 'Joining']);
  const rows = html.split('<tr data-member=').slice(1).map(text);
  assert.match(rows[0]!, /^.*10\.0\.0\.1:17355 this node leader Up 2 none 1\.0\.0/);
  assert.match(rows[1]!, /10\.0\.0\.2:17355 oldest Up 1 web 2\.0\.0/);
  assert.match(rows[2]!, /10\.0\.0\.3:17355 unreachable Joining – none 1\.0\.0/);
  assert.equal(renderMembers(state({ members: [], selfStatus: 'Removed' })).includes('Not a member'), true);
  // Values from the cluster are escaped, never markup.
  const evil = renderMembers(state({ members: [{ ...state().members[0]!, roles: ['<script>x</script>'] }] }));
  assert.ok(!evil.includes('<script>') && evil.includes('&lt;script&gt;'));
});

test('reachability: an observer x subject matrix that marks exactly the unreachable observations', () => {
  const html = renderReachability(state({ unreachable: [{ node: C, observedBy: [A, B] }, { node: B, observedBy: [A] }] }));
  const bad = [...html.matchAll(/class="cell bad" data-observer="([^"]*)" data-subject="([^"]*)"/g)].map((x) => `${shortNode(x[1]!)}>${shortNode(x[2]!)}`);
  assert.deepEqual(bad.sort(), ['10.0.0.1:17355>10.0.0.2:17355', '10.0.0.1:17355>10.0.0.3:17355', '10.0.0.2:17355>10.0.0.3:17355']);
  assert.equal([...html.matchAll(/class="cell ok"/g)].length, 3);
  assert.equal([...html.matchAll(/class="cell self"/g)].length, 3);
  assert.match(text(html), /3 unreachable observations of 2 members/);
  assert.match(text(renderReachability(state())), /Every member sees every other member as reachable/);
});

test('bootstrap: phase, why not joined, contact points, probes and a stable-margin countdown that keeps running', () => {
  const b: Bootstrap = {
    phase: 'bootstrapping',
    lookup: 'Lookup(shop,None,Some(tcp))',
    discoveryMethod: 'kubernetes-api',
    selfContactPoint: '10.0.0.1:7626',
    selfAddress: A,
    lastLookup: { agoMs: 400, ok: true, resolved: ['10.0.0.1:7626', '10.0.0.2:7626'] },
    contactPoints: ['10.0.0.1:7626', '10.0.0.2:7626'],
    contactPointsStableForMs: 1000,
    stableMarginMs: 5000,
    probes: [
      { contactPoint: '10.0.0.1:7626', url: 'http://10.0.0.1:7626/bootstrap/seed-nodes', lastAnswerAgoMs: 100, selfNode: A, seedNodes: [] },
      { contactPoint: '10.0.0.2:7626', url: 'http://10.0.0.2:7626/bootstrap/seed-nodes', seedNodes: [], lastError: 'connect ECONNREFUSED' },
    ],
    reason: 'contact points not stable for stable-margin yet',
  };
  const t = text(renderBootstrap(b, 1500));
  assert.match(t, /phase bootstrapping/);
  assert.match(t, /not joined because contact points not stable for stable-margin yet/);
  assert.match(t, /Lookup\(shop,None,Some\(tcp\)\) via kubernetes-api/);
  assert.match(t, /last lookup 2 targets, 1\.9 s ago/);
  assert.match(t, /stable-margin stable for 2\.5 s; 2\.5 s left of 5\.0 s/);
  assert.match(t, /10\.0\.0\.2:7626 never – 0 connect ECONNREFUSED/);
  assert.deepEqual(stableMarginCountdown(b, 0), { stableForMs: 1000, marginMs: 5000, remainingMs: 4000 });
  assert.deepEqual(stableMarginCountdown(b, 9000), { stableForMs: 10_000, marginMs: 5000, remainingMs: 0 });
  assert.equal(stableMarginCountdown({ ...b, phase: 'joined' }), undefined);
  assert.doesNotMatch(text(renderBootstrap({ ...b, phase: 'joined', reason: undefined, decision: { type: 'JoinSelf' } })), /stable-margin/);
  assert.match(text(renderBootstrap(null)), /does not run/);
});

test('split brain resolver: strategy, and each decision with its age, what was downed and the lease', () => {
  assert.match(text(renderSbr(null)), /No split brain resolver runs/);
  const quiet = text(renderSbr({ strategy: 'keep-majority', stableAfterMs: 20_000, decisions: [] }));
  assert.match(quiet, /strategy keep-majority stable-after 20\.0 s No decisions yet/);
  const t = text(
    renderSbr(
      {
        strategy: 'lease-majority',
        stableAfterMs: 7000,
        decisions: [
          { agoMs: 1000, decision: 'AcquireLeaseAndDownUnreachable', downed: [B, C], leaseAcquired: true },
          { agoMs: 90_000, decision: 'DownReachable', downed: [] },
        ],
      },
      500,
    ),
  );
  assert.match(t, /1\.5 s ago AcquireLeaseAndDownUnreachable \(lease acquired\) 10\.0\.0\.2:17355, 10\.0\.0\.3:17355/);
  assert.match(t, /1 min 30 s ago DownReachable nobody/);
});

test('event log: the replay of the current state on (re)connect is not news; changes are', () => {
  const s = state({ roleLeaders: { web: B, 'dc-default': A } });
  let known: Known = knownFromState(s);
  const ev = (type: string, data: object) => {
    const r = applyEvent(known, type, data);
    known = r.known;
    return r.entry;
  };
  const memberEvent = (node: string, status: string) => ({ member: { uniqueAddress: { address: node, longUid: 1 }, status, roles: [], dataCenter: 'default' } });
  // The replay: what the page already shows.
  assert.equal(ev('MemberUp', memberEvent(A, 'Up')), null);
  assert.equal(ev('MemberJoined', memberEvent(B, 'Joining')), null, 'B is Up already: Joining is the past');
  assert.equal(ev('MemberJoined', memberEvent(C, 'Joining')), null);
  assert.equal(ev('LeaderChanged', { address: A }), null);
  assert.equal(ev('RoleLeaderChanged', { address: B, role: 'web' }), null);
  // News.
  assert.deepEqual(ev('MemberUp', memberEvent(C, 'Up')), { kind: 'good', text: '10.0.0.3:17355 is Up' });
  assert.deepEqual(ev('UnreachableMember', memberEvent(B, 'Up')), { kind: 'bad', text: '10.0.0.2:17355 is unreachable' });
  assert.equal(ev('UnreachableMember', memberEvent(B, 'Up')), null);
  assert.deepEqual(ev('ReachableMember', memberEvent(B, 'Up')), { kind: 'good', text: '10.0.0.2:17355 is reachable again' });
  assert.deepEqual(ev('MemberLeft', memberEvent(C, 'Leaving')), { kind: 'warn', text: '10.0.0.3:17355 is leaving' });
  assert.deepEqual(ev('MemberExited', memberEvent(C, 'Exiting')), { kind: 'warn', text: '10.0.0.3:17355 exited' });
  assert.deepEqual(ev('MemberRemoved', { ...memberEvent(C, 'Removed'), previousStatus: 'Exiting' }), {
    kind: 'warn',
    text: '10.0.0.3:17355 was removed (was Exiting)',
  });
  assert.equal(ev('MemberRemoved', { ...memberEvent(C, 'Removed'), previousStatus: 'Exiting' }), null);
  assert.deepEqual(ev('MemberDowned', memberEvent(B, 'Down')), { kind: 'bad', text: '10.0.0.2:17355 was downed' });
  assert.deepEqual(ev('LeaderChanged', { address: B }), { kind: 'info', text: 'leader is now 10.0.0.2:17355' });
  assert.deepEqual(ev('RoleLeaderChanged', { address: A, role: 'web' }), { kind: 'info', text: 'leader of role web is now 10.0.0.1:17355' });
  // The data-center role always follows the leader, which is logged already.
  assert.equal(ev('RoleLeaderChanged', { address: B, role: 'dc-default' }), null);
  // Malformed or unknown input is ignored, never thrown on.
  assert.equal(ev('MemberUp', {}), null);
  assert.equal(ev('NoSuchEvent', { member: 'x' }), null);
  assert.equal(ev('MemberUp', null as unknown as object), null);
});

test('event log and summary line render escaped text', () => {
  const html = renderEvents([{ time: '12:00:01', kind: 'bad', text: '<b>x</b> is unreachable' }]);
  assert.equal(html, '<li class="ev ev-bad"><time>12:00:01</time><span>&lt;b&gt;x&lt;/b&gt; is unreachable</span></li>');
  assert.match(renderEvents([]), /No events yet/);
  assert.equal(text(renderSummary(state())), 'shop / 10.0.0.1:17355 Up 3 members (2 Up · 1 Joining)');
});
