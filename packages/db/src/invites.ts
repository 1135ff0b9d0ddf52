import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from './client.ts';
import { invites, roomMembers, rooms, users } from './schema.ts';

export type InviteRow = typeof invites.$inferSelect;

export async function createInvite(
  db: Db,
  input: { tokenHash: string; roomId: string; createdBy: string; expiresAt: Date; role?: 'mentor' | 'mentee'; email?: string | null },
): Promise<InviteRow> {
  const [row] = await db.insert(invites).values(input).returning();
  if (!row) throw new Error('insert into invites returned no row');
  return row;
}

export type InviteStatus = 'valid' | 'expired' | 'used' | 'full';

export interface InvitePreviewRow {
  roomId: string;
  roomTitle: string;
  mentorName: string;
  status: InviteStatus;
  expiresAt: Date;
}

/** What the accept page shows; null for an unknown token. Used beats expired beats full. */
export async function previewInvite(db: Db, tokenHash: string, now = new Date()): Promise<InvitePreviewRow | null> {
  const rows = await db
    .select({ invite: invites, roomTitle: rooms.title, archivedAt: rooms.archivedAt })
    .from(invites)
    .innerJoin(rooms, eq(rooms.id, invites.roomId))
    .where(eq(invites.tokenHash, tokenHash))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const members = await db
    .select({ role: roomMembers.role, displayName: users.displayName })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(eq(roomMembers.roomId, row.invite.roomId));
  const status: InviteStatus = row.invite.usedAt
    ? 'used'
    : row.invite.expiresAt <= now || row.archivedAt
      ? 'expired'
      : members.some((m) => m.role === row.invite.role)
        ? 'full'
        : 'valid';
  return {
    roomId: row.invite.roomId,
    roomTitle: row.roomTitle,
    mentorName: members.find((m) => m.role === 'mentor')?.displayName ?? '',
    status,
    expiresAt: row.invite.expiresAt,
  };
}

/** Why an accept failed; each maps to one HTTP answer. */
export type AcceptFailure = 'unknown' | 'used' | 'expired' | 'archived' | 'own_room' | 'already_member' | 'full' | 'wrong_account';
export type AcceptResult = { ok: true; roomId: string } | { ok: false; reason: AcceptFailure };

class AcceptAbort extends Error {
  constructor(readonly reason: AcceptFailure) {
    super(reason);
  }
}

/**
 * Makes the caller the room's mentee (or mentor, for a program's mentor invite), in one transaction: lock the invite row, check it,
 * mark it used (only if still unused and unexpired), insert the membership. The unique
 * (room_id, role) index settles races between two different invites of one room: the
 * loser's insert does nothing and the whole transaction rolls back, so a failed accept
 * writes nothing.
 */
export async function acceptInvite(db: Db, tokenHash: string, userId: string, now = new Date()): Promise<AcceptResult> {
  try {
    const roomId = await db.transaction(async (tx) => {
      const [invite] = await tx.select().from(invites).where(eq(invites.tokenHash, tokenHash)).for('update').limit(1);
      if (!invite) throw new AcceptAbort('unknown');
      if (invite.usedAt) throw new AcceptAbort('used');
      if (invite.expiresAt <= now) throw new AcceptAbort('expired');
      const [room] = await tx.select({ archivedAt: rooms.archivedAt }).from(rooms).where(eq(rooms.id, invite.roomId));
      if (!room) throw new AcceptAbort('unknown');
      if (room.archivedAt) throw new AcceptAbort('archived');
      const members = await tx
        .select({ userId: roomMembers.userId, role: roomMembers.role })
        .from(roomMembers)
        .where(eq(roomMembers.roomId, invite.roomId));
      const mine = members.find((m) => m.userId === userId);
      if (mine) throw new AcceptAbort(mine.role === 'mentor' && invite.role === 'mentee' ? 'own_room' : 'already_member');
      if (members.some((m) => m.role === invite.role)) throw new AcceptAbort('full');
      if (invite.email !== null) {
        // A program's invite names its person: another account holding the link can't take the seat.
        const [me] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId));
        if (me?.email !== invite.email) throw new AcceptAbort('wrong_account');
      }

      const used = await tx
        .update(invites)
        .set({ usedAt: now, usedBy: userId })
        .where(and(eq(invites.tokenHash, tokenHash), isNull(invites.usedAt), gt(invites.expiresAt, now)))
        .returning({ tokenHash: invites.tokenHash });
      if (used.length === 0) throw new AcceptAbort('used');
      const inserted = await tx
        .insert(roomMembers)
        .values({ roomId: invite.roomId, userId, role: invite.role })
        .onConflictDoNothing()
        .returning({ userId: roomMembers.userId });
      if (inserted.length === 0) throw new AcceptAbort('full');
      return invite.roomId;
    });
    return { ok: true, roomId };
  } catch (err) {
    if (err instanceof AcceptAbort) return { ok: false, reason: err.reason };
    throw err;
  }
}
