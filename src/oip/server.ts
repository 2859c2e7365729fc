/**
 * The Open Inference Protocol ("KServe v2") REST server over this service's inference tier,
 * per kserve/open-inference-protocol `specification/protocol/inference_rest.md`, with the binary
 * tensor data extension. Models: `{id}` is the G → D round as one model (input `latent`, outputs
 * `sample` and `logit`, like a Triton ensemble) and goes through the same batcher as GraphQL;
 * `{id}.generator` and `{id}.discriminator` are the two ONNX graphs alone, under their own
 * tensor names. Errors are `{"error": "..."}`: 400 for a bad request, 404 for an unknown model,
 * 413 for a body over MAX_INFER_REQUEST_BYTES, 503 while starting, draining or unavailable.
 */
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { AbortReason } from '../abort.js';
import { ErrorCode, errorCode } from '../errors.js';
import { INFERENCE_HEADER, ROUND_INPUT, ROUND_LOGIT, ROUND_SAMPLE } from '../inference/remote.js';
import type { ReadyModel } from '../models/repository.js';
import type { SamplingGateway } from '../sampling/gateway.js';
import { decodeRequest, encodeResponse, ProtocolError, type TensorSpec } from './tensors.js';

/** The server's name and version in `GET /v2`. */
export const SERVER_NAME = 'graphql-gan-sampler';
const SERVER_VERSION = '0.1.0';
const MODEL_VERSION = '1';

export type ModelPart = 'round' | 'generator' | 'discriminator';

/** A protocol model: which GAN model and which part of it, with its tensors. */
export interface ProtocolModel {
  readonly name: string;
  readonly model: ReadyModel;
  readonly part: ModelPart;
  readonly platform: string;
  readonly input: TensorSpec;
  readonly outputs: readonly TensorSpec[];
}

/** The protocol models of a READY GAN model: `{id}`, `{id}.generator`, `{id}.discriminator`. */
export function protocolModels(model: ReadyModel): ProtocolModel[] {
  const latent = [-1, model.manifest.latent.dim];
  const sample = [-1, ...model.manifest.output.shape];
  const score = [-1, 1];
  const { signature: sig } = model;
  return [
    {
      name: model.id,
      model,
      part: 'round',
      platform: 'ensemble',
      input: { name: ROUND_INPUT, shape: latent },
      outputs: [
        { name: ROUND_SAMPLE, shape: sample },
        { name: ROUND_LOGIT, shape: score },
      ],
    },
    {
      name: `${model.id}.generator`,
      model,
      part: 'generator',
      platform: 'onnxruntime_onnx',
      input: { name: sig.generatorInput, shape: latent },
      outputs: [{ name: sig.generatorOutput, shape: sample }],
    },
    {
      name: `${model.id}.discriminator`,
      model,
      part: 'discriminator',
      platform: 'onnxruntime_onnx',
      input: { name: sig.discriminatorInput, shape: sample },
      outputs: [{ name: sig.discriminatorOutput, shape: score }],
    },
  ];
}

const PARTS = ['generator', 'discriminator'] as const;

export interface InferenceProtocolOptions {
  /** Largest infer body (JSON or binary). */
  readonly maxBodyBytes: number;
  /** Largest batch one infer request may carry. */
  readonly maxRows: number;
  /** Infer requests at once (from the first byte to the answer); more get 503. */
  readonly maxConcurrent: number;
}

