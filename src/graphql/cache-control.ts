/**
 * Apollo Server's `@cacheControl` directive, declared so that fields can carry it. Sampling
 * results are random draws (unless seeded) and counters change, so those fields say
 * `maxAge: 0`: Apollo Server then answers `Cache-Control: no-store` even when the host sets a
 * `defaultMaxAge` for its own fields.
 */
import { DirectiveLocation, GraphQLBoolean, GraphQLDirective, GraphQLEnumType, GraphQLInt } from 'graphql';

const CacheControlScope = new GraphQLEnumType({ name: 'CacheControlScope', values: { PUBLIC: {}, PRIVATE: {} } });

export const cacheControlDirective = new GraphQLDirective({
  name: 'cacheControl',
  description: 'Apollo Server cache hint (HTTP Cache-Control).',
  locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT, DirectiveLocation.INTERFACE, DirectiveLocation.UNION],
  args: { maxAge: { type: GraphQLInt }, scope: { type: CacheControlScope }, inheritMaxAge: { type: GraphQLBoolean } },
});

/** For `@Directive(...)` on fields whose answers must never be served from an HTTP cache. */
export const NO_CACHE = '@cacheControl(maxAge: 0)';
