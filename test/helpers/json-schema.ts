/**
 * A small JSON Schema (draft 2020-12) validator for the tests: enough for docs/report.schema.json, without a
 * dependency. Supported keywords: type (a name or a list; "integer" means a whole number), properties, required,
 * additionalProperties (boolean or schema), items (a schema), enum, const, anyOf, oneOf, allOf, not, $ref to
 * "#/$defs/..." (or any JSON pointer into the root schema), minimum, maximum, exclusiveMinimum, exclusiveMaximum,
 * minLength, maxLength, minItems, maxItems, pattern (unicode). Annotations ($schema, $id, $comment, title,
 * description, examples, default) are ignored. Any other keyword throws: a schema must not silently rely on a
 * keyword this validator would skip.
 */

export type JsonSchema = boolean | { [keyword: string]: unknown };

export interface SchemaError {
  /** JSON pointer to the offending value ("" is the root). */
  path: string;
  message: string;
}

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'examples', 'default', '$defs']);
const KEYWORDS = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', 'not',
  '$ref', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems',
  'maxItems', 'pattern',
]);
const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'string':
      return typeof v === 'string';
    default:
      throw new Error(`json-schema: unknown type '${type}'`);
  }
}

/** JSON equality (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function pointerSegment(key: string | number): string {
  return `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function resolvePointer(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#')) throw new Error(`json-schema: only local $ref is supported, not '${ref}'`);
  const parts = ref.slice(1).split('/').slice(1).map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const p of parts) {
    if (typeof node !== 'object' || node === null || !(p in node)) throw new Error(`json-schema: $ref '${ref}' does not resolve`);
    node = (node as Record<string, unknown>)[p];
  }
  if (typeof node !== 'boolean' && (typeof node !== 'object' || node === null)) throw new Error(`json-schema: $ref '${ref}' is not a schema`);
  return node as JsonSchema;
}

class Validator {
  readonly errors: SchemaError[] = [];
  private readonly patterns = new Map<string, RegExp>();

  constructor(private readonly root: JsonSchema) {}

  private error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Validates `v` against `schema`; returns whether it is valid (errors are collected). */
  check(schema: JsonSchema, v: unknown, path: string): boolean {
    if (schema === true) return true;
    if (schema === false) {
      this.error(path, 'no value is allowed here');
      return false;
    }
    for (const k of Object.keys(schema)) {
      if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`json-schema: unsupported keyword '${k}' at schema for '${path}'`);
    }
    const before = this.errors.length;
    const s = schema as Record<string, unknown>;

    if (s['$ref'] !== undefined) this.check(resolvePointer(this.root, String(s['$ref'])), v, path);

    if (s['type'] !== undefined) {
      const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
      for (const t of types) if (!TYPES.has(t)) throw new Error(`json-schema: unknown type '${t}'`);
      if (!types.some((t) => hasType(v, t))) this.error(path, `expected ${types.join(' or ')}, got ${typeOf(v)}`);
    }
    if (s['enum'] !== undefined) {
      const options = s['enum'] as unknown[];
      if (!options.some((o) => jsonEqual(o, v))) this.error(path, `${JSON.stringify(v)} is not one of ${JSON.stringify(options)}`);
    }
    if (s['const'] !== undefined && !jsonEqual(s['const'], v)) this.error(path, `expected ${JSON.stringify(s['const'])}, got ${JSON.stringify(v)}`);

    if (typeof v === 'number') {
      if (typeof s['minimum'] === 'number' && v < s['minimum']) this.error(path, `${v} is less than the minimum ${s['minimum']}`);
      if (typeof s['maximum'] === 'number' && v > s['maximum']) this.error(path, `${v} is more than the maximum ${s['maximum']}`);
      if (typeof s['exclusiveMinimum'] === 'number' && v <= s['exclusiveMinimum']) this.error(path, `${v} is not more than ${s['exclusiveMinimum']}`);
      if (typeof s['exclusiveMaximum'] === 'number' && v >= s['exclusiveMaximum']) this.error(path, `${v} is not less than ${s['exclusiveMaximum']}`);
    }
    if (typeof v === 'string') {
      const length = [...v].length;
      if (typeof s['minLength'] === 'number' && length < s['minLength']) this.error(path, `string shorter than ${s['minLength']}`);
      if (typeof s['maxLength'] === 'number' && length > s['maxLength']) this.error(path, `string longer than ${s['maxLength']}`);
      if (typeof s['pattern'] === 'string') {
        let re = this.patterns.get(s['pattern']);
        if (re === undefined) {
          re = new RegExp(s['pattern'], 'u');
          this.patterns.set(s['pattern'], re);
        }
        if (!re.test(v)) this.error(path, `${JSON.stringify(v)} does not match /${s['pattern']}/`);
      }
    }
    if (Array.isArray(v)) {
      if (typeof s['minItems'] === 'number' && v.length < s['minItems']) this.error(path, `fewer than ${s['minItems']} items`);
      if (typeof s['maxItems'] === 'number' && v.length > s['maxItems']) this.error(path, `more than ${s['maxItems']} items`);
      if (s['items'] !== undefined) {
        if (Array.isArray(s['items'])) throw new Error('json-schema: tuple "items" is not supported (use prefixItems)');
        v.forEach((item, i) => this.check(s['items'] as JsonSchema, item, path + pointerSegment(i)));
      }
    }
    if (hasType(v, 'object')) {
      const obj = v as Record<string, unknown>;
      const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
      for (const name of (s['required'] ?? []) as string[]) {
        if (!Object.prototype.hasOwnProperty.call(obj, name)) this.error(path, `missing required property '${name}'`);
      }
      for (const [name, value] of Object.entries(obj)) {
        const p = path + pointerSegment(name);
        if (Object.prototype.hasOwnProperty.call(props, name)) this.check(props[name]!, value, p);
        else if (s['additionalProperties'] === false) this.error(p, `property '${name}' is not allowed`);
        else if (s['additionalProperties'] !== undefined && s['additionalProperties'] !== true) this.check(s['additionalProperties'] as JsonSchema, value, p);
      }
    }

    if (s['allOf'] !== undefined) for (const sub of s['allOf'] as JsonSchema[]) this.check(sub, v, path);
    if (s['anyOf'] !== undefined) {
      const subs = s['anyOf'] as JsonSchema[];
      if (!subs.some((sub) => this.quiet(sub, v, path))) this.error(path, `matches none of the ${subs.length} anyOf alternatives${this.hint(subs, v, path)}`);
    }
    if (s['oneOf'] !== undefined) {
      const subs = s['oneOf'] as JsonSchema[];
      const matches = subs.filter((sub) => this.quiet(sub, v, path)).length;
      if (matches !== 1) this.error(path, `matches ${matches} of the oneOf alternatives, not exactly one${matches === 0 ? this.hint(subs, v, path) : ''}`);
    }
    if (s['not'] !== undefined && this.quiet(s['not'] as JsonSchema, v, path)) this.error(path, 'matches the schema in "not"');
    return this.errors.length === before;
  }

  /** Whether `v` is valid against `schema`, without recording errors. */
  private quiet(schema: JsonSchema, v: unknown, path: string): boolean {
    const sub = new Validator(this.root);
    return sub.check(schema, v, path);
  }

  /** The errors of the alternative that got furthest, to make anyOf/oneOf failures readable. */
  private hint(subs: readonly JsonSchema[], v: unknown, path: string): string {
    let best: SchemaError[] | null = null;
    for (const schema of subs) {
      const sub = new Validator(this.root);
      sub.check(schema, v, path);
      if (best === null || sub.errors.length < best.length) best = sub.errors;
    }
    return best !== null && best.length > 0 ? ` (closest: ${best[0]!.path || '/'} ${best[0]!.message})` : '';
  }
}

/** All the ways `value` breaks `schema` (empty when valid). Throws if the schema uses an unsupported keyword. */
export function validate(schema: JsonSchema, value: unknown): SchemaError[] {
  const v = new Validator(schema);
  v.check(schema, value, '');
  return v.errors;
}

/** Formats errors one per line, for test failure messages. */
export function formatErrors(errors: readonly SchemaError[]): string {
  return errors.map((e) => `${e.path || '/'}: ${e.message}`).join('\n');
}
