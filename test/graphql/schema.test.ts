import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { complexityLimitRule, createSamplingService, depthLimitRule, printSamplingSchema } from '../../src/index.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));

describe('the schema', () => {
  it('matches schema/schema.graphql (run `npm run schema` and commit when this fails)', () => {
    const current = printSamplingSchema(createSamplingService().schema);
    expect(current, 'schema/schema.graphql is stale: run `npm run schema`').toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('can be built twice in one process (resolvers are per plugin instance)', () => {
    const a = createSamplingService();
    const b = createSamplingService();
    expect(a.resolvers[0]).not.toBe(b.resolvers[0]);
    expect(printSamplingSchema(a.schema)).toBe(printSamplingSchema(b.schema));
  });
});

describe('limit rules', () => {
  const schema = buildSchema(`
    type Query { a: A, list: [A!]! }
    type A { b: A, n: Int, cost: Int @deprecated }
  `);
  const errors = (query: string, rules: ReturnType<typeof depthLimitRule>[]) => validate(schema, parse(query), rules).map((e) => e.extensions);

  it('depth: counts field levels through fragments, skips introspection', () => {
    expect(errors(`{ a { b { n } } }`, [depthLimitRule(3)])).toEqual([]);
    expect(errors(`{ a { ...F } } fragment F on A { b { b { n } } }`, [depthLimitRule(3)])).toEqual([
      { code: 'LIMIT_EXCEEDED', limit: 'maxQueryDepth', depth: 4, max: 3 },
    ]);
    expect(errors(`{ __schema { types { fields { type { ofType { name } } } } } }`, [depthLimitRule(1)])).toEqual([]);
  });

  it('complexity: one per field, aliases and fragments included', () => {
    expect(errors(`{ a { n } }`, [complexityLimitRule(2)])).toEqual([]);
    expect(errors(`{ x: a { n } y: a { ... on A { n b { n } } } }`, [complexityLimitRule(5)])).toEqual([
      { code: 'LIMIT_EXCEEDED', limit: 'maxQueryComplexity', complexity: 6, max: 5 },
    ]);
  });
});
