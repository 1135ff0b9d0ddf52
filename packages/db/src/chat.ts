import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { rowsOf } from './room-log.ts';
import { chatMessages, users } from './schema.ts';

/** A message as the chat writer hands it over. */
export interface ChatMessageInput {
  roomId: string;
  authorId: string;
  body: string;
}

/** What a committed message got from the database, in the order the inputs were given. */
export interface ChatMessageCommitted {
  id: number;
  createdAt: Date;
  meetingId: string | null;
}

/**
 * The chat's group commit: one INSERT for the whole batch, whatever its size, with three
 * array parameters. Rows are inserted in the order given, so their ids increase in that
 * order; the answer is matched back to the inputs by sorting on id (RETURNING's own order
 * is not promised). Each message is tied to its room's open meeting as of the commit (the
 * partial unique index meetings_one_open_key makes that a single index probe per row).
 */
export async function insertChatMessages(db: Db, rows: readonly ChatMessageInput[]): Promise<ChatMessageCommitted[]> {
  if (rows.length === 0) return [];
  const result: unknown = await db.execute(sql`
    insert into chat_messages (room_id, author_id, body, meeting_id)
    select t.room_id::uuid, t.author::uuid, t.body,
      (select m.id from meetings m where m.room_id = t.room_id::uuid and m.ended_at is null)
    from unnest(
      ${textArray(rows.map((r) => r.roomId))}::text[],
      ${textArray(rows.map((r) => r.authorId))}::text[],
      ${textArray(rows.map((r) => r.body))}::text[]
    ) with ordinality as t(room_id, author, body, n)
    order by t.n
    returning id, created_at, meeting_id`);
  type Row = { id: number | string; created_at: Date | string; meeting_id: string | null };
  const out = rowsOf<Row>(result)
    .map((r) => ({ id: Number(r.id), createdAt: new Date(r.created_at), meetingId: r.meeting_id }))
    .sort((a, b) => a.id - b.id);
  if (out.length !== rows.length) throw new Error(`chat insert returned ${out.length} rows for ${rows.length}`);
  return out;
}

/** A stored message with its author's current display name. */
export interface ChatMessageRow {
  id: number;
  roomId: string;
  authorId: string;
  authorName: string;
  body: string;
  createdAt: Date;
  meetingId: string | null;
}

/**
 * A room's messages newest first: the `limit` newest, or the `limit` newest older than the
 * message `before` (the "load older" cursor). One index range scan on (room_id, id desc).
 */
export async function listChatMessages(db: Db, roomId: string, page: { before?: number; limit: number }): Promise<ChatMessageRow[]> {
  const where =
    page.before === undefined ? eq(chatMessages.roomId, roomId) : and(eq(chatMessages.roomId, roomId), lt(chatMessages.id, page.before));
  return db
    .select({
      id: chatMessages.id,
      roomId: chatMessages.roomId,
      authorId: chatMessages.authorId,
      authorName: users.displayName,
      body: chatMessages.body,
      createdAt: chatMessages.createdAt,
      meetingId: chatMessages.meetingId,
    })
    .from(chatMessages)
    .innerJoin(users, eq(users.id, chatMessages.authorId))
    .where(where)
    .orderBy(desc(chatMessages.id))
    .limit(page.limit);
}

/** How many messages rooms hold (tests and the benchmark's persistence check). */
export async function countChatMessages(db: Db, roomIds: readonly string[]): Promise<number> {
  if (roomIds.length === 0) return 0;
  const rows = await db.select({ n: sql<number>`count(*)::int` }).from(chatMessages).where(inArray(chatMessages.roomId, [...roomIds]));
  return Number(rows[0]?.n ?? 0);
}

/** A text[] literal: every element quoted, so no value (quotes, braces, commas) can break out of it. */
function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
