import os from 'node:os';
import postgres from 'postgres';

/**
 * `--priority=N` (a nice value, e.g. --priority=-10): the machine is shared, and when other people's
 * test runs keep the load far above the core count, the benchmark measures the scheduler
 * rather than the server. Raising the priority of everything on the measured path — the
 * nodes, the generators, the benchmark's Redis and the Postgres backends serving its
 * database — gives it a fair share. 0 leaves priorities alone. Needs root for negative values.
 */
export function setPriority(pids: Array<number | undefined>, priority: number): void {
  if (priority === 0) return;
  for (const pid of pids) {
    if (pid === undefined) continue;
    try {
      os.setPriority(pid, priority);
    } catch (err) {
      // A process that already exited (a short-lived backend) has no priority to set; anything else is worth a line.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') console.warn(`could not set priority of ${pid}: ${(err as Error).message}`);
    }
  }
}

/** The Postgres server processes currently connected to the database at `url`. */
export async function postgresBackends(url: string): Promise<number[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    return rows.map((r) => r.pid);
  } finally {
    await sql.end();
  }
}
