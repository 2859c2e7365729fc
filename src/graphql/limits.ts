/**
 * The validation rules for query depth and complexity (limits `maxQueryDepth` and
 * `maxQueryComplexity`). The same rules run for HTTP (Apollo plugin) and WebSocket (graphql-ws
 * `validate`).
 */
import {
  getNamedType,
  isCompositeType,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { limitExceeded } from '../errors.js';
import type { SamplingLimits } from '../limits.js';
import { toGraphQLError } from './errors.js';

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

/** A fragment's value (depth or cost) by name; `undefined` for an unknown fragment or one on a cycle being computed. */
type FragmentValue = (name: string) => number | undefined;

/** Names of the fragments spread in `set`, through its fields and inline fragments (not through other fragments). */
function spreadsIn(set: SelectionSetNode | undefined, into: string[] = []): string[] {
  if (!set) return into;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FRAGMENT_SPREAD) into.push(sel.name.value);
    else spreadsIn(sel.selectionSet, into);
  }
  return into;
}

/**
 * `evaluate` of each fragment, computed once per document and only when asked for. A fragment
 * definition always has a type condition, so its depth and cost are the same wherever it is
 * spread: memoising them makes the work linear in the document, where expanding every spread
 * is exponential in fragment nesting. The fragments a fragment spreads are evaluated first, in
 * an explicit stack, so a long chain of fragments does not recurse. A spread of an unknown
 * fragment counts as nothing, and so does one of a fragment still being evaluated: a cycle,
 * which NoFragmentCycles reports in the same pass (the numbers of a cyclic document are only
 * finite, not meaningful).
 */
function memoisedFragments(fragments: Fragments, evaluate: (fragment: FragmentDefinitionNode, valueOf: FragmentValue) => number): FragmentValue {
  const values = new Map<string, number>();
  const open = new Set<string>();
  const valueOf: FragmentValue = (root) => {
    if (values.has(root) || open.has(root) || !fragments.has(root)) return values.get(root);
    const enter = (name: string) => {
      open.add(name);
      return { name, spreads: spreadsIn(fragments.get(name)!.selectionSet), next: 0 };
    };
    const stack = [enter(root)];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.spreads.length) {
        const name = top.spreads[top.next++]!;
        if (!values.has(name) && !open.has(name) && fragments.has(name)) stack.push(enter(name));
        continue;
      }
      // every fragment `top` spreads has its value now (or is on a cycle through `top`)
      values.set(top.name, evaluate(fragments.get(top.name)!, valueOf));
      open.delete(top.name);
      stack.pop();
    }
    return values.get(root);
  };
  return valueOf;
}

/** Field nesting depth of a selection set; fragments count as what they expand to, `__`-fields are skipped. */
function depthOf(set: SelectionSetNode | undefined, fragmentDepth: FragmentValue): number {
  if (!set) return 0;
  let max = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      max = Math.max(max, 1 + depthOf(sel.selectionSet, fragmentDepth));
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, depthOf(sel.selectionSet, fragmentDepth));
    } else {
      max = Math.max(max, fragmentDepth(sel.name.value) ?? 0);
    }
  }
  return max;
}

/**
 * Costs saturate here (above it a double no longer counts in ones): a cost that reaches it is
 * "too large to count", and exceeds every finite limit.
 */
const MAX_COST = Number.MAX_SAFE_INTEGER;
const addCosts = (a: number, b: number): number => Math.min(a + b, MAX_COST);

/**
 * Cost of a selection set: each field's `extensions.complexity` (type-graphql's `complexity`
 * option; default 1) plus its children's. Aliased copies each count, which is the point.
 */
function costOf(schema: GraphQLSchema, type: GraphQLCompositeType | undefined, set: SelectionSetNode | undefined, fragmentCost: FragmentValue): number {
  if (!set) return 0;
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      const field = type && 'getFields' in type ? type.getFields()[sel.name.value] : undefined;
      const own = field?.extensions?.complexity;
      const child = field ? getNamedType(field.type) : undefined;
      total = addCosts(
        total,
        addCosts(typeof own === 'number' ? own : 1, costOf(schema, child && isCompositeType(child) ? child : undefined, sel.selectionSet, fragmentCost)),
      );
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const condition = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
      total = addCosts(total, costOf(schema, condition && isCompositeType(condition) ? condition : type, sel.selectionSet, fragmentCost));
    } else {
      total = addCosts(total, fragmentCost(sel.name.value) ?? 0);
    }
  }
  return total;
}

/**
 * The cost of a fragment definition, on its type condition. When that names no composite type
 * (an invalid document: KnownTypeNames or FragmentsOnCompositeTypes reports it) fields are
 * looked up on no type and cost 1 each, whatever the type where the fragment is spread.
 */
function fragmentCostOf(schema: GraphQLSchema, fragment: FragmentDefinitionNode, fragmentCost: FragmentValue): number {
  const condition = schema.getType(fragment.typeCondition.name.value);
  return costOf(schema, condition && isCompositeType(condition) ? condition : undefined, fragment.selectionSet, fragmentCost);
}

function fragmentsOf(context: ValidationContext): Fragments {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) map.set(def.name.value, def);
  return map;
}

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context): ASTVisitor => {
    let fragmentDepth: FragmentValue | undefined; // shared by the document's operations
    return {
      OperationDefinition(node) {
        fragmentDepth ??= memoisedFragments(fragmentsOf(context), (fragment, valueOf) => depthOf(fragment.selectionSet, valueOf));
        const depth = depthOf(node.selectionSet, fragmentDepth);
        if (depth > maxDepth) {
          const name = node.name ? ` "${node.name.value}"` : '';
          context.reportError(
            toGraphQLError(
              limitExceeded({ limit: 'maxQueryDepth', max: maxDepth, depth }, `operation${name} has depth ${depth}, above the limit of ${maxDepth}`),
            ),
          );
        }
      },
    };
  };
}

export function complexityLimitRule(maxComplexity: number): ValidationRule {
  return (context): ASTVisitor => {
    const schema = context.getSchema();
    let fragmentCost: FragmentValue | undefined; // shared by the document's operations
    return {
      OperationDefinition(node) {
        fragmentCost ??= memoisedFragments(fragmentsOf(context), (fragment, valueOf) => fragmentCostOf(schema, fragment, valueOf));
        const root = schema.getRootType(node.operation) ?? undefined;
        const complexity = costOf(schema, root, node.selectionSet, fragmentCost);
        // a saturated cost is above any finite limit, whatever that limit is
        const exceeded = complexity >= MAX_COST ? maxComplexity !== Infinity : complexity > maxComplexity;
        if (exceeded) {
          const name = node.name ? ` "${node.name.value}"` : '';
          const shown = complexity >= MAX_COST ? `at least ${MAX_COST}` : `${complexity}`;
          context.reportError(
            toGraphQLError(
              limitExceeded(
                { limit: 'maxQueryComplexity', max: maxComplexity, complexity },
                `operation${name} has complexity ${shown}, above the limit of ${maxComplexity}`,
              ),
            ),
          );
        }
      },
    };
  };
}

/** The depth and complexity rules for `limits`. */
export function limitRules(limits: Pick<SamplingLimits, 'maxQueryDepth' | 'maxQueryComplexity'>): ValidationRule[] {
  return [depthLimitRule(limits.maxQueryDepth), complexityLimitRule(limits.maxQueryComplexity)];
}
