import * as Y from 'yjs';

/** A stored update and who made it (a kept history row or a log row). */
export interface AuthoredUpdate {
  data: Uint8Array;
  authorId: string | null;
}

interface DeletedRange {
  clock: number;
  end: number;
  authorId: string | null;
}

/**
 * Who made which Yjs items and who deleted them, learnt from authored updates. A Yjs client id
 * belongs to one browser session, so one author: the structs of an update name the author of
 * every character they hold, and its delete set the author of every deletion in it.
 */
export interface Attribution {
  /** The author of the items a client made, null when no update of that client was seen. */
  authorOfClient(client: number): string | null;
  /** The author of the update that deleted item (client, clock), null when unknown. */
  deleterOf(client: number, clock: number): string | null;
}

/**
 * Reads the updates once. Updates that do not decode are skipped (stored.ts skips them too).
 * A later update wins for a deletion seen twice (merged rows can repeat one).
 */
export function attributionOf(updates: Iterable<AuthoredUpdate>): Attribution {
  const clients = new Map<number, string | null>();
  const deletes = new Map<number, DeletedRange[]>();
  for (const u of updates) {
    let decoded: ReturnType<typeof Y.decodeUpdate>;
    try {
      decoded = Y.decodeUpdate(u.data);
    } catch {
      continue;
    }
    for (const struct of decoded.structs) {
      if (u.authorId !== null || !clients.has(struct.id.client)) clients.set(struct.id.client, u.authorId);
    }
    for (const [client, items] of decoded.ds.clients) {
      let list = deletes.get(client);
      if (!list) deletes.set(client, (list = []));
      for (const d of items) list.push({ clock: d.clock, end: d.clock + d.len, authorId: u.authorId });
    }
  }
  return {
    authorOfClient: (client) => clients.get(client) ?? null,
    deleterOf(client, clock) {
      const list = deletes.get(client);
      if (!list) return null;
      for (let i = list.length - 1; i >= 0; i--) {
        const d = list[i];
        if (d !== undefined && clock >= d.clock && clock < d.end) return d.authorId;
      }
      return null;
    },
  };
}

/** No rows: every author unknown. */
export const NO_ATTRIBUTION: Attribution = { authorOfClient: () => null, deleterOf: () => null };
