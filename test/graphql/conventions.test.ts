/** API conventions a host relies on: HTTP cache hints, codes as an enum, operation kinds, DateTime. */
import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { Mutation, Resolver, buildSchemaSync } from 'type-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamplingService, type SamplingService } from '../../src/index.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

@Resolver()
class HostResolver {
  @Mutation(() => Boolean)
  ping(): boolean {
    return true;
  }
}

describe('a host that caches its own fields and has mutations', () => {
  let sampling: SamplingService;
  let apollo: ApolloServer;
  beforeAll(async () => {
    sampling = createSamplingService({
      modelsDir: FIXTURE_MODELS_DIR,
      pool: { workers: 1, intraOpNumThreads: 1 },
      logger: { info() {}, warn() {}, error() {} },
    });
    // The host's own schema: the sampling resolvers beside its own, one of them a mutation.
    const schema = buildSchemaSync({ ...sampling.schemaOptions, resolvers: [...sampling.resolvers, HostResolver] });
    apollo = new ApolloServer({ schema, plugins: [sampling.apolloPlugin, ApolloServerPluginCacheControl({ defaultMaxAge: 60 })] });
    await apollo.start();
  });
  afterAll(() => apollo?.stop());

  const cacheControl = async (query: string) => {
    const response = await apollo.executeOperation({ query });
    expect(response.body.kind === 'single' && response.body.singleResult.errors).toBeFalsy();
    return response.http.headers.get('cache-control');
  };

  it('never lets an HTTP cache keep samples, comparisons or counters, whatever the host’s default', async () => {
    expect(await cacheControl(`{ samplers { name } }`)).toBe('max-age=60, public'); // the host's default applies elsewhere
    expect(await cacheControl(`{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 2 }) { count } }`)).toBe('no-store');
    expect(
      await cacheControl(`{ compareSamplers(input: { modelId: "uniform-gaussian-1d", samplers: [{ name: "naive" }], count: 2 }) { stats { accepted } } }`),
    ).toBe('no-store');
    expect(await cacheControl(`{ serverStats { activeRuns } }`)).toBe('no-store');
  });

  it('serves serverStats after the host’s mutations (kinds the schema does not have are not counted)', async () => {
    await apollo.executeOperation({ query: `mutation { ping }` });
    const response = await apollo.executeOperation({ query: `{ serverStats { operations { operation } } }` });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    const { data, errors } = response.body.singleResult as { data?: { serverStats: { operations: { operation: string }[] } }; errors?: unknown };
    expect(errors).toBeUndefined();
    expect(new Set(data!.serverStats.operations.map((o) => o.operation))).toEqual(new Set(['QUERY']));
  });
});
