/** Looks into a resolver's selection set (fragments included): is a field selected, and which per-sample fields. */
import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { ResponseFields } from '../sampling/budget.js';

type Info = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/** Calls `visit` for every field below the resolver's, fragments expanded (each named fragment once per path). */
function walk(info: Info, visit: (name: string, selectionSet: SelectionSetNode | undefined) => boolean | void): void {
  const inner = (set: SelectionSetNode | undefined, seen: ReadonlySet<string>): boolean => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (visit(selection.name.value, selection.selectionSet) === true || inner(selection.selectionSet, seen)) return true;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (inner(selection.selectionSet, seen)) return true;
      } else if (!seen.has(selection.name.value)) {
        const fragment: FragmentDefinitionNode | undefined = info.fragments[selection.name.value];
        if (fragment && inner(fragment.selectionSet, new Set([...seen, selection.name.value]))) return true;
      }
    }
    return false;
  };
  for (const node of info.fieldNodes) if (inner(node.selectionSet, new Set())) return;
}

export function selectsField(info: Info, name: string): boolean {
  let found = false;
  walk(info, (field) => (found ||= field === name));
  return found;
}

/**
 * How many times each per-sample field is selected, aliases each counted: what the response
 * size estimate needs. (`values`, `logit`, `acceptanceProbability` and `png` exist only on Sample;
 * `samplesBase64` and `sampleValues` only on SampleBatch.)
 */
export function responseFields(info: Info): ResponseFields {
  const counts = { samples: 0, values: 0, logit: 0, acceptanceProbability: 0, png: 0, samplesBase64: 0, sampleValues: 0 };
  walk(info, (name) => {
    if (Object.hasOwn(counts, name)) counts[name as keyof typeof counts]++;
  });
  return counts;
}
