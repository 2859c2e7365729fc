/**
 * Apollo Server's `@cacheControl` directive, declared so that fields can carry it. Sampling
 * results are random draws (unless seeded) and counters change, so those fields say
 * `maxAge: 0`: Apollo Server then answers `Cache-Control: no-store` even when the host sets a
 * `defaultMaxAge` for its own fields. The sampling plugin sends that header itself too, so a
 * server may disable Apollo's cache-control plugin (the standalone server does).
 */
import {
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLInt,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

const CacheControlScope = new GraphQLEnumType({ name: 'CacheControlScope', values: { PUBLIC: {}, PRIVATE: {} } });

export const cacheControlDirective = new GraphQLDirective({
  name: 'cacheControl',
  description: 'Apollo Server cache hint (HTTP Cache-Control).',
  locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT, DirectiveLocation.INTERFACE, DirectiveLocation.UNION],
  args: { maxAge: { type: GraphQLInt }, scope: { type: CacheControlScope }, inheritMaxAge: { type: GraphQLBoolean } },
});

/** For `@Directive(...)` on fields whose answers must never be served from an HTTP cache. */
export const NO_CACHE = '@cacheControl(maxAge: 0)';

const noStoreFields = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/** Root fields (of every operation type) declared `@cacheControl(maxAge: 0)` in `schema`. */
export function noStoreRootFields(schema: GraphQLSchema): ReadonlySet<string> {
  let names = noStoreFields.get(schema);
  if (!names) {
    const found = new Set<string>();
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      for (const field of Object.values(root?.getFields() ?? {})) {
        const hint = field.astNode?.directives?.find((d) => d.name.value === 'cacheControl');
        const maxAge = hint?.arguments?.find((a) => a.name.value === 'maxAge')?.value;
        if (maxAge?.kind === Kind.INT && Number(maxAge.value) === 0) found.add(field.name);
      }
    }
    names = found;
    noStoreFields.set(schema, names);
  }
  return names;
}

/**
 * Whether `operation` selects one of `fields` at its root (through fragments too). The standalone
 * server sends `Cache-Control: no-store` for such operations itself, without Apollo's
 * cache-control plugin, which wraps every field resolver (a cost per sample of a big result).
 */
export function selectsRootField(operation: OperationDefinitionNode, document: DocumentNode, fields: ReadonlySet<string>): boolean {
  if (fields.size === 0) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return fields.has(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      const fragment = fragments.get(s.name.value);
      return fragment ? visit(fragment.selectionSet) : false;
    });
  return visit(operation.selectionSet);
}
