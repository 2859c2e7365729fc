/** `Query.serverStats`: the plugin's metrics and the engine's load, for dashboards and tests. */
import 'reflect-metadata';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { OperationKind, Transport } from './enums.js';

@ObjectType()
export class OperationCount {
  @Field(() => Transport)
  transport!: Transport;
  @Field(() => OperationKind)
  operation!: OperationKind;
  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class ErrorCount {
  @Field(() => Transport)
  transport!: Transport;
  @Field(() => String, { description: 'The error’s extensions.code.' })
  code!: string;
  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Counters since the server started.' })
export class ServerStats {
  @Field(() => String, { description: 'ISO 8601 start time.' })
  startedAt!: string;
  @Field(() => Float)
  uptimeSeconds!: number;
  @Field(() => [OperationCount])
  operations!: OperationCount[];
  @Field(() => [ErrorCount])
  errors!: ErrorCount[];
  @Field(() => Int, { description: 'Samples returned by `sample` queries.' })
  samplesReturned!: number;
  @Field(() => Int, { description: 'Samples sent by `sampleStream` subscriptions.' })
  samplesStreamed!: number;
  @Field(() => Int)
  activeStreams!: number;
  @Field(() => Int)
  streamsStarted!: number;
  @Field(() => Int, { description: 'Sampling runs in progress (queries and streams).' })
  activeRuns!: number;
  @Field(() => Int, { description: 'Inference rounds completed by the worker pool.' })
  inferenceRounds!: number;
  @Field(() => Int)
  workers!: number;
  @Field(() => Int)
  modelsReady!: number;
  @Field(() => Int)
  modelsFailed!: number;
}
