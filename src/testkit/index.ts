/**
 * `graphql-gan-sampler/testkit`: the conformance suite for sampler plugins, for their authors'
 * own tests. It runs under vitest (an optional peer dependency) and uses only the public API:
 * the sampler contract and the admission check (`resolveParams`).
 *
 *     import { defineSamplerConformance } from 'graphql-gan-sampler/testkit';
 *     defineSamplerConformance(createMySampler);
 */
export { checkRunIsolation, checkSnapshotRestore, defineSamplerConformance } from './conformance.js';
export { defineLatentSamplerConformance, latentConformanceModel } from './latent-conformance.js';
