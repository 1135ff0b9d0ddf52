import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../postgres.ts';
import { startNodeProcess, type NodeProcess } from '../process.ts';
import { provisionRoom } from '../provision.ts';

/** A node killed with -9 during a meeting: the meeting is in Postgres, so it is still open after the restart. */
describe.each(['postgres', 'pglite'] as const)('a meeting when its node is killed with -9 (%s)', (backend) => {
  const nodes: NodeProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const n of nodes) await n.kill9();
    for (const c of cleanups) await c();
  });

  it('is still open after the restart, and ends there with its summary', async () => {
    let env: { databaseUrl: string | null; dataDir?: string };
    if (backend === 'postgres') {
      const pg = await createTestDatabase();
      cleanups.push(() => pg.drop());
      env = { databaseUrl: pg.url };
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-meeting-kill9-'));
      cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      env = { databaseUrl: null, dataDir: dir };
    }
    const first = await startNodeProcess({ ...env, nodeId: `meet-kill9-${backend}-a` });
    nodes.push(first);
    const room = await provisionRoom(first.url, env.databaseUrl);
    const call = (node: NodeProcess, method: string, p: string) =>
      fetch(`${node.url}${p}`, {
        method,
        headers: { cookie: `menteo_session=${room.mentor.session}`, origin: node.url, 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : '{}',
      });
    const started = await call(first, 'POST', `/api/rooms/${room.roomId}/meetings`);
    expect(started.status).toBe(201);
    const { meeting } = (await started.json()) as { meeting: { id: string } };
    await first.kill9();

    const second = await startNodeProcess({ ...env, port: first.port, nodeId: `meet-kill9-${backend}-b` });
    nodes.push(second);
    const after = (await (await call(second, 'GET', `/api/rooms/${room.roomId}/meetings/${meeting.id}`)).json()) as {
      meeting: { endedAt: string | null };
    };
    expect(after.meeting.endedAt).toBeNull();
    // Start again answers that same open meeting; End works on the new node.
    const again = await call(second, 'POST', `/api/rooms/${room.roomId}/meetings`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { meeting: { id: string } }).meeting.id).toBe(meeting.id);
    const ended = await call(second, 'POST', `/api/rooms/${room.roomId}/meetings/${meeting.id}/end`);
    expect(ended.status).toBe(200);
    expect(((await ended.json()) as { meeting: { summary: unknown } }).meeting.summary).not.toBeNull();
  }, 90_000);
});
