/**
 * Programs at scale (issue 17): a coordinator imports 1,000 pairs in one CSV request, then
 * reads the program's dashboard. One in-process node on a fresh database on the machine's
 * Postgres, driven over HTTP as a browser would.
 *
 * Every one of the 2,000 people already has an account (the heavier import: each becomes a
 * member at once), and the figures are varied before the dashboard is read: every pair's
 * stats row is written, half the pairs accepted the agreement, a fifth hold certificates.
 *
 *   npx tsx bench/programs.ts [--pairs 1000] [--reads 30]
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { agreementAcceptances, certificates, createDb, schema } from '@menteo/db';
import { sql } from 'drizzle-orm';
import { startTestServer } from '../test/harness.ts';
import { createTestDatabase } from '../test/postgres.ts';
import { ApiClient, signup } from '../test/api/api-client.ts';
import { round, summarize } from './stats.ts';

export interface ProgramsBenchResult {
  pairs: number;
  importMs: number;
  dashboardHttpMs: { p50: number; p90: number; max: number };
  dashboardServiceMs: { p50: number; p90: number; max: number };
  dashboardBytes: number;
}

const spread = (xs: number[]) => {
  const s = summarize(xs);
  return { p50: round(s.p50, 1), p90: round(s.p90, 1), max: round(s.max, 1) };
};

export async function runProgramsBench(opts: { pairs: number; reads: number }): Promise<ProgramsBenchResult> {
  const pg = await createTestDatabase();
  const handle = await createDb({ kind: 'postgres', url: pg.url, poolSize: 10 });
  const server = await startTestServer({ db: handle });
  try {
    const db = handle.db;
    const tag = randomBytes(4).toString('hex');
    const emails = Array.from({ length: opts.pairs }, (_, i) => [`mentor${i}.${tag}@bench.test`, `mentee${i}.${tag}@bench.test`] as const);
    for (let i = 0; i < emails.length; i += 500) {
      await db.insert(schema.users).values(
        emails.slice(i, i + 500).flatMap(([a, b], k) => [
          { email: a, displayName: `Mentor ${i + k}`, passwordHash: 'bench' },
          { email: b, displayName: `Mentee ${i + k}`, passwordHash: 'bench' },
        ]),
      );
    }
    const coordinator = await signup(server.url, 'Bench Coordinator');
    const program = (
      await coordinator.client.post('/api/programs', {
        name: 'Bench program',
        startDate: '2026-01-01',
        endDate: '2099-12-31',
        cadenceDays: 14,
        topics: ['Goals', 'Feedback', 'Careers', 'Wrap-up'],
        milestones: Array.from({ length: 8 }, (_, i) => ({ title: `Milestone ${i + 1}`, dueOffsetDays: i * 14 })),
        expectations: 'Meet every two weeks.',
      })
    ).body.program;
    const csv = ['mentor_email,mentee_email,mentor_name,mentee_name', ...emails.map(([a, b], i) => `${a},${b},Mentor ${i},Mentee ${i}`)].join('\n');

    const started = performance.now();
    const imported = await coordinator.client.request('POST', `/api/programs/${program.id}/pairings`, undefined, {
      raw: csv,
      headers: { 'content-type': 'text/csv' },
    });
    const importMs = performance.now() - started;
    if (imported.status !== 201) throw new Error(`import failed: ${imported.status} ${JSON.stringify(imported.body).slice(0, 300)}`);

    // Varied figures, written as the refresh path writes them.
    const rooms: string[] = imported.body.created.map((c: { roomId: string }) => c.roomId);
    const hash = 'a'.repeat(64);
    await db.execute(sql`update pair_stats set milestones_done = (random() * 8)::int, agreement_hash = ${hash}, updated_at = now()`);
    const members = await db.select({ roomId: schema.roomMembers.roomId, userId: schema.roomMembers.userId, role: schema.roomMembers.role }).from(schema.roomMembers);
    const half = new Set(rooms.filter((_, i) => i % 2 === 0));
    const fifth = new Set(rooms.filter((_, i) => i % 5 === 0));
    const accepted = members.filter((m) => half.has(m.roomId)).map((m) => ({ roomId: m.roomId, userId: m.userId, textHash: hash }));
    for (let i = 0; i < accepted.length; i += 1000) await db.insert(agreementAcceptances).values(accepted.slice(i, i + 1000));
    const certs = members
      .filter((m) => fifth.has(m.roomId))
      .map((m) => ({
        id: randomBytes(24).toString('base64url'),
        programId: program.id as string,
        roomId: m.roomId,
        userId: m.userId,
        role: m.role,
        holderName: 'Bench',
        partnerName: 'Bench',
        milestonesDone: 7,
        milestonesTotal: 8,
      }));
    for (let i = 0; i < certs.length; i += 1000) await db.insert(certificates).values(certs.slice(i, i + 1000));
    await db.execute(sql`analyze`);

    const http: number[] = [];
    const service: number[] = [];
    let bytes = 0;
    const reader = new ApiClient(server.url);
    reader.cookie = coordinator.client.cookie;
    const coordinated = await server.app.services.programs.asCoordinator(
      (await reader.get('/api/me')).body.user.id as string,
      program.id as string,
    );
    for (let i = 0; i < opts.reads + 3; i++) {
      const t0 = performance.now();
      const res = await reader.get(`/api/programs/${program.id}/dashboard`);
      const t1 = performance.now();
      await server.app.services.programs.dashboard(coordinated);
      const t2 = performance.now();
      if (res.status !== 200 || res.body.pairs.length !== opts.pairs) throw new Error(`dashboard: ${res.status}`);
      bytes = JSON.stringify(res.body).length;
      // The first reads warm the connection pool and the query plans.
      if (i < 3) continue;
      http.push(t1 - t0);
      service.push(t2 - t1);
    }
    return { pairs: opts.pairs, importMs: round(importMs, 0), dashboardHttpMs: spread(http), dashboardServiceMs: spread(service), dashboardBytes: bytes };
  } finally {
    await server.close();
    await handle.close();
    await pg.drop();
  }
}

export function programsRows(r: ProgramsBenchResult): Array<[string, string | number, string?]> {
  return [
    [`CSV import of ${r.pairs} pairs, one request`, `${r.importMs} ms`, '≤ 10,000 ms'],
    [`dashboard of ${r.pairs} pairs over HTTP, p50 / p90 / max`, `${r.dashboardHttpMs.p50} / ${r.dashboardHttpMs.p90} / ${r.dashboardHttpMs.max} ms`, '≤ 300 ms'],
    ['  of which the service (one query + shaping)', `${r.dashboardServiceMs.p50} / ${r.dashboardServiceMs.p90} / ${r.dashboardServiceMs.max} ms`],
    ['dashboard answer size', `${round(r.dashboardBytes / 1024, 0)} KB`],
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '1000' }, reads: { type: 'string', default: '30' } } });
  const { printTable } = await import('./stats.ts');
  const r = await runProgramsBench({ pairs: Number(values.pairs), reads: Number(values.reads) });
  printTable(`Programs: ${r.pairs} pairs (issue 17)`, programsRows(r));
  console.log(JSON.stringify(r));
}
