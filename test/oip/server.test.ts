/**
 * The Open Inference Protocol server of the standalone server, over real HTTP and real ONNX
 * models (the fixtures): metadata, health, JSON and binary infer, and bad requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeInferResponse, encodeInferRequest, INFERENCE_HEADER } from '../../src/inference/remote.js';
import { Random } from '../../src/random.js';
import { startTestServer, type TestServer } from '../graphql/client.js';

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startTestServer({ limits: { maxInferRequestBytes: 64 * 1024, maxInferRequests: 1 } });
  base = new URL(server.url).origin;
});
afterAll(() => server.stop());

const getJson = async (path: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: await res.json() };
};

/** POSTs an infer request; returns the status and the decoded outputs (or the error). */
async function infer(model: string, body: Uint8Array | string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${base}/v2/models/${model}/infer`, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200)
    return { status: res.status, error: (JSON.parse(Buffer.from(bytes).toString()) as { error: string }).error, json: null, outputs: null };
  const header = res.headers.get(INFERENCE_HEADER);
  const json = JSON.parse(Buffer.from(bytes.subarray(0, header ? Number(header) : bytes.length)).toString()) as Record<string, any>;
  return { status: res.status, error: null, json, outputs: decodeInferResponse(bytes, header) };
}

const latents = (rows: number, dim: number, seed = 1): Float32Array => new Random(seed).latents(rows, dim, 'normal');

describe('the Open Inference Protocol server', () => {
  it('answers server metadata and health', async () => {
    expect(await getJson('/v2')).toEqual({
      status: 200,
      body: { name: 'graphql-gan-sampler', version: expect.any(String), extensions: ['binary_tensor_data'] },
    });
    expect(await getJson('/v2/health/live')).toEqual({ status: 200, body: { live: true } });
    expect(await getJson('/v2/health/ready')).toEqual({ status: 200, body: { ready: true } });
    expect(await getJson('/v2/models/tiny-image/ready')).toEqual({ status: 200, body: { name: 'tiny-image', ready: true } });
  });

  it('describes the round model and the two graphs, −1 for the batch', async () => {
    expect((await getJson('/v2/models/tiny-image')).body).toEqual({
      name: 'tiny-image',
      versions: ['1'],
      platform: 'ensemble',
      inputs: [{ name: 'latent', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'sample', datatype: 'FP32', shape: [-1, 1, 2, 2] },
        { name: 'logit', datatype: 'FP32', shape: [-1, 1] },
      ],
    });
    const g = (await getJson('/v2/models/tiny-image.generator')).body;
    expect(g).toMatchObject({ name: 'tiny-image.generator', platform: 'onnxruntime_onnx', inputs: [{ datatype: 'FP32', shape: [-1, 4] }] });
    expect(g.outputs[0].shape).toEqual([-1, 1, 2, 2]);
    const d = (await getJson('/v2/models/tiny-image.discriminator/versions/1')).body;
    expect(d).toMatchObject({ name: 'tiny-image.discriminator', inputs: [{ shape: [-1, 1, 2, 2] }], outputs: [{ shape: [-1, 1] }] });
    const missing = await getJson('/v2/models/no-such-model');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/model "no-such-model" not found \(models: .*tiny-image\.generator/);
  });

  it('runs the round as G then D: sample = generator(latent), logit = discriminator(sample), JSON and binary alike', async () => {
    const z = latents(5, 4);
    const round = await infer('tiny-image', encodeInferRequest([{ name: 'latent', shape: [5, 4], data: z }], ['sample', 'logit'], false).body);
    expect(round.status).toBe(200);
    expect(round.json).toMatchObject({ model_name: 'tiny-image', model_version: '1' });
    const sample = round.outputs!.get('sample')!;
    const logit = round.outputs!.get('logit')!;
    expect(sample.shape).toEqual([5, 1, 2, 2]);
    expect(logit.shape).toEqual([5, 1]);

    const meta = (await getJson('/v2/models/tiny-image.generator')).body;
    const dMeta = (await getJson('/v2/models/tiny-image.discriminator')).body;
    const g = await infer(
      'tiny-image.generator',
      encodeInferRequest([{ name: meta.inputs[0].name, shape: [5, 4], data: z }], [meta.outputs[0].name], true).body,
      {
        'content-type': 'application/octet-stream',
        [INFERENCE_HEADER]: String(
          encodeInferRequest([{ name: meta.inputs[0].name, shape: [5, 4], data: z }], [meta.outputs[0].name], true).headers[INFERENCE_HEADER],
        ),
      },
    );
    expect(g.status).toBe(200);
    expect([...g.outputs!.get(meta.outputs[0].name)!.data]).toEqual([...sample.data]);
    const dReq = encodeInferRequest([{ name: dMeta.inputs[0].name, shape: [5, 1, 2, 2], data: sample.data }], [dMeta.outputs[0].name], true);
    const d = await infer('tiny-image.discriminator', dReq.body, dReq.headers);
    expect([...d.outputs!.get(dMeta.outputs[0].name)!.data]).toEqual([...logit.data]);

    // The binary extension both ways gives the same numbers as JSON.
    const bin = encodeInferRequest([{ name: 'latent', shape: [5, 4], data: z }], ['sample', 'logit'], true);
    const binary = await infer('tiny-image', bin.body, bin.headers);
    expect(binary.json!.outputs.map((o: any) => o.parameters)).toEqual([{ binary_data_size: 5 * 4 * 4 }, { binary_data_size: 5 * 4 }]);
    expect([...binary.outputs!.get('sample')!.data]).toEqual([...sample.data]);
    expect([...binary.outputs!.get('logit')!.data]).toEqual([...logit.data]);
  });

  it('returns only the outputs asked for, echoes the id, and takes nested data', async () => {
    const body = JSON.stringify({
      id: 'req-1',
      inputs: [
        {
          name: 'latent',
          shape: [2, 4],
          datatype: 'FP32',
          data: [
            [0, 0, 0, 0],
            [1, 1, 1, 1],
          ],
        },
      ],
      outputs: [{ name: 'logit' }],
    });
    const r = await infer('tiny-image', body);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 'req-1', outputs: [{ name: 'logit', datatype: 'FP32', shape: [2, 1] }] });
    expect(r.json!.outputs).toHaveLength(1);
  });

  it('answers 503 with Retry-After beyond MAX_INFER_REQUESTS at once (1 here), counting a body still arriving', async () => {
    const body = JSON.stringify({ inputs: [{ name: 'latent', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0] }] });
    const half = body.length >> 1;
    let finish!: () => void;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from(body.slice(0, half)));
        finish = () => {
          controller.enqueue(Buffer.from(body.slice(half)));
          controller.close();
        };
      },
    });
    const first = fetch(`${base}/v2/models/tiny-image/infer`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    // Until the first request's body has arrived, a second one is refused.
    let second: Response;
    const deadline = Date.now() + 5000;
    do second = await fetch(`${base}/v2/models/tiny-image/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    while (second.status === 200 && Date.now() < deadline);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as { error: string }).error).toMatch(/too many infer requests at once \(MAX_INFER_REQUESTS = 1\); retry later/);
    finish();
    expect((await first).status).toBe(200);
    // The slot is free again.
    await new Promise((r) => setTimeout(r, 50));
    expect((await infer('tiny-image', body)).status).toBe(200);
  });

  it('refuses bad tensors with 400 and a message naming what was wrong, and keeps serving', async () => {
    const req = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ inputs: [{ name: 'latent', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0], ...input }], ...extra });
    const cases: [string, RegExp][] = [
      [req({ datatype: 'INT64' }), /input "latent": datatype must be FP32, got "INT64"/],
      [req({ shape: [1, 3], data: [0, 0, 0] }), /input "latent": shape must be \[batch, 4\], got \[1, 3\]/],
      [req({ shape: [2, 4] }), /input "latent": "data" has 4 values, shape \[2, 4\] needs 8/],
      [req({ data: [0, 0, 'x', 0] }), /"data"\[2\] is "x", not a number/],
      [req({ name: 'z' }), /unknown input "z": this model's input is "latent"/],
      [req({ shape: [0, 4], data: [] }), /the batch \(first dimension\) must be at least 1/],
      [req({}, { outputs: [{ name: 'probability' }] }), /unknown output "probability": this model's outputs are "sample", "logit"/],
      ['{"inputs": [', /the request body is not JSON/],
      [JSON.stringify({ inputs: [] }), /"inputs" must be a non-empty array; this model takes one input "latent"/],
    ];
    for (const [body, message] of cases) {
      const r = await infer('tiny-image', body);
      expect(r.status, body).toBe(400);
      expect(r.error).toMatch(message);
    }
    // Binary: a NaN latent, and a size that does not match.
    const nan = encodeInferRequest([{ name: 'latent', shape: [1, 4], data: new Float32Array([0, NaN, 0, 0]) }], ['sample'], true);
    expect(await infer('tiny-image', nan.body, nan.headers)).toMatchObject({
      status: 400,
      error: expect.stringMatching(/value 1 is NaN; inputs must be finite/),
    });
    const short = encodeInferRequest([{ name: 'latent', shape: [1, 4], data: new Float32Array(4) }], ['sample'], true);
    expect(await infer('tiny-image', short.body.subarray(0, short.body.length - 4), short.headers)).toMatchObject({
      status: 400,
      error: expect.stringMatching(/the body holds 12 bytes after the JSON header, expected 16/),
    });
    // Larger than MAX_INFER_REQUEST_BYTES (64 KiB here): 413.
    const big = encodeInferRequest([{ name: 'latent', shape: [5000, 4], data: new Float32Array(20_000) }], ['sample'], true);
    expect(await infer('tiny-image', big.body, big.headers)).toMatchObject({
      status: 413,
      error: expect.stringMatching(/larger than MAX_INFER_REQUEST_BYTES = 65536 bytes/),
    });
    // Still serving.
    const ok = await infer('tiny-image', req({}));
    expect(ok.status).toBe(200);
  });
});
