/**
 * The WIT type model that the rest of tapedeck works with. The binary decoder
 * (decode/) produces it, the schema and value modules consume it. Kept as plain
 * data so it can be cached as JSON and posted to workers.
 */

export type PrimitiveKind =
  | 'bool'
  | 's8' | 's16' | 's32' | 's64'
  | 'u8' | 'u16' | 'u32' | 'u64'
  | 'f32' | 'f64'
  | 'char' | 'string';

export type WitType =
  | { kind: PrimitiveKind }
  | { kind: 'list'; element: WitType }
  | { kind: 'record'; name?: string; fields: { name: string; type: WitType }[] }
  | { kind: 'tuple'; types: WitType[] }
  | { kind: 'variant'; name?: string; cases: { name: string; type?: WitType }[] }
  | { kind: 'enum'; name?: string; names: string[] }
  | { kind: 'option'; type: WitType }
  | { kind: 'result'; ok?: WitType; err?: WitType }
  | { kind: 'flags'; name?: string; names: string[] }
  | { kind: 'own' | 'borrow'; resource: string };

export interface WitParam {
  name: string;
  type: WitType;
}

export interface ExportedFunction {
  /** Full interface name for interface exports (e.g. `local:calc/calculator@0.1.0`); absent for world-level functions. */
  interface?: string;
  /** WIT function name in kebab-case, e.g. `get-current-time`. */
  name: string;
  params: WitParam[];
  /** Absent when the function returns nothing. */
  result?: WitType;
  /** Doc comment from the `package-docs` custom section, when present. */
  docs?: string;
}

export interface UnsupportedExport {
  /** Export name as it appears in the component, e.g. `local:x/y@0.1.0#make-thing` or `counter`. */
  name: string;
  reason: string;
}

export interface ComponentInfo {
  functions: ExportedFunction[];
  unsupported: UnsupportedExport[];
  /** Names of the component's imports (e.g. `wasi:http/outgoing-handler@0.2.3`), informational only. */
  imports: string[];
  /** The world's doc comment from `package-docs`, when present. */
  docs?: string;
}
