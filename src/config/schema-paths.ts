// Walks the zod configuration schema by key path, so the loader can match environment overrides to the
// keys the schema knows (P1, calendar names) and validate one part of a file on its own.
import type { z } from 'zod';

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  valueType?: AnySchema;
  element?: AnySchema;
  options?: AnySchema[];
  defaultValue?: unknown;
}

const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under defaults, optionals and transforms: the one that says what shape the input has. */
export function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

/** The schema of `key` under `schema`: an object's field, a record's value or an array's element. */
export function childSchema(schema: AnySchema | undefined, key: string): AnySchema | undefined {
  if (!schema) return undefined;
  const def = defOf(unwrap(schema));
  if (def.type === 'object') return def.shape && Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
  if (def.type === 'record') return def.valueType;
  if (def.type === 'array') return def.element;
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const found = childSchema(option, key);
      if (found) return found;
    }
  }
  return undefined;
}

export function schemaAt(schema: AnySchema, path: readonly string[]): AnySchema | undefined {
  let s: AnySchema | undefined = schema;
  for (const key of path) s = childSchema(s, key);
  return s;
}

/** The field names an object schema declares (none for records, arrays and scalars). */
export function declaredKeys(schema: AnySchema | undefined): string[] {
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Whether the schema (under its wrappers) expects a list. */
export function isArraySchema(schema: AnySchema | undefined): boolean {
  return schema !== undefined && defOf(unwrap(schema)).type === 'array';
}

/**
 * What the schema fills in when the key is absent, as input (a copy), or undefined. An override that
 * sets one key of an absent object starts from this, so `P2.respond` alone keeps P2's other defaults.
 */
export function inputDefault(schema: AnySchema | undefined): unknown {
  let s = schema;
  while (s) {
    const def = defOf(s);
    if (def.type === 'prefault' || def.type === 'default') return structuredClone(def.defaultValue);
    s = def.innerType && ['optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type) ? def.innerType : undefined;
  }
  return undefined;
}
