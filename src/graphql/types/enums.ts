/** Every domain enum, registered with type-graphql once, from its domain module's `as const` table. */
import 'reflect-metadata';
import { registerEnumType } from 'type-graphql';
import { SamplerKind, SamplerParameterType } from '../../contracts.js';
import { ERROR_CODE_MEANINGS, ErrorCode } from '../../errors.js';
import { DiscriminatorOutput, LatentDistribution, OutputKind } from '../../models/manifest.js';
import { ModelStatus } from '../../models/repository.js';
import { OperationKind, Transport } from '../../sampling/counters.js';

registerEnumType(ModelStatus, { name: 'ModelStatus', description: 'READY models serve requests; FAILED ones carry their load error.' });
registerEnumType(OutputKind, { name: 'OutputKind', description: 'What one sample is: a flat vector, or an image [channels, height, width].' });
registerEnumType(DiscriminatorOutput, {
  name: 'DiscriminatorOutput',
  description: 'What D outputs: a logit, or a probability (converted with a clipped logit).',
});
registerEnumType(LatentDistribution, { name: 'LatentDistribution', description: 'How latents are drawn: standard normal, or uniform on [-1, 1].' });
registerEnumType(SamplerParameterType, { name: 'SamplerParameterType' });
registerEnumType(SamplerKind, {
  name: 'SamplerKind',
  description:
    'round: decides G’s proposals (naive, threshold, drs, mh); latent: moves latents along ∇_z d(G(z)) and needs the model’s latent-gradient graph (ddls, dot).',
});
registerEnumType(Transport, { name: 'Transport', description: 'HTTP (Apollo) or WebSocket (graphql-ws).' });
registerEnumType(OperationKind, { name: 'OperationType' });
registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description: 'Why a run failed; the same codes as errors’ `extensions.code`.',
  valuesConfig: Object.fromEntries(Object.entries(ERROR_CODE_MEANINGS).map(([code, description]) => [code, { description }])),
});

export { DiscriminatorOutput, ErrorCode, LatentDistribution, ModelStatus, OperationKind, OutputKind, SamplerKind, SamplerParameterType, Transport };
