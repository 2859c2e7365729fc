/** The FloatVector scalar: one value for graphql-js, the JSON of a [Float!]! list for clients. */
import { Kind, parseValue } from 'graphql';
import { describe, expect, it } from 'vitest';
import { FloatVector } from '../../src/graphql/types/float-vector.js';

describe('FloatVector', () => {
  it('serialises typed arrays to plain arrays of the doubles they hold, bit-exact', () => {
    const f32 = Float32Array.of(0.1, -2.5, 3e-8);
    const out = FloatVector.serialize(f32);
    expect(Array.isArray(out)).toBe(true);
    expect(out).toEqual([Math.fround(0.1), -2.5, Math.fround(3e-8)]);
    expect(JSON.parse(JSON.stringify(out))).toEqual(Array.from(f32)); // JSON keeps every float32 exactly
    expect(FloatVector.serialize(Float64Array.of(1, 2))).toEqual([1, 2]);
    const list = [1.5, 2];
    expect(FloatVector.serialize(list)).toBe(list); // a plain list of numbers is sent as it is, not copied
    expect(FloatVector.serialize([])).toEqual([]);
  });

  it('rejects what is not a list of finite numbers, naming what it got', () => {
    expect(() => FloatVector.serialize('1,2')).toThrow(/FloatVector cannot represent \[object String\]/);
    expect(() => FloatVector.serialize([1, Number.NaN])).toThrow(/list of finite numbers/);
    expect(() => FloatVector.serialize([1, Number.POSITIVE_INFINITY])).toThrow(/list of finite numbers/);
    expect(() => FloatVector.serialize([1, '2'])).toThrow(/FloatVector cannot represent \[object Array\]/);
    expect(() => FloatVector.serialize(new Array<number>(2))).toThrow(/list of finite numbers/); // holes are not numbers
    expect(() => FloatVector.parseValue([1, '2'])).toThrow(/list of finite numbers/);
  });

  it('reads lists of numbers from variables and literals', () => {
    expect(FloatVector.parseValue([1, 2.5])).toEqual([1, 2.5]);
    expect(FloatVector.parseLiteral(parseValue('[1, 2.5, -3]'))).toEqual([1, 2.5, -3]);
    expect(() => FloatVector.parseLiteral(parseValue('"x"'))).toThrow(/expected a list of numbers/);
    expect(() => FloatVector.parseLiteral({ kind: Kind.LIST, values: [{ kind: Kind.STRING, value: '1' }] })).toThrow(/expected a list of numbers/);
  });
});
