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

/** Field nesting depth of a selection set; fragments are expanded, `__`-fields skipped. */
function depthOf(set: SelectionSetNode | undefined, fragments: Fragments, seen: ReadonlySet<string> = new Set()): number {
  if (!set) return 0;
  let max = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      max = Math.max(max, 1 + depthOf(sel.selectionSet, fragments, seen));
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, depthOf(sel.selectionSet, fragments, seen));
    } else {
      const name = sel.name.value;
      const fragment = fragments.get(name);
      if (fragment && !seen.has(name)) max = Math.max(max, depthOf(fragment.selectionSet, fragments, new Set([...seen, name])));
    }
  }
  return max;
}

/**
 * Cost of a selection set: each field's `extensions.complexity` (type-graphql's `complexity`
 * option; default 1) plus its children's. Aliased copies each count, which is the point.
 */
function costOf(schema: GraphQLSchema, type: GraphQLCompositeType | undefined, set: SelectionSetNode | undefined, fragments: Fragments, seen: ReadonlySet<string> = new Set()): number {
  if (!set) return 0;
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      const field = type && 'getFields' in type ? type.getFields()[sel.name.value] : undefined;
      const own = field?.extensions?.complexity;
      const child = field ? getNamedType(field.type) : undefined;
      total += (typeof own === 'number' ? own : 1) + costOf(schema, child && isCompositeType(child) ? child : undefined, sel.selectionSet, fragments, seen);
    } else {
      const fragment = sel.kind === Kind.INLINE_FRAGMENT ? sel : fragments.get(sel.name.value);
      if (!fragment || (sel.kind === Kind.FRAGMENT_SPREAD && seen.has(sel.name.value))) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
      const next = sel.kind === Kind.FRAGMENT_SPREAD ? new Set([...seen, sel.name.value]) : seen;
      total += costOf(schema, condition && isCompositeType(condition) ? condition : type, fragment.selectionSet, fragments, next);
    }
  }
  return total;
}

function fragmentsOf(context: ValidationContext): Fragments {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) map.set(def.name.value, def);
  return map;
}

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(node) {
      const depth = depthOf(node.selectionSet, fragmentsOf(context));
      if (depth > maxDepth) {
        const name = node.name ? ` "${node.name.value}"` : '';
        context.reportError(toGraphQLError(limitExceeded({ limit: 'maxQueryDepth', max: maxDepth, depth }, `operation${name} has depth ${depth}, above the limit of ${maxDepth}`)));
      }
    },
  });
}

export function complexityLimitRule(maxComplexity: number): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(node) {
      const schema = context.getSchema();
      const root = schema.getRootType(node.operation) ?? undefined;
      const complexity = costOf(schema, root, node.selectionSet, fragmentsOf(context));
      if (complexity > maxComplexity) {
        const name = node.name ? ` "${node.name.value}"` : '';
        context.reportError(toGraphQLError(limitExceeded({ limit: 'maxQueryComplexity', max: maxComplexity, complexity }, `operation${name} has complexity ${complexity}, above the limit of ${maxComplexity}`)));
      }
    },
  });
}

/** The depth and complexity rules for `limits`. */
export function limitRules(limits: Pick<SamplingLimits, 'maxQueryDepth' | 'maxQueryComplexity'>): ValidationRule[] {
  return [depthLimitRule(limits.maxQueryDepth), complexityLimitRule(limits.maxQueryComplexity)];
}