/** The `/v2/...` routes as an express router: mount it at the root of your app (`app.use(service.inferenceProtocol)`). */
export function createInferenceProtocolRouter(gateway: SamplingGateway, options: InferenceProtocolOptions): Router {
  const router = express.Router();
  const send = (res: Response, status: number, body: object): void => void res.status(status).set('cache-control', 'no-store').json(body);
  const fail = (res: Response, status: number, message: string): void => send(res, status, { error: message });

  /** The protocol model `name`, or a ProtocolError (404 unknown, 503 not serving, 400 failed to load). */
  const resolve = (name: string): ProtocolModel => {
    const engine = gateway.engineIfServing();
    if (!engine) throw new ProtocolError(503, `the server is ${gateway.state}`);
    let id = name;
    let part: ModelPart = 'round';
    for (const p of PARTS) {
      if (name.endsWith(`.${p}`) && !engine.repository.get(name)) {
        id = name.slice(0, -(p.length + 1));
        part = p;
      }
    }
    const entry = engine.repository.get(id);
    if (!entry) {
      const known = engine.repository.list().flatMap((m) => (m.status === 'READY' ? [m.id, `${m.id}.generator`, `${m.id}.discriminator`] : []));
      throw new ProtocolError(404, `model "${name}" not found (models: ${known.join(', ') || 'none'})`);
    }
    if (entry.status !== 'READY') throw new ProtocolError(400, `model "${name}" failed to load: ${entry.error}`);
    return protocolModels(entry).find((m) => m.part === part)!;
  };

  const handle = (res: Response, error: unknown): void => {
    if (error instanceof ProtocolError) return fail(res, error.status, error.message);
    const code = errorCode(error);
    const message = (error as Error).message ?? String(error);
    const status =
      code === ErrorCode.NOT_FOUND
        ? 404
        : code === ErrorCode.BAD_USER_INPUT || code === ErrorCode.LIMIT_EXCEEDED || code === ErrorCode.MODEL_NOT_READY
          ? 400
          : code === ErrorCode.NOT_STARTED || code === ErrorCode.SHUTTING_DOWN || code === ErrorCode.INFERENCE_UNAVAILABLE
            ? 503
            : code === ErrorCode.CANCELLED
              ? 499
              : 500;
    if (status === 503) res.set('retry-after', '1');
    if (!res.headersSent && !res.destroyed) fail(res, status, message);
  };

  router.get('/v2', (_req, res) => send(res, 200, { name: SERVER_NAME, version: SERVER_VERSION, extensions: ['binary_tensor_data'] }));
  router.get('/v2/health/live', (_req, res) => {
    const live = gateway.state !== 'failed';
    send(res, live ? 200 : 503, { live });
  });
  router.get('/v2/health/ready', (_req, res) => {
    void gateway.inferenceReadiness().then((r) => send(res, r.ready ? 200 : 503, r.ready ? { ready: true } : { ready: false, error: r.reason }));
  });

  const metadata = (req: Request<{ name: string }>, res: Response): void => {
    try {
      const m = resolve(req.params.name);
      const tensor = (t: TensorSpec) => ({ name: t.name, datatype: 'FP32', shape: t.shape });
      send(res, 200, { name: m.name, versions: [MODEL_VERSION], platform: m.platform, inputs: [tensor(m.input)], outputs: m.outputs.map(tensor) });
    } catch (error) {
      handle(res, error);
    }
  };
  const ready = (req: Request<{ name: string }>, res: Response): void => {
    let m: ProtocolModel;
    try {
      m = resolve(req.params.name);
    } catch (error) {
      return handle(res, error);
    }
    void gateway
      .inferenceReadiness()
      .then((r) => send(res, r.ready ? 200 : 503, r.ready ? { name: m.name, ready: true } : { name: m.name, ready: false, error: r.reason }));
  };
  const infer = async (req: Request<{ name: string }>, res: Response): Promise<void> => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(AbortReason.HTTP_CLIENT_DISCONNECTED);
    });
    try {
      const m = resolve(req.params.name);
      if (!Buffer.isBuffer(req.body)) throw new ProtocolError(400, 'the request needs a body');
      const header = req.get(INFERENCE_HEADER);
      const request = decodeRequest(req.body, header, m.input, m.outputs, options.maxRows);
      const { rows, data } = request.input;
      const values = await gateway.infer(controller.signal, async (engine, signal) => {
        if (m.part === 'round') {
          const { samples, logits } = await engine.inferRound(m.model.id, data, rows, signal);
          return new Map([
            [ROUND_SAMPLE, samples],
            [ROUND_LOGIT, logits],
          ]);
        }
        return new Map([[m.outputs[0]!.name, await engine.inferGraph(m.model.id, m.part, data, rows, signal)]]);
      });
      const outputs = request.outputs.map((o) => {
        const spec = m.outputs.find((s) => s.name === o.name)!;
        return { name: o.name, shape: [rows, ...spec.shape.slice(1)], data: values.get(o.name)!, binary: o.binary };
      });
      const { body, headerLength } = encodeResponse({ model_name: m.name, model_version: MODEL_VERSION, id: request.id }, outputs);
      res.status(200).set('cache-control', 'no-store');
      if (headerLength === undefined) res.type('application/json');
      else res.type('application/octet-stream').set(INFERENCE_HEADER, String(headerLength));
      res.end(body);
    } catch (error) {
      handle(res, error);
    }
  };

  let inFlight = 0;
  const admit = (_req: Request, res: Response, next: () => void): void => {
    if (inFlight >= options.maxConcurrent) {
      res.set('retry-after', '1').set('connection', 'close');
      return fail(res, 503, `too many infer requests at once (MAX_INFER_REQUESTS = ${options.maxConcurrent}); retry later`);
    }
    inFlight++;
    res.once('close', () => inFlight--);
    next();
  };

  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    router.get(prefix, metadata);
    router.get(`${prefix}/ready`, ready);
    router.post(
      `${prefix}/infer`,
      admit,
      express.raw({ type: () => true, limit: options.maxBodyBytes }),
      (req: Request<{ name: string }>, res: Response) => void infer(req, res),
    );
  }

  const bodyErrors: ErrorRequestHandler = (error: { type?: string; message?: string; status?: number }, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (error.type === 'entity.too.large') {
      res.set('connection', 'close');
      return fail(res, 413, `the request body is larger than MAX_INFER_REQUEST_BYTES = ${options.maxBodyBytes} bytes`);
    }
    fail(res, error.status && error.status < 500 ? error.status : 400, `bad request: ${error.message ?? 'unreadable body'}`);
  };
  router.use('/v2', bodyErrors);
  return router;
}
