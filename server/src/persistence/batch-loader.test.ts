import { describe, expect, it } from 'vitest';
import { batchLoader } from './batch-loader.ts';

describe('batchLoader', () => {
  it('answers the lookups of one turn with one fetch, unknown keys with null, and never caches', async () => {
    const fetched: string[][] = [];
    let value = 'a1';
    const load = batchLoader(async (keys: readonly string[]) => {
      fetched.push([...keys]);
      return new Map([['a', value]]);
    }, (k) => k);
    expect(await Promise.all([load('a'), load('b'), load('a')])).toEqual(['a1', null, 'a1']);
    expect(fetched).toEqual([['a', 'b', 'a']]);
    value = 'a2';
    expect(await load('a')).toBe('a2');
    expect(fetched).toHaveLength(2);
  });

  it('splits at the batch size and rejects every call of a failed batch', async () => {
    const sizes: number[] = [];
    const load = batchLoader(async (keys: readonly number[]) => {
      sizes.push(keys.length);
      if (keys.includes(7)) throw new Error('database gone');
      return new Map(keys.map((k) => [String(k), k * 2]));
    }, String, 3);
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6, 7].map(load));
    expect(sizes).toEqual([3, 3, 1]);
    expect(results.slice(0, 6).map((r) => (r.status === 'fulfilled' ? r.value : null))).toEqual([2, 4, 6, 8, 10, 12]);
    expect(results[6]).toMatchObject({ status: 'rejected' });
  });
});
