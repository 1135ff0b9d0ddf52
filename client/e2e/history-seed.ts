/**
 * A room with a long past, written straight into its update log: two authors' real Yjs edits
 * (typing notes letter by letter, adding goals and milestones, ticking them, moving goals
 * between columns), one log row per update, with times spread over the last days. Typing
 * 50,000 updates through the UI would take hours at the server's per-connection rate limit;
 * these rows are what the server itself would have logged, and it reads them the same way.
 */
import postgres from 'postgres';
import * as Y from 'yjs';
import { addMilestone, createGoal, deleteGoal, goalsMap, moveGoal, toggleMilestone, updateGoal, type GoalStatus } from '@menteo/room-doc';

export interface SeedResult {
  rows: number;
  /** The minute of each group of edits, oldest first (one author per group). */
  groupMinutes: Date[];
  bytes: number;
}

const STATUSES: GoalStatus[] = ['not_started', 'in_progress', 'done'];
const WORDS = 'we talked about the portfolio the interview loop a side project reading list and next steps for the quarter'.split(' ');

/**
 * Writes `total` updates for `roomId`, in groups of `perGroup` by alternating authors, one
 * group every `spacingMin` minutes, the last ending `endAgoMin` minutes ago.
 */
export interface SeedOptions {
  roomId: string;
  authors: [string, string];
  total: number;
  perGroup?: number;
  spacingMin?: number;
  endAgoMin?: number;
}

export interface LoggedRow {
  data: Uint8Array;
  author: string;
  at: Date;
}

/** The edits alone (no database), with their authors and times. */
export function generateLongHistory(opts: SeedOptions): { rows: LoggedRow[]; groupMinutes: Date[]; doc: Y.Doc } {
  const perGroup = opts.perGroup ?? 50;
  const spacingMin = opts.spacingMin ?? 5;
  const groups = Math.ceil(opts.total / perGroup);
  const end = Date.now() - (opts.endAgoMin ?? 30) * 60_000;
  const start = end - groups * spacingMin * 60_000;

  // One doc per author (each its own clientID), kept in sync like two browsers would be.
  const docs = [new Y.Doc(), new Y.Doc()] as const;
  const rows: LoggedRow[] = [];
  let current = { author: opts.authors[0], at: new Date(start) };
  docs.forEach((doc, i) => {
    doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === 'relay') return;
      rows.push({ data: u, author: current.author, at: current.at });
      Y.applyUpdate(docs[1 - i]!, u, 'relay');
    });
  });

  const groupMinutes: Date[] = [];
  for (let g = 0; g < groups && rows.length < opts.total; g++) {
    const who = g % 2;
    const doc = docs[who]!;
    const minute = new Date(Math.floor((start + g * spacingMin * 60_000) / 60_000) * 60_000);
    groupMinutes.push(minute);
    const budget = Math.min(perGroup, opts.total - rows.length);
    const firstRow = rows.length;
    let k = 0;
    const stamp = () => {
      current = { author: opts.authors[who]!, at: new Date(minute.getTime() + Math.min(59_000, k * 1000)) };
      k += 1;
    };
    if (g % 3 === 2) {
      // Board work: add and delete goals (about 20 stay), add and tick milestones, move goals
      // between columns, change due dates — a board people keep using, not one that only grows.
      for (let guard = 0; rows.length - firstRow < budget && guard < budget * 4; guard++) {
        stamp();
        const goals = [...goalsMap(doc).keys()];
        const pick = goals[(g + k) % Math.max(1, goals.length)];
        const step = (rows.length - firstRow) % 5;
        if (!pick || (step === 0 && goals.length < 20)) {
          const id = createGoal(doc, { title: `Goal ${g}: ${WORDS[g % WORDS.length]}`, status: STATUSES[g % 3]!, owner: who ? 'mentee' : 'mentor', createdBy: opts.authors[who]! });
          addMilestone(doc, id, `First step of goal ${g}`);
        } else if (step === 0) deleteGoal(doc, goals[0]!);
        else if (step === 1) {
          const ms = goalsMap(doc).get(pick)?.get('milestones');
          const first = ms instanceof Y.Array ? (ms.get(0) as Y.Map<unknown> | undefined) : undefined;
          const mid = first?.get('id');
          if (ms instanceof Y.Array && ms.length < 6) addMilestone(doc, pick, `Step ${k} of ${g}`);
          else if (typeof mid === 'string') toggleMilestone(doc, pick, mid, first?.get('done') !== true);
        } else if (step === 2) {
          const ms = goalsMap(doc).get(pick)?.get('milestones');
          const last = ms instanceof Y.Array ? (ms.get(ms.length - 1) as Y.Map<unknown> | undefined) : undefined;
          const mid = last?.get('id');
          if (typeof mid === 'string') toggleMilestone(doc, pick, mid, last?.get('done') !== true);
          else addMilestone(doc, pick, `Step ${k} of ${g}`);
        } else if (step === 3) moveGoal(doc, pick, { status: STATUSES[(g + k) % 3]! });
        else updateGoal(doc, pick, { due: `2027-0${1 + ((g + k) % 9)}-1${k % 10}` });
      }
    } else {
      // Typing: a new paragraph every other notes group, then one letter per update.
      const notes = doc.getXmlFragment('notes');
      let para = notes.length > 0 ? (notes.get(notes.length - 1) as Y.XmlElement) : null;
      if (!para || g % 2 === 0) {
        stamp();
        para = new Y.XmlElement('paragraph');
        para.insert(0, [new Y.XmlText('')]);
        notes.insert(notes.length, [para]);
      }
      const text = para.get(0) as Y.XmlText;
      const sentence = `${WORDS.slice(g % 7, (g % 7) + 6).join(' ')}. `;
      let c = 0;
      while (rows.length - firstRow < budget) {
        stamp();
        text.insert(text.length, sentence[c % sentence.length]!);
        c += 1;
      }
    }
  }

  return { rows, groupMinutes, doc: docs[0] };
}

export async function seedLongHistory(databaseUrl: string, opts: SeedOptions): Promise<SeedResult> {
  const { rows, groupMinutes } = generateLongHistory(opts);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  let bytes = 0;
  try {
    for (let i = 0; i < rows.length; i += 2000) {
      const batch = rows.slice(i, i + 2000);
      bytes += batch.reduce((n, r) => n + r.data.byteLength, 0);
      await sql`
        insert into room_updates (room_id, data, author_id, created_at)
        select ${opts.roomId}, decode(d, 'base64'), a::uuid, t::timestamptz
        from unnest(${batch.map((r) => Buffer.from(r.data).toString('base64'))}::text[],
                    ${batch.map((r) => r.author)}::text[],
                    ${batch.map((r) => r.at.toISOString())}::text[]) as x(d, a, t)`;
    }
  } finally {
    await sql.end();
  }
  return { rows: rows.length, groupMinutes, bytes };
}
