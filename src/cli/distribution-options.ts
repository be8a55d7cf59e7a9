/**
 * Global options for fetching components from registries and HTTPS, turned
 * into the distribution layer's FetchOptions (signature requirements, trust,
 * insecure registries) plus a progress bar for people at a terminal.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { FetchOptions } from '../distribution/index.js';
import { UsageError } from './errors.js';

export interface DistributionFlags {
  requireSignature?: boolean;
  trustedKey?: string[];
  keylessIdentity?: string;
  keylessIssuer?: string;
  trustedRoot?: string;
  insecureRegistry?: string[];
  caCert?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addDistributionOptions(program: Command): Command {
  return program
    .option('--require-signature', 'refuse oci:// components without a valid signature (needs --trusted-key or --keyless-*)')
    .option('--trusted-key <pem-file>', 'public key (PEM) whose signatures are trusted; repeatable', collect)
    .option('--keyless-identity <identity>', 'Sigstore keyless: required certificate identity (e.g. an email or workflow URL)')
    .option('--keyless-issuer <url>', 'Sigstore keyless: required OIDC issuer')
    .option('--trusted-root <file>', 'Sigstore trusted_root.json for keyless verification')
    .option('--insecure-registry <host[:port]>', 'allow plain HTTP to this registry (loopback registries always may); repeatable', collect)
    .option('--ca-cert <pem-file>', 'extra trusted CA certificate for HTTPS and registries; repeatable', collect);
}

async function readAll(files: string[] | undefined, what: string): Promise<string[]> {
  return Promise.all(
    (files ?? []).map((file) =>
      readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${what} ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      }),
    ),
  );
}

/** Progress on stderr, only for a person at a terminal (never in pipes or over MCP). */
function progressBar(): FetchOptions['onProgress'] {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 100 && done !== total) return;
    last = now;
    const mib = (n: number) => (n / 1048576).toFixed(1);
    if (total) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${mib(done)}/${mib(total)} MiB`);
      if (done >= total) process.stderr.write('\n');
    } else process.stderr.write(`\r${mib(done)} MiB`);
  };
}

export async function fetchOptionsFrom(flags: DistributionFlags, options: { interactive: boolean }): Promise<FetchOptions> {
  const keys = await readAll(flags.trustedKey, 'trusted key');
  const caCertificates = await readAll(flags.caCert, 'CA certificate');
  if ((flags.keylessIdentity === undefined) !== (flags.keylessIssuer === undefined)) {
    throw new UsageError('--keyless-identity and --keyless-issuer go together: give both');
  }
  const keyless = flags.keylessIdentity
    ? [{ identity: flags.keylessIdentity, issuer: flags.keylessIssuer!, trustedRootPath: flags.trustedRoot }]
    : undefined;
  if (flags.requireSignature && keys.length === 0 && !keyless) {
    throw new UsageError('--require-signature needs something to trust: add --trusted-key <pem-file> or --keyless-identity/--keyless-issuer');
  }
  const verify = flags.requireSignature || keys.length > 0 || keyless ? { publicKeysPem: keys.length ? keys : undefined, keyless } : undefined;
  return {
    insecureRegistries: flags.insecureRegistry,
    caCertificates: caCertificates.length ? caCertificates : undefined,
    verify,
    onProgress: options.interactive ? progressBar() : undefined,
  };
}
