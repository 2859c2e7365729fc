/**
 * `FloatVector`: a list of floats that graphql-js completes as one value instead of one
 * completion per number (what `[Float!]!` costs: for 100,000 2-D samples, 200,000 completions).
 * Clients see the same JSON: an array of numbers.
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/** A plain loop (no callback per number): `sampleValues` sends one list per sample, 100,000 of them in a big answer. */
function isNumberList(value: unknown): value is readonly number[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!Number.isFinite(value[i])) return false; // false for non-numbers and holes too
  return true;
}

export const FloatVector = new GraphQLScalarType<readonly number[], number[]>({
  name: 'FloatVector',
  description:
    'A list of floats, serialised in one go: in JSON an array of numbers, exactly as [Float!]! would give it. ' +
    'Float32 values are written as the doubles they equal (e.g. 0.1f is 0.10000000149011612), so they read back bit-exact.',
  serialize(value: unknown): number[] {
    if (isNumberList(value)) return value as number[]; // already a plain list: sent as it is (checked first: the common case)
    if (value instanceof Float32Array || value instanceof Float64Array) {
      const out = new Array<number>(value.length); // a plain loop: Array.from walks the iterator protocol
      for (let i = 0; i < value.length; i++) out[i] = value[i] as number;
      return out;
    }
    throw new GraphQLError(
      `FloatVector cannot represent ${Object.prototype.toString.call(value)}: expected a Float32Array, Float64Array or a list of finite numbers`,
    );
  },
  parseValue(value: unknown): readonly number[] {
    if (isNumberList(value)) return value;
    throw new GraphQLError('FloatVector: expected a list of finite numbers');
  },
  parseLiteral(ast: ValueNode): readonly number[] {
    if (ast.kind !== Kind.LIST) throw new GraphQLError('FloatVector: expected a list of numbers', { nodes: ast });
    return ast.values.map((v) => {
      if (v.kind !== Kind.FLOAT && v.kind !== Kind.INT) throw new GraphQLError('FloatVector: expected a list of numbers', { nodes: v });
      return Number(v.value);
    });
  },
});
