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

  it('gathers what is asked while batches run into the next one, and starts a lone lookup at once', async () => {
    const fetched: string[][] = [];
    const answers: Array<() => void> = [];
    const load = batchLoader(
      (keys: readonly string[]) =>
        new Promise<Map<string, string>>((resolve) => {
          fetched.push([...keys]);
          answers.push(() => resolve(new Map(keys.map((k) => [k, k.toUpperCase()]))));
        }),
      (k) => k,
      500,
      1,
    );
    const turn = () => new Promise((r) => setImmediate(r));
    const first = load('a');
    await turn();
    expect(fetched).toEqual([['a']]);
    // One key per turn, as a storm's upgrades arrive, while the first batch runs.
    const later: Array<Promise<string | null>> = [];
    for (const k of ['b', 'c', 'd']) {
      later.push(load(k));
      await turn();
    }
    expect(fetched).toEqual([['a']]);
    answers.shift()!();
    expect(await first).toBe('A');
    await turn();
    expect(fetched).toEqual([['a'], ['b', 'c', 'd']]);
    answers.shift()!();
    expect(await Promise.all(later)).toEqual(['B', 'C', 'D']);
  });
});
