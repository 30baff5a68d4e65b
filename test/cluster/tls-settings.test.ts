// pekko.remote.artery.ssl settings as Muster reads them, and the checks of the files they name
// (what check-config and start-up report), with certificates made at test time.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/types.js';
import { remoteSettingsFromConfig } from '../../src/cluster/remote-settings.js';
import { chooseCiphers } from '../../src/cluster/tls/ciphers.js';
import { checkTlsFiles } from '../../src/cluster/tls/check.js';
import { TlsContextCache } from '../../src/cluster/tls/context.js';
import { certificatesFromPkcs12, Pkcs12Error } from '../../src/cluster/tls/pkcs12-certs.js';
import { createPki, type Pki } from '../support/tls-pki.js';
import { missingCommand } from '../support/tools.js';

const pkis: Pki[] = [];
after(() => {
  for (const p of pkis) p.dispose();
});

async function settings(text: string) {
  const config = await loadConfig({ applicationText: text, env: {} });
  return { config, remote: remoteSettingsFromConfig(config) };
}

const ROTATING = 'ssl-engine-provider = org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider';

test('transport = tls-tcp with Pekko defaults: config-ssl-engine, TLSv1.3, mutual authentication, no hostname verification', async () => {
  const { remote } = await settings('pekko.remote.artery.transport = tls-tcp');
  assert.equal(remote.transport, 'tls-tcp');
  assert.deepEqual(remote.tls, {
    engine: 'config-ssl-engine',
    protocol: 'TLSv1.3',
    enabledAlgorithms: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'],
    requireMutualAuthentication: true,
    hostnameVerification: false,
    verifyPeerSubject: false,
    keyStore: 'keystore',
    keyStorePassword: 'changeme',
    keyPassword: 'changeme',
    trustStore: 'truststore',
    trustStorePassword: 'changeme',
  });
  assert.equal((await settings('')).remote.tls, undefined, 'plain tcp by default');
});

test('rotating-keys-engine: files default to secret-mount-point, TTL 5 minutes, always mutual with the subject check', async () => {
  const { remote } = await settings(`pekko.remote.artery { transport = tls-tcp, ssl { ${ROTATING}
    rotating-keys-engine { secret-mount-point = "/etc/certs/", ssl-context-cache-ttl = 90s, ca-cert-file = /etc/ca/root.pem } } }`);
  assert.equal(remote.tls?.engine, 'rotating-keys-engine');
  if (remote.tls?.engine !== 'rotating-keys-engine') return;
  assert.equal(remote.tls.keyFile, '/etc/certs/tls.key');
  assert.equal(remote.tls.certFile, '/etc/certs/tls.crt');
  assert.equal(remote.tls.caCertFile, '/etc/ca/root.pem');
  assert.equal(remote.tls.contextCacheTtlMs, 90_000);
  assert.equal(remote.tls.requireMutualAuthentication, true);
  assert.equal(remote.tls.verifyPeerSubject, true);
  const defaults = (await settings(`pekko.remote.artery { transport = tls-tcp, ssl.${ROTATING} }`)).remote.tls;
  assert.equal(defaults?.engine === 'rotating-keys-engine' && defaults.certFile, '/var/run/secrets/pekko-tls/rotating-keys-engine/tls.crt');
  assert.equal(defaults?.engine === 'rotating-keys-engine' && defaults.contextCacheTtlMs, 300_000);
});

test('unsupported provider, protocol and transport fail with the key and where it was set', async () => {
  await assert.rejects(
    settings('pekko.remote.artery { transport = tls-tcp, ssl.ssl-engine-provider = com.example.MyProvider }'),
    (e: unknown) => e instanceof ConfigError && /ssl-engine-provider = com\.example\.MyProvider is not supported/.test(e.message) && /\(<application text>:1\)$/.test(e.message),
  );
  await assert.rejects(
    settings('pekko.remote.artery { transport = tls-tcp, ssl.config-ssl-engine.protocol = TLSv1.1 }'),
    /config-ssl-engine\.protocol = TLSv1\.1 is not supported; use TLSv1\.3 or TLSv1\.2/,
  );
  await assert.rejects(settings('pekko.remote.artery.transport = aeron-udp'), /Muster implements \[tcp\] and \[tls-tcp\]/);
  await assert.rejects(
    settings(`pekko.remote.artery { transport = tls-tcp, ssl { ${ROTATING}, rotating-keys-engine.ssl-context-cache-ttl = 0s } }`),
    /ssl-context-cache-ttl must be a duration greater than 0/,
  );
});

