/** Shared test material: temp dirs, fake components, keys, a local Sigstore-like trust setup. */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeComponent } from '../helpers/registry.js';

export async function tempDir(prefix = 'tapedeck-dist-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeComponent(dir: string, name = 'tool.wasm', extra = 0): Promise<{ path: string; bytes: Buffer }> {
  const bytes = fakeComponent(name, extra);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

export function p256KeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

export function openssl(args: string[], cwd?: string): void {
  execFileSync('openssl', args, { stdio: 'pipe', cwd });
}

/** A self-signed CA and a server certificate for 127.0.0.1 / localhost. */
export async function makeTlsMaterial(dir: string): Promise<{ caPem: string; keyPem: string; certPem: string }> {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-days', '2', '-subj', '/CN=tapedeck test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
    '-subj', '/CN=127.0.0.1'], dir);
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2',
    '-extfile', 'server.ext'], dir);
  return {
    caPem: await readFile(join(dir, 'ca.crt'), 'utf8'),
    keyPem: await readFile(join(dir, 'server.key'), 'utf8'),
    certPem: await readFile(join(dir, 'server.crt'), 'utf8'),
  };
}

function canonicalJson(value: Record<string, string | number>): string {
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`)
    .join(',')}}`;
}

export interface SigstoreTestSetup {
  trustedRootPath: string;
  /** Builds a v0.1 bundle: a DSSE in-toto statement naming `subjectDigest`, signed by a certificate for `identity`/`issuer`. */
  bundleFor(subjectDigest: string, options?: { identity?: string; issuer?: string; untrustedCa?: boolean; breakSet?: boolean }): Promise<string>;
  /** cosign's legacy keyless form: a simple-signing payload plus certificate and Rekor-bundle annotations. */
  legacyKeyless(
    manifestDigest: string,
    dockerReference: string,
    options?: { identity?: string; issuer?: string },
  ): Promise<{ payload: Buffer; annotations: Record<string, string> }>;
}

/**
 * A local stand-in for Fulcio + Rekor: a CA that issues short-lived code
 * signing certificates carrying the Fulcio issuer extension, and a log key
 * that signs inclusion promises (SETs). The trusted root lists the CA and
 * the log (no CT log, no TSA).
 */
