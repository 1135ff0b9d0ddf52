import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Role } from '@menteo/protocol';
import type { Db } from './client.ts';
import { invites, roomMembers, rooms, users } from './schema.ts';

export type RoomRow = typeof rooms.$inferSelect;

/** Creates the room and makes its creator the mentor, atomically. */
export async function createRoom(db: Db, input: { title: string; createdBy: string }): Promise<RoomRow> {
  return db.transaction(async (tx) => {
    const [room] = await tx.insert(rooms).values(input).returning();
    if (!room) throw new Error('insert into rooms returned no row');
    await tx.insert(roomMembers).values({ roomId: room.id, userId: input.createdBy, role: 'mentor' });
    return room;
  });
}

/**
 * The caller's role in a room that exists, or null (not a member, or no such room).
 * Archived rooms still answer: members may read them; writers decide separately.
 */
export async function getMembership(
  db: Db,
  roomId: string,
  userId: string,
): Promise<{ role: Role; archived: boolean } | null> {
  return (await getMemberships(db, [{ roomId, userId }])).get(membershipKey(roomId, userId)) ?? null;
}

/** The key of a (room, user) pair in getMemberships' answer. */
export const membershipKey = (roomId: string, userId: string): string => `${roomId} ${userId}`;

/** Several memberships in one query, keyed by membershipKey (absent: not a member). */
export async function getMemberships(
  db: Db,
  pairs: ReadonlyArray<{ roomId: string; userId: string }>,
): Promise<Map<string, { role: Role; archived: boolean }>> {
  const out = new Map<string, { role: Role; archived: boolean }>();
  if (pairs.length === 0) return out;
  const wanted = new Set(pairs.map((p) => membershipKey(p.roomId, p.userId)));
  const rows = await db
    .select({ roomId: roomMembers.roomId, userId: roomMembers.userId, role: roomMembers.role, archivedAt: rooms.archivedAt })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(
      and(
        inArray(roomMembers.roomId, [...new Set(pairs.map((p) => p.roomId))]),
        inArray(roomMembers.userId, [...new Set(pairs.map((p) => p.userId))]),
      ),
    );
  // The two lists also match pairs no one asked for; only the asked ones are answered.
  for (const row of rows) {
    const key = membershipKey(row.roomId, row.userId);
    if (wanted.has(key)) out.set(key, { role: row.role, archived: row.archivedAt !== null });
  }
  return out;
}

export interface MemberView {
  userId: string;
  displayName: string;
  role: Role;
  joinedAt: Date;
}

/** A room as one of its members sees it. */
export interface RoomView {
  id: string;
  title: string;
  createdAt: Date;
  archivedAt: Date | null;
  myRole: Role;
  members: MemberView[];
}

/** Every room the user is a member of (archived ones too), newest first, with their members. */
export async function listRoomsForUser(db: Db, userId: string): Promise<RoomView[]> {
  const mine = await db
    .select({ room: rooms, role: roomMembers.role })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(eq(roomMembers.userId, userId))
    .orderBy(desc(rooms.createdAt), asc(rooms.id));
  if (mine.length === 0) return [];
  const members = await membersOf(
    db,
    mine.map((m) => m.room.id),
  );
  return mine.map(({ room, role }) => ({
    id: room.id,
    title: room.title,
    createdAt: room.createdAt,
    archivedAt: room.archivedAt,
    myRole: role,
    members: members.get(room.id) ?? [],
  }));
}

/** The room as the user sees it, or null when it does not exist or the user is not a member. */
export async function getRoomForUser(db: Db, roomId: string, userId: string): Promise<RoomView | null> {
  const rows = await db
    .select({ room: rooms, role: roomMembers.role })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const members = await membersOf(db, [roomId]);
  return {
    id: row.room.id,
    title: row.room.title,
    createdAt: row.room.createdAt,
    archivedAt: row.room.archivedAt,
    myRole: row.role,
    members: members.get(roomId) ?? [],
  };
}

async function membersOf(db: Db, roomIds: string[]): Promise<Map<string, MemberView[]>> {
  const rows = await db
    .select({
      roomId: roomMembers.roomId,
      userId: roomMembers.userId,
      displayName: users.displayName,
      role: roomMembers.role,
      joinedAt: roomMembers.joinedAt,
    })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(inArray(roomMembers.roomId, roomIds))
    // The mentor first: as text 'mentor' > 'mentee', so descending order lists the mentor first.
    .orderBy(desc(roomMembers.role));
  const byRoom = new Map<string, MemberView[]>();
  for (const { roomId, ...member } of rows) {
    const list = byRoom.get(roomId) ?? [];
    list.push(member);
    byRoom.set(roomId, list);
  }
  return byRoom;
}

export async function renameRoom(db: Db, roomId: string, title: string): Promise<void> {
  await db.update(rooms).set({ title }).where(eq(rooms.id, roomId));
}

/**
 * Archives or unarchives a room. Archiving also expires its unused invites, so an invite
 * sent before the room was archived cannot bring a mentee into it later (unarchiving does
 * not revive them; the mentor sends a new one).
 */
export async function setRoomArchived(db: Db, roomId: string, archived: boolean, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(rooms)
      .set({ archivedAt: archived ? now : null })
      .where(eq(rooms.id, roomId));
    if (archived) {
      await tx
        .update(invites)
        .set({ expiresAt: now })
        .where(and(eq(invites.roomId, roomId), isNull(invites.usedAt)));
    }
  });
}

/** Removes a mentee (the mentor row is never deleted here). True when a row was removed. */
export async function removeMentee(db: Db, roomId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId), eq(roomMembers.role, 'mentee')))
    .returning({ userId: roomMembers.userId });
  return rows.length > 0;
}

/** True when the room already has its (at most one) mentee. */
export async function hasMentee(db: Db, roomId: string): Promise<boolean> {
  const rows = await db
    .select({ userId: roomMembers.userId })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.role, 'mentee')))
    .limit(1);
  return rows.length > 0;
}
