/**
 * A peer server for `npm run bench -- --peers` (bench/peers.ts): Hocuspocus, forked on its own
 * so its CPU and RSS are read from /proc. PORT is where it listens; with DATABASE_URL it
 * stores each document through @hocuspocus/extension-database into a small table this
 * script creates (the whole document state per store, Hocuspocus's debounced default);
 * without it the documents live in memory only.
 */
import { Database } from '@hocuspocus/extension-database';
import { Server } from '@hocuspocus/server';
import postgres from 'postgres';

const port = Number(process.env.PORT);
const databaseUrl = process.env.DATABASE_URL;

async function main(): Promise<void> {
  const extensions: Database[] = [];
  if (databaseUrl) {
    const sql = postgres(databaseUrl, { max: 5, onnotice: () => undefined });
    await sql`CREATE TABLE IF NOT EXISTS bench_hocuspocus_documents (name text PRIMARY KEY, data bytea NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`;
    extensions.push(
      new Database({
        fetch: async ({ documentName }) => {
          const rows = await sql<Array<{ data: Buffer }>>`SELECT data FROM bench_hocuspocus_documents WHERE name = ${documentName}`;
          return rows[0] ? new Uint8Array(rows[0].data) : null;
        },
        store: async ({ documentName, state }) => {
          await sql`INSERT INTO bench_hocuspocus_documents (name, data) VALUES (${documentName}, ${state})
            ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated_at = now()`;
        },
      }),
    );
  }
  const server = new Server({ port, address: '127.0.0.1', quiet: true, stopOnSignals: false, extensions });
  await server.listen();
  process.send?.({ type: 'ready' });
}

process.on('disconnect', () => process.exit(0));
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
