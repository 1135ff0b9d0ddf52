import { Connection } from './Connection.ts';

/**
 * Every Y transaction on a room doc carries one of these origins (STYLE rule 3):
 * - a Connection: a local client's edit → sent to local peers, published to other nodes, persisted;
 * - 'bus': another node's edit → sent to local peers only (that node persists it);
 * - 'load': read from Postgres → already durable, nobody to tell;
 * - 'server': the server's own edit (a meeting's end carries the agenda over) → sent to local
 *   peers, published and persisted like a connection's, with no author to ack.
 */
export type TransactionOrigin = Connection | 'bus' | 'load' | 'server';

export const isConnectionOrigin = (origin: unknown): origin is Connection => origin instanceof Connection;