test('enabled-algorithms: IANA names map to OpenSSL names; suites of the other version are ignored; unknown ones are errors', () => {
  assert.deepEqual(chooseCiphers('TLSv1.3', ['TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']), {
    ciphers: 'TLS_AES_128_GCM_SHA256',
    unknown: [],
    otherProtocol: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  });
  assert.deepEqual(chooseCiphers('TLSv1.2', ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_RC4_128_MD5']), {
    ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384',
    unknown: ['TLS_RSA_WITH_RC4_128_MD5'],
    otherProtocol: [],
  });
});

test('the PKCS#12 reader refuses garbage and truncated input with a reason', () => {
  for (const bytes of [Buffer.from('not a store'), Buffer.from([0x30, 0x82, 0x05]), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x03]), Buffer.alloc(0)]) {
    assert.throws(() => certificatesFromPkcs12(bytes, 'pw'), (e: unknown) => e instanceof Pkcs12Error && /PKCS#12|MAC|DER/.test(e.message));
  }
});

describe('TLS file checks', { skip: missingCommand('openssl') }, () => {
  const setup = () => {
    const ca = createPki();
    pkis.push(ca);
    const dir = ca.secretDir('n', ca.issue('n'));
    return { ca, dir };
  };
  const rotatingConf = (dir: string, extra = '') =>
    `pekko.remote.artery {\n  transport = tls-tcp\n  ssl {\n    ${ROTATING}\n    rotating-keys-engine.secret-mount-point = "${dir}"\n${extra}  }\n}\n`;

  test('good PEM files pass; the context knows the certificate\'s subject names', async () => {
    const { dir } = setup();
    const { config, remote } = await settings(rotatingConf(dir));
    const material = checkTlsFiles(remote.tls!, config);
    assert.deepEqual([...material.subjectNames].sort(), ['muster-cluster', 'n']);
  });

  test('missing file, key of another certificate, unparsable CA, certificate of another CA: key, file and origin named', async () => {
    const { ca, dir } = setup();
    const check = async (text: string) => {
      const { config, remote } = await settings(text);
      return () => checkTlsFiles(remote.tls!, config);
    };
    assert.throws(await check(rotatingConf(path.join(dir, 'missing'))), (e: unknown) =>
      e instanceof ConfigError &&
      /rotating-keys-engine\.key-file: cannot read \[.*missing\/tls\.key\]: no such file/.test(e.message) &&
      /secret-mount-point set at <application text>:5\)$/.test(e.message));

    const other = ca.issue('other');
    const mismatched = `    rotating-keys-engine.key-file = "${other.keyFile}"\n`;
    assert.throws(await check(rotatingConf(dir, mismatched)), (e: unknown) =>
      e instanceof ConfigError && /key-file: the key in \[.*other\.key\] does not belong to the certificate in \[.*tls\.crt\]/.test(e.message) &&
      /key-file set at <application text>:6\)$/.test(e.message));

    writeFileSync(path.join(dir, 'bad-ca.crt'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    assert.throws(await check(rotatingConf(dir, `    rotating-keys-engine.ca-cert-file = "${path.join(dir, 'bad-ca.crt')}"\n`)), /ca-cert-file: certificate 1 in \[.*bad-ca\.crt\] does not parse/);

    const stranger = createPki('stranger');
    pkis.push(stranger);
    assert.throws(await check(rotatingConf(dir, `    rotating-keys-engine.ca-cert-file = "${stranger.caCertFile}"\n`)), /ca-cert-file: the certificate in \[.*tls\.crt\] \(CN=n\) is not issued by a CA in/);

    assert.throws(
      await check(rotatingConf(dir, '    rotating-keys-engine.enabled-algorithms = ["TLS_NOT_A_SUITE"]\n')),
      /enabled-algorithms: unknown or unavailable cipher suite\(s\) TLS_NOT_A_SUITE/,
    );
  });

  test('config-ssl-engine: PKCS#12 key store with the right password passes; a wrong password is named', async () => {
    const { ca } = setup();
    const ks = ca.pkcs12(ca.issue('p'), 'pw');
    const conf = (pw: string) =>
      `pekko.remote.artery { transport = tls-tcp, ssl.config-ssl-engine { key-store = "${ks}", key-store-password = "${pw}", key-password = "${pw}", trust-store = "${ca.caCertFile}" } }`;
    const good = await settings(conf('pw'));
    checkTlsFiles(good.remote.tls!, good.config);
    const bad = await settings(conf('nope'));
    assert.throws(() => checkTlsFiles(bad.remote.tls!, bad.config), /key-store: \[.*\.p12\] cannot be used as a PKCS#12 key store: .*wrong key-store-password/);
  });

  test('PKCS#12 trust stores made by openssl and by keytool are read; a wrong trust-store-password is named', async () => {
    const { ca } = setup();
    const ks = ca.pkcs12(ca.issue('t'), 'pw');
    const conf = (ts: string, pw: string) =>
      `pekko.remote.artery { transport = tls-tcp, ssl.config-ssl-engine { key-store = "${ks}", key-store-password = pw, key-password = pw, trust-store = "${ts}", trust-store-password = "${pw}" } }`;
    const stores = [ca.trustStore('trustpw')];
    if (!missingCommand('keytool')) {
      const kt = path.join(ca.dir, 'keytool-trust.p12');
      execFileSync('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', ca.caCertFile, '-keystore', kt, '-storetype', 'PKCS12', '-storepass', 'trustpw'], { stdio: 'ignore' });
      stores.push(kt);
    }
    for (const ts of stores) {
      const good = await settings(conf(ts, 'trustpw'));
      checkTlsFiles(good.remote.tls!, good.config);
    }
    const bad = await settings(conf(stores[0]!, 'nope'));
    assert.throws(() => checkTlsFiles(bad.remote.tls!, bad.config), /trust-store: \[.*truststore\.p12\]: MAC check failed: wrong trust-store-password/);
  });

  test('a JKS key store gets the keytool command that converts it', { skip: missingCommand('keytool') }, async () => {
    const { ca } = setup();
    const jks = path.join(ca.dir, 'node.jks');
    execFileSync('keytool', ['-genkeypair', '-alias', 'n', '-keyalg', 'EC', '-dname', 'CN=n', '-keystore', jks, '-storetype', 'JKS',
      '-storepass', 'changeme', '-keypass', 'changeme'], { stdio: 'ignore' });
    const { config, remote } = await settings(`pekko.remote.artery { transport = tls-tcp, ssl.config-ssl-engine { key-store = "${jks}", trust-store = "${ca.caCertFile}" } }`);
    assert.throws(() => checkTlsFiles(remote.tls!, config), (e: unknown) =>
      e instanceof ConfigError && /is a Java KeyStore \(JKS\)/.test(e.message) &&
      e.message.includes(`keytool -importkeystore -srckeystore ${jks} -srcstoretype JKS -destkeystore ${path.join(ca.dir, 'node.p12')} -deststoretype PKCS12`));
  });

  test('the context cache reloads only after the TTL and keeps the last good material when a reload fails', async () => {
    const { dir } = setup();
    const { remote } = await settings(rotatingConf(dir, '    rotating-keys-engine.ssl-context-cache-ttl = 10s\n'));
    let now = 0;
    let broken = false;
    let reads = 0;
    const real = (await import('../../src/cluster/tls/material.js')).loadTlsMaterial;
    const cache = new TlsContextCache({
      settings: remote.tls!,
      now: () => now,
      load: (s) => {
        reads++;
        if (broken) throw new Error('tls.key: no such file');
        return real(s);
      },
    });
    const first = cache.current();
    now = 9_999;
    assert.equal(cache.current(), first, 'cached within the TTL');
    assert.equal(reads, 1);
    now = 10_000;
    const second = cache.current();
    assert.notEqual(second, first, 'read again once the TTL is over');
    broken = true;
    now = 20_000;
    assert.equal(cache.current(), second, 'a failed reload keeps the last good material');
    assert.equal(cache.failedReloads, 1);
    now = 25_000;
    cache.current();
    assert.equal(reads, 3, 'the next attempt waits another TTL');
  });
});
