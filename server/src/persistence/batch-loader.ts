import DataLoader from 'dataloader';

/**
 * Lookups asked for in one turn of the event loop go to the database as one query: a connect
 * storm's thousands of session, membership and room reads become tens of queries, where each
 * was its own round trip (and a socket write to Postgres) before. Nothing is cached: every call
 * reads rows as they are when its batch runs, so a revoked session or membership is seen at once.
 *
 * `fetch` answers the keys it found in a map keyed by `keyOf`; a key it leaves out resolves to
 * null. A failed query rejects every call in its batch.
 */
export function batchLoader<K, V>(
  fetch: (keys: readonly K[]) => Promise<Map<string, V>>,
  keyOf: (key: K) => string,
  maxBatchSize = 500,
): (key: K) => Promise<V | null> {
  const loader = new DataLoader<K, V | null, string>(
    async (keys) => {
      const found = await fetch(keys);
      return keys.map((k) => found.get(keyOf(k)) ?? null);
    },
    {
      cache: false,
      cacheKeyFn: keyOf,
      maxBatchSize,
      // After the turn's I/O callbacks, so every upgrade read in this turn joins the batch.
      batchScheduleFn: (run) => setImmediate(run),
    },
  );
  return (key) => loader.load(key);
}
