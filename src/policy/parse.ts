/**
 * Policy YAML ⇄ Policy.
 *
 * `parsePolicy` reads one YAML 1.2 document and validates it (validate.ts);
 * every error is a PolicyError whose message names the source, the line (and
 * column for YAML syntax errors), the field path and how to fix it:
 *
 *   weather.policy.yaml:7: permissions.network.allow[1].host: a wildcard is only allowed as a leading "*." (e.g. "*.example.com")
 *
 * `serializePolicy` validates and writes the canonical form (keys in a fixed
 * order, `access` lists in flow style as in Wassette's docs); parsing its
 * output gives back an equal Policy.
 */
import { Document, LineCounter, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { PolicyError, formatPath } from './errors.js';
import { MINIMAL_POLICY, ValidationIssue, checkPolicy, validatePolicy, type PathPart } from './validate.js';
import type { Policy } from './types.js';
import { locate } from '../util/yaml-locate.js';

const YAML_CODES: Record<string, string> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document ("---"); a policy is a single document',
  DUPLICATE_KEY: 'a key appears twice in the same mapping; keep one (merge their entries)',
  TAB_AS_INDENT: 'tabs cannot indent YAML; indent with spaces',
};

export function parsePolicy(text: string, source: string): Policy {
  if (typeof text !== 'string') throw new PolicyError('the policy is not text', { source });
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    version: '1.2',
  });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const reason = YAML_CODES[error.code] ?? error.message.split('\n')[0];
    throw new PolicyError(`invalid YAML: ${reason}`, { source, line, column: col });
  }
  if (doc.contents === null || (isScalar(doc.contents) && (doc.contents.value === null || doc.contents.value === ''))) {
    throw new PolicyError(`the policy is empty; a minimal policy is:\n${MINIMAL_POLICY}`, { source });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new PolicyError(`invalid YAML: ${(error as Error).message}`, { source });
  }
  try {
    return checkPolicy(value);
  } catch (error) {
    if (!(error instanceof ValidationIssue)) throw error;
    const offset = locate(doc, error.path, error.at);
    const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
    throw new PolicyError(error.reason, { source, line, path: formatPath(error.path) || undefined });
  }
}


/** Canonical YAML for a policy. Throws PolicyError (no line) if the policy is invalid. */
export function serializePolicy(policy: Policy): string {
  const clean = validatePolicy(policy, 'policy to write');
  const doc = new Document(clean);
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'access' && isSeq(pair.value)) pair.value.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
