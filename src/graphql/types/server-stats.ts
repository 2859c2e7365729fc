/** `Query.serverStats`: the plugin's metrics and the engine's load, for dashboards and tests. */
import 'reflect-metadata';
import { GraphQLDateTime } from 'graphql-scalars';
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
  @Field(() => String, { description: 'The error’s extensions.code: an `ErrorCode`, or one of Apollo Server’s (e.g. GRAPHQL_VALIDATION_FAILED).' })
  code!: string;
  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Counters since the server started.' })
export class ServerStats {
  @Field(() => GraphQLDateTime, { description: 'When the counters started (the service was created).' })
  startedAt!: Date;
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
