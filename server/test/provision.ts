import { randomUUID } from 'node:crypto';
import { createDb, createRoom, createSession, createUser, schema } from '@menteo/db';
import { hashToken, newToken } from '../src/auth/tokens.ts';

/** A room with its mentor and mentee, each holding a session token (the raw cookie value). */
export interface ProvisionedRoom {
  roomId: string;
  mentor: { userId: string; session: string };
  mentee: { userId: string; session: string };
  /** How it was made: through the public REST API, or straight into the database. */
  via: 'rest' | 'db';
}

const SESSION_COOKIE_RE = /menteo_session=([^;]+)/;

/**
 * Makes a room the way a user would (signup, create room, invite, accept) when the REST
 * API answers; otherwise (the API not built yet) writes the same rows with packages/db.
 */
export async function provisionRoom(baseUrl: string, databaseUrl: string | null): Promise<ProvisionedRoom> {
  const probe = await fetch(`${baseUrl}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (probe.status !== 404) {
    try {
      return await provisionViaRest(baseUrl);
    } catch (err) {
      throw new Error(`REST provisioning failed (signup answers ${probe.status})`, { cause: err });
    }
  }
  // An embedded PGlite belongs to the node process: only the REST API can reach it.
  if (!databaseUrl) throw new Error('the REST API is not there and the node runs on PGlite: cannot provision a room');
  const [room] = await provisionRoomsInDb(databaseUrl, 1);
  return room!;
}

async function provisionViaRest(baseUrl: string): Promise<ProvisionedRoom> {
  const signup = async (name: string) => {
    const res = await fetch(`${baseUrl}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `${name}-${randomUUID()}@example.com`, password: 'correct horse battery', displayName: name }),
    });
    if (!res.ok) throw new Error(`signup: ${res.status} ${await res.text()}`);
    const session = SESSION_COOKIE_RE.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (!session) throw new Error('signup set no session cookie');
    const body = (await res.json()) as { user: { id: string } };
    return { userId: body.user.id, session };
  };
  const call = async <T>(session: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `menteo_session=${session}` },
      body: JSON.stringify(body ?? {}),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const mentor = await signup('mentor');
  const { room } = await call<{ room: { id: string } }>(mentor.session, '/api/rooms', { title: 'durability' });
  const invite = await call<{ token: string }>(mentor.session, `/api/rooms/${room.id}/invites`);
  const mentee = await signup('mentee');
  await call(mentee.session, `/api/invites/${invite.token}/accept`);
  return { roomId: room.id, mentor, mentee, via: 'rest' };
}

/**
 * `count` rooms, each with a fresh mentor and mentee and a session for each, in a few
 * multi-row INSERTs (the benchmark needs thousands; argon2 signups would take minutes).
 * Password hashes are placeholders: these users only ever sign in by session.
 */
export async function provisionRoomsInDb(databaseUrl: string, count: number): Promise<ProvisionedRoom[]> {
  const handle = await createDb({ kind: 'postgres', url: databaseUrl, poolSize: 2 });
  try {
    const db = handle.db;
    if (count === 1) {
      const mentorUser = await createUser(db, { email: `mentor-${randomUUID()}@example.com`, displayName: 'Mentor', passwordHash: '!' });
      const menteeUser = await createUser(db, { email: `mentee-${randomUUID()}@example.com`, displayName: 'Mentee', passwordHash: '!' });
      if (!mentorUser || !menteeUser) throw new Error('createUser returned null for a fresh email');
      const room = await createRoom(db, { title: 'durability', createdBy: mentorUser.id });
      await db.insert(schema.roomMembers).values({ roomId: room.id, userId: menteeUser.id, role: 'mentee' });
      const expiresAt = new Date(Date.now() + 86_400_000);
      const mentor = { userId: mentorUser.id, session: newToken() };
      const mentee = { userId: menteeUser.id, session: newToken() };
      await createSession(db, { tokenHash: hashToken(mentor.session), userId: mentor.userId, expiresAt });
      await createSession(db, { tokenHash: hashToken(mentee.session), userId: mentee.userId, expiresAt });
      return [{ roomId: room.id, mentor, mentee, via: 'db' }];
    }
    const rooms: ProvisionedRoom[] = [];
    const expiresAt = new Date(Date.now() + 86_400_000);
    const BATCH = 250;
    for (let start = 0; start < count; start += BATCH) {
      const batch: ProvisionedRoom[] = [];
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        batch.push({
          roomId: randomUUID(),
          mentor: { userId: randomUUID(), session: newToken() },
          mentee: { userId: randomUUID(), session: newToken() },
          via: 'db',
        });
      }
      const people = batch.flatMap((r) => [r.mentor, r.mentee]);
      await db.insert(schema.users).values(
        people.map((p) => ({ id: p.userId, email: `${p.userId}@bench.example`, displayName: 'Bench', passwordHash: '!' })),
      );
      await db.insert(schema.sessions).values(people.map((p) => ({ tokenHash: hashToken(p.session), userId: p.userId, expiresAt })));
      await db.insert(schema.rooms).values(batch.map((r) => ({ id: r.roomId, title: 'bench', createdBy: r.mentor.userId })));
      await db.insert(schema.roomMembers).values(
        batch.flatMap((r) => [
          { roomId: r.roomId, userId: r.mentor.userId, role: 'mentor' as const },
          { roomId: r.roomId, userId: r.mentee.userId, role: 'mentee' as const },
        ]),
      );
      rooms.push(...batch);
    }
    return rooms;
  } finally {
    await handle.close();
  }
}
