// Hand-written HOCON cases shared by the differential (oracle) and fast-path tests.

/** The environment both sides see. Variables a case expects to be unset are simply absent. */
export const ENV: Record<string, string> = {
  PORT: '2552',
  MUSTER_A: 'from-env-a',
  PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'svc-from-env',
  KUBERNETES_NAMESPACE: 'ns-from-env',
  HOST: '10.0.0.5',
  MARATHON_APP_ID: '/muster-test',
  REQUIRED_CONTACT_POINT_NR: '3',
};

export interface Case {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly overrides?: string[];
  /** Layer Muster's reference.conf underneath (default true). */
  readonly reference?: boolean;
}

export const cases: Case[] = [
  {
    name: '${?ENV} chains: later set variables win, unset ones keep the previous value',
    files: {
      'app.conf': [
        'a = "default"', 'a = ${?MUSTER_A}', 'a = ${?MUSTER_UNSET_B}',
        'b = "kept"', 'b = ${?MUSTER_UNSET_B}',
        'pekko.remote.artery.canonical.port = 25520', 'pekko.remote.artery.canonical.port = ${?PORT}',
      ].join('\n'),
    },
  },
  {
    name: '+= onto a reference.conf list and onto a missing key',
    files: {
      'app.conf': [
        'pekko.cluster.roles += "backend"', 'pekko.cluster.roles += frontend',
        'pekko.discovery.aggregate.discovery-methods += config',
        'my.new-list += 1', 'my.new-list += "two"',
        'nums = [1]', 'nums += 2', 'nums += true', 'nums += "3"', 'nums += null', 'nums += 0.5',
      ].join('\n'),
    },
  },
  {
    name: 'concatenation inside arrays',
    files: { 'app.conf': 'pekko.cluster.seed-nodes = ["pekko://sys@127.0.0.1:"${PORT}, "pekko://sys@127.0.0.2:"${PORT}]' },
  },
  {
    name: '${?SELECTOR}"=%s" with SELECTOR unset',
    files: { 'app.conf': 'pekko.discovery.kubernetes-api.pod-label-selector = ${?SELECTOR}"=%s"' },
  },
  {
    name: '[${?X}] with X unset',
    files: { 'app.conf': 'x = [${?X}]\ny = [1, ${?X}, 2]' },
  },
  {
    name: 'repeated objects merge, later fields win',
    files: {
      'app.conf': [
        'a { b = 1, c { d = 1 } }', 'a { c { e = 2 } }', 'a.b = 3',
        'pekko.management.http { port = 8558 }', 'pekko.management.http { hostname = "10.0.0.1" }',
        'r = { x = 1 }', 'r = 5', 'r = { y = 2 }',
      ].join('\n'),
    },
  },
  {
    name: 'dotted keys and quoted keys with dots',
    files: { 'app.conf': 'pekko.management.http.port = 8558\n"a.b".c = 1\na."b.c" = 2\n"x".y."z" = 3' },
  },
  {
    name: 'quoted keys containing / and *',
    files: {
      'app.conf': [
        'pekko.actor.deployment { "/SD-DNS/async-dns/*" { dispatcher = "my-dispatcher" } }',
        'pekko.actor.deployment."/user/*/worker".router = round-robin-pool',
        '"*" = star',
      ].join('\n'),
    },
  },
  {
    name: 'include from a subfolder (relative to the including file)',
    files: {
      'app.conf': 'include "sub/part.conf"\ntop = 1',
      'sub/part.conf': 'include "sibling.conf"\npart = from-sub',
      'sub/sibling.conf': 'sibling { ok = true }\npekko.management.http.port = 9999',
    },
  },
  {
    name: 'include of a missing file is ignored',
    files: { 'app.conf': 'include "does-not-exist.conf"\nafter-include = yes' },
  },
  {
    name: 'durations and sizes stay as written',
    files: {
      'app.conf': 'a = 1200.hours\nb = 5 s\nc = "30 seconds"\nd = 100ms\ne = 10 MiB\nf = 0.5\ng = 1e3\nh = off',
    },
  },
  {
    name: 'numbers: decimals starting with 0, leading zeros, exponents; .5 and 0x10 stay strings',
    files: { 'app.conf': 'a = 0.8\nb = 01\nc = 01.5\nd = 0e1\ne = -01\nf = 1.\ng = .5\nh = 1e5\ni = 0x10\nj = [0.2, 0.0, 00]' },
  },
  {
    name: '-D overrides win and are seen by substitutions in every layer',
    files: { 'app.conf': 'my.host = ${pekko.remote.artery.canonical.hostname}\npekko.management.http.port = 1' },
    overrides: [
      '-Dpekko.remote.artery.canonical.hostname=10.1.1.1',
      '-Dpekko.management.http.port=8558',
      '-Dpekko.cluster.split-brain-resolver.active-strategy=keep-oldest',
      '-Dmy."quoted.key"=v',
    ],
  },
  {
    name: 'object substitution merged with overrides, and self-referencing lists',
    files: {
      'app.conf': [
        'my-fd = ${pekko.cluster.failure-detector} { threshold = 12 }',
        'pekko.cluster.roles = ${pekko.cluster.roles} ["x"]',
        'path = "a"\npath = ${path}"/b"',
      ].join('\n'),
    },
  },
  {
    name: 'reference.conf env substitutions (service name, namespace set; port name unset)',
    files: { 'app.conf': 'pekko.discovery.method = kubernetes-api' },
  },
  {
    name: 'root braces, comments, triple quotes, null and arrays without commas',
    files: {
      'app.conf': '{\n  // comment\n  a = """multi\nline"""\n  b = null\n  c = [\n    1\n    2\n  ]\n  # another\n  d : { e : f }\n}',
    },
  },
];

