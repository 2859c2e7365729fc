/**
 * The depth and complexity rules on fragments: reuse costs what inlining costs, validation work
 * is linear in the document however fragments nest, cycles neither loop nor overflow.
 */
import { Kind, parse, print, specifiedRules, validate, visit, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { complexityLimitRule, createSamplingService, depthLimitRule } from '../../src/index.js';
import { nestedFragments } from './fragments.js';

const schema = createSamplingService().schema;

/** Depth and complexity as the rules compute them (limits of 0, so they always report). */
function measure(document: DocumentNode): { depth: number; complexity: number } {
  const errors = validate(schema, document, [depthLimitRule(0), complexityLimitRule(0)]);
  const of = (limit: string) => errors.find((e) => e.extensions.limit === limit)?.extensions;
  return { depth: (of('maxQueryDepth')?.depth as number) ?? 0, complexity: (of('maxQueryComplexity')?.complexity as number) ?? 0 };
}

/** The same document with every fragment spread replaced by an inline fragment of its body. */
function inlined(document: DocumentNode): DocumentNode {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const operations = { ...document, definitions: document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION) };
  return visit(operations, {
    FragmentSpread(node) {
      const fragment = fragments.get(node.name.value)!;
      return { kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: [], selectionSet: fragment.selectionSet };
    },
  });
}

/**
 * Parses `query` and counts reads of every selection set's `selections` while `run` validates it;
 * throws once they pass `budget` (so work that grows with the expansion fails fast instead of
 * running for hours).
 */
function countSelectionReads<T>(query: string, budget: number, run: (document: DocumentNode) => T): { reads: number; sets: number; result: T } {
  const document = parse(query);
  const sets: SelectionSetNode[] = [];
  visit(document, { SelectionSet: (node) => void sets.push(node) });
  let reads = 0;
  for (const set of sets) {
    const selections = set.selections;
    Object.defineProperty(set, 'selections', {
      configurable: true,
      enumerable: true,
      get() {
        if (++reads > budget) throw new Error(`more than ${budget} reads of selection sets (${sets.length} in the document)`);
        return selections;
      },
    });
  }
  const result = run(document);
  return { reads, sets: sets.length, result };
}

describe('limit rules and fragments', () => {
  it('a fragment reused in several places costs what its inlined copies cost', () => {
    const cases = [
      // two aliases of `sample` (20 each) through one fragment, a nested fragment used twice, and reuse across root fields
      `query($i: SampleInput!) { a: sample(input: $i) { ...R } b: sample(input: $i) { ...R } models { ...M } m: model(id: "x") { ...M } }
       fragment R on SampleResult { count stats { seed } ...B metrics { mixture2d { modeCount } } }
       fragment B on SampleBatch { samples { values } ...C }
       fragment C on SampleBatch { count sampleShape }
       fragment M on Model { id ...N }
       fragment N on Model { id }`,
      // the same fragment spread twice in one selection set and once in an inline fragment
      `{ ...Q ...Q ... on Query { ...Q } } fragment Q on Query { models { id } serverStats { uptimeSeconds } }`,
      // a fragment spread at different depths
      `query($i: SampleInput!) { sample(input: $i) { ...S samples { ...V } } } fragment S on SampleResult { samples { ...V } } fragment V on Sample { values logit }`,
    ];
    const expected = [
      { depth: 4, complexity: 2 * (20 + 1 + 2 + 4 + 12) + 2 * (1 + 2) },
      { depth: 2, complexity: 3 * 4 },
      { depth: 3, complexity: 20 + 3 + 3 },
    ];
    cases.forEach((query, i) => {
      const document = parse(query);
      expect(validate(schema, document), query).toEqual([]);
      expect(measure(document), query).toEqual(expected[i]);
      expect(measure(inlined(document)), print(inlined(document))).toEqual(expected[i]);
    });
  });

  it('the fields a fragment counts come from its type condition, wherever it is spread', () => {
    // metrics costs 10 on SampleResult; the spread in SampleEvent is invalid, but costs the same
    const document = parse(
      `subscription($i: SampleInput!) { sampleStream(input: $i) { ...R } } fragment R on SampleResult { metrics { mixture2d { modeCount } } }`,
    );
    expect(measure(document)).toEqual({ depth: 4, complexity: 20 + 10 + 1 + 1 });
  });

  it(`n = 40 nested fragments: rejected with LIMIT_EXCEEDED, with work linear in the document`, () => {
    const rules = [depthLimitRule(10), complexityLimitRule(500)];
    const run = (n: number) => countSelectionReads(nestedFragments(n), 10_000, (document) => validate(schema, document, rules));
    const small = run(20);
    const large = run(40);
    expect(large.result.map((e) => e.extensions)).toEqual([{ code: 'LIMIT_EXCEEDED', limit: 'maxQueryComplexity', complexity: 2 ** 41, max: 500 }]);
    expect(large.result[0]!.message).toBe(`operation has complexity ${2 ** 41}, above the limit of 500`);
    // graphql's own visit reads each selection set once; each rule may read each a few times more
    expect(large.reads).toBeLessThanOrEqual(8 * large.sets);
    expect(large.reads / small.reads).toBeLessThan(2.5);
  });

  it('a cost too large to count saturates: rejected under any finite limit, as a JSON-safe number', () => {
    for (const n of [60, 1100]) {
      const query = nestedFragments(n);
      for (const max of [500, 2 ** 60]) {
        const { result: errors } = countSelectionReads(query, 100_000, (document) => validate(schema, document, [complexityLimitRule(max)]));
        expect(errors.map((e) => e.extensions)).toEqual([{ code: 'LIMIT_EXCEEDED', limit: 'maxQueryComplexity', complexity: Number.MAX_SAFE_INTEGER, max }]);
        expect(errors[0]!.message).toBe(`operation has complexity at least ${Number.MAX_SAFE_INTEGER}, above the limit of ${max}`);
        expect(JSON.parse(JSON.stringify(errors[0]!.extensions)).complexity).toBe(Number.MAX_SAFE_INTEGER);
      }
      expect(countSelectionReads(query, 100_000, (document) => validate(schema, document, [complexityLimitRule(Infinity)])).result).toEqual([]);
    }
  });

  it('fragment cycles neither loop nor overflow: NoFragmentCycles reports them in the same pass', () => {
    const rules = [...specifiedRules, depthLimitRule(10), complexityLimitRule(500)];
    const cyclic = [
      `{ ...A } fragment A on Query { ...A }`,
      `{ ...A } fragment A on Query { models { id } ...B } fragment B on Query { serverStats { uptimeSeconds } ...A }`,
      `{ models { ...M } } fragment M on Model { id ...M }`,
      // exponential and cyclic: the last fragment spreads the first
      nestedFragments(40).replace('fragment F40 on Query { models { id } }', 'fragment F40 on Query { models { id } ...F0 }'),
    ];
    for (const query of cyclic) {
      const { result } = countSelectionReads(query, 10_000, (document) => validate(schema, document, rules));
      expect(result.map((e) => e.message).join('\n'), query).toMatch(/Cannot spread fragment "\w+" within itself/);
      expect(() => countSelectionReads(query, 10_000, (document) => validate(schema, document, [depthLimitRule(0), complexityLimitRule(0)]))).not.toThrow();
    }
  });

  it('a long chain of fragments does not overflow the stack', () => {
    const n = 20_000;
    const parts = ['query { ...F0 }'];
    for (let i = 0; i < n; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} }`);
    parts.push(`fragment F${n} on Query { models { id } }`);
    expect(measure(parse(parts.join('\n')))).toEqual({ depth: 2, complexity: 2 });
  });
});
