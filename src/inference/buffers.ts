/** Typed-array plumbing shared by the pool, its workers, the batcher and result assembly. */

/**
 * The view's bytes as an ArrayBuffer the caller may transfer: the view's own buffer when the
 * view covers all of it (the caller then loses the view), else a copy's.
 */
export function ownedBuffer(view: Float32Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  return view.slice().buffer;
}

type FloatArray = Float32Array | Float64Array;

/** Concatenates row-major blocks into one array of the same type (the only block itself when alone). */
export function concatArrays<T extends FloatArray>(parts: readonly T[], make: (length: number) => T): T {
  if (parts.length === 1) return parts[0]!;
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export const concatFloat32 = (parts: readonly Float32Array[]): Float32Array => concatArrays(parts, (n) => new Float32Array(n));
export const concatFloat64 = (parts: readonly Float64Array[]): Float64Array => concatArrays(parts, (n) => new Float64Array(n));