export async function makeSigstoreSetup(dir: string): Promise<SigstoreTestSetup> {
  const makeCa = (name: string) =>
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
      '-days', '2', '-subj', `/O=tapedeck-test/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash'], dir);
  makeCa('fulcio');
  makeCa('rogue');
  const caDer = new X509Certificate(await readFile(join(dir, 'fulcio.crt'))).raw;
  const rekor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rekorSpki = rekor.publicKey.export({ type: 'spki', format: 'der' });
  const logId = createHash('sha256').update(rekorSpki).digest();
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.tapedeck.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: rekorSpki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } },
        logId: { keyId: logId.toString('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'tapedeck-test', commonName: 'fulcio' },
        uri: 'https://fulcio.tapedeck.test',
        certChain: { certificates: [{ rawBytes: caDer.toString('base64') }] },
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
    ],
    ctlogs: [],
    timestampAuthorities: [],
  };
  const trustedRootPath = join(dir, 'trusted_root.json');
  await writeFile(trustedRootPath, JSON.stringify(trustedRoot, null, 2));
  let serial = 1;

  async function issueLeaf(options: { identity?: string; issuer?: string; untrustedCa?: boolean }) {
      const identity = options.identity ?? 'release@tapedeck.test';
      const issuer = options.issuer ?? 'https://issuer.tapedeck.test';
      const ca = options.untrustedCa ? 'rogue' : 'fulcio';
      const n = serial++;
      const leaf = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      await writeFile(join(dir, `leaf${n}.key`), leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      openssl(['req', '-new', '-key', `leaf${n}.key`, '-out', `leaf${n}.csr`, '-subj', '/O=sigstore.dev'], dir);
      const san = identity.includes('://') ? `URI:${identity}` : `email:${identity}`;
      await writeFile(
        join(dir, `leaf${n}.ext`),
        `keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectAltName=critical,${san}\n` +
          `authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}\n`,
      );
      openssl(['x509', '-req', '-in', `leaf${n}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', String(1000 + n),
        '-out', `leaf${n}.crt`, '-days', '1', '-extfile', `leaf${n}.ext`], dir);
      const certPem = await readFile(join(dir, `leaf${n}.crt`), 'utf8');
      const certDer = new X509Certificate(certPem).raw;
      return { leaf, certPem, certDer, n };
  }

  return {
    trustedRootPath,
    async legacyKeyless(manifestDigest, dockerReference, options = {}) {
      const { leaf, certPem, n } = await issueLeaf(options);
      const payload = Buffer.from(
        JSON.stringify({
          critical: {
            identity: { 'docker-reference': dockerReference },
            image: { 'docker-manifest-digest': manifestDigest },
            type: 'cosign container image signature',
          },
          optional: null,
        }),
      );
      const signature = sign('sha256', payload, leaf.privateKey);
      const body = Buffer.from(
        JSON.stringify({
          apiVersion: '0.0.1',
          kind: 'hashedrekord',
          spec: {
            data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } },
            signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(certPem).toString('base64') } },
          },
        }),
      );
      const integratedTime = Math.floor(Date.now() / 1000);
      const setPayload = canonicalJson({ body: body.toString('base64'), integratedTime, logIndex: n, logID: logId.toString('hex') });
      const set = sign('sha256', Buffer.from(setPayload), rekor.privateKey);
      return {
        payload,
        annotations: {
          'dev.cosignproject.cosign/signature': signature.toString('base64'),
          'dev.sigstore.cosign/certificate': certPem,
          'dev.sigstore.cosign/chain': '',
          'dev.sigstore.cosign/bundle': JSON.stringify({
            SignedEntryTimestamp: set.toString('base64'),
            Payload: { body: body.toString('base64'), integratedTime, logIndex: n, logID: logId.toString('hex') },
          }),
        },
      };
    },
    async bundleFor(subjectDigest, options = {}) {
      const { leaf, certPem, certDer, n } = await issueLeaf(options);
      const [algorithm, hex] = subjectDigest.split(':');
      const statement = {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'component', digest: { [algorithm]: hex } }],
        predicateType: 'https://sigstore.dev/cosign/sign/v1',
        predicate: {},
      };
      const payload = Buffer.from(JSON.stringify(statement));
      const payloadType = 'application/vnd.in-toto+json';
      const pae = Buffer.concat([
        Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `),
        payload,
      ]);
      const signature = sign('sha256', pae, leaf.privateKey);
      const envelope = { payload: payload.toString('base64'), payloadType, signatures: [{ sig: signature.toString('base64'), keyid: '' }] };
      const body = Buffer.from(
        JSON.stringify({
          apiVersion: '0.0.1',
          kind: 'dsse',
          spec: {
            envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify(envelope)).digest('hex') },
            payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
            signatures: [{ signature: signature.toString('base64'), verifier: Buffer.from(certPem).toString('base64') }],
          },
        }),
      );
      const integratedTime = Math.floor(Date.now() / 1000);
      const setPayload = canonicalJson({
        body: body.toString('base64'),
        integratedTime,
        logIndex: n,
        logID: logId.toString('hex'),
      });
      let set = sign('sha256', Buffer.from(setPayload), rekor.privateKey as KeyObject);
      if (options.breakSet) set = sign('sha256', Buffer.from(setPayload + ' '), rekor.privateKey);
      return JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
        verificationMaterial: {
          x509CertificateChain: { certificates: [{ rawBytes: certDer.toString('base64') }] },
          tlogEntries: [
            {
              logIndex: String(n),
              logId: { keyId: logId.toString('base64') },
              kindVersion: { kind: 'dsse', version: '0.0.1' },
              integratedTime: String(integratedTime),
              inclusionPromise: { signedEntryTimestamp: set.toString('base64') },
              canonicalizedBody: body.toString('base64'),
            },
          ],
          timestampVerificationData: { rfc3161Timestamps: [] },
        },
        dsseEnvelope: envelope,
      });
    },
  };
}

export { createPrivateKey };
