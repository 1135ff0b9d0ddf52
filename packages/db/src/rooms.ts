import { and, eq, isNull } from 'drizzle-orm';
import type { Role } from '@menteo/protocol';
import type { Db } from './client.ts';
import { roomMembers, rooms } from './schema.ts';

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
  const rows = await db
    .select({ role: roomMembers.role, archivedAt: rooms.archivedAt })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .limit(1);
  const row = rows[0];
  return row ? { role: row.role, archived: row.archivedAt !== null } : null;
}

export async function listMemberIds(db: Db, roomId: string): Promise<string[]> {
  const rows = await db.select({ userId: roomMembers.userId }).from(roomMembers).where(eq(roomMembers.roomId, roomId));
  return rows.map((r) => r.userId);
}

export const activeRoom = (roomId: string) => and(eq(rooms.id, roomId), isNull(rooms.archivedAt));
