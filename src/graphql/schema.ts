/** Builds the sampling schema (or just its resolver classes, for a platform's own schema). */
import 'reflect-metadata';
import { printSchema, specifiedDirectives, type GraphQLDirective, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray, type PubSub } from 'type-graphql';
import type { SamplingGateway } from '../sampling/gateway.js';
import { cacheControlDirective } from './cache-control.js';
import { createCompareResolver } from './resolvers/compare.js';
import { createModelResolver } from './resolvers/models.js';
import { createSampleResolver } from './resolvers/sample.js';
import { createSamplerResolver } from './resolvers/samplers.js';
import { createStatsResolver } from './resolvers/stats.js';

/**
 * Resolver classes bound to one gateway. Classes are made per service instance (type-graphql
 * instantiates resolvers itself), so two services in one process never share an engine.
 */
export function createResolvers(gateway: SamplingGateway): NonEmptyArray<Function> {
  return [
    createModelResolver(gateway),
    createSamplerResolver(gateway),
    createSampleResolver(gateway),
    createCompareResolver(gateway),
    createStatsResolver(gateway),
  ];
}

/**
 * type-graphql insists on a PubSub once a subscription exists, even when every subscription
 * has its own `subscribe` function (ours do): this one is never used.
 */
const unusedPubSub: PubSub = {
  publish() {},
  subscribe(topic) {
    throw new Error(`no pub/sub topics in the sampling schema (asked for "${topic}")`);
  },
};

/** What `buildSchema` needs besides the resolvers: the PubSub type-graphql insists on, and the directives the resolvers use (Apollo's `@cacheControl`). */
export interface SamplingSchemaOptions {
  readonly pubSub: PubSub;
  readonly directives: GraphQLDirective[];
}

export function samplingSchemaOptions(): SamplingSchemaOptions {
  return { pubSub: unusedPubSub, directives: [...specifiedDirectives, cacheControlDirective] };
}

export function buildSamplingSchema(resolvers: NonEmptyArray<Function>): GraphQLSchema {
  return buildSchemaSync({ ...samplingSchemaOptions(), resolvers, validate: false });
}

/** The SDL committed as schema/schema.graphql (fields in declaration order, as the classes read). */
export function printSamplingSchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
