/** Real JSON Schema validators for checking generated schemas (ajv is a devDependency). */
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';

export type Validate = ((data: unknown) => boolean) & { errors?: unknown };
export type AjvLike = { compile(schema: unknown): Validate };

const strictLogger = {
  log: () => {},
  warn: (...args: unknown[]) => {
    throw new Error(`ajv strict warning: ${args.join(' ')}`);
  },
  error: (...args: unknown[]) => {
    throw new Error(`ajv error: ${args.join(' ')}`);
  },
};

/** Strict JSON Schema 2020-12. */
export const ajv2020: AjvLike = new (Ajv2020 as unknown as new (o: unknown) => AjvLike)({ strict: true, allErrors: true, logger: strictLogger });
/** The MCP TypeScript SDK client's default validator: draft-07 Ajv, not strict. */
export const ajvSdk: AjvLike = new (Ajv as unknown as new (o: unknown) => AjvLike)({ strict: false, validateSchema: false, allErrors: true });
