import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { HistoryAuthor } from '@menteo/protocol';
import { addMilestone, createGoal, deleteGoal, moveGoal, toggleMilestone, updateGoal } from '../goals.ts';
import { addAction, addAgendaItem, markDiscussed, removeAction, removeAgendaItem, toggleAction } from '../lists.ts';
import { readActions, readAgenda, readGoals } from '../read.ts';
import { notesFragment } from '../schema.ts';
import { docAsOf, docFromStored } from '../stored.ts';
import { attributionOf } from './attribution.ts';
import { compareDocs } from './compare.ts';
import { notesText } from './notes-text.ts';
import { blocksToMarkdown, roomReportBlocks, meetingReportBlocks } from './report.ts';
import { restoreActionItem, restoreAgendaItem, restoreGoal, restoreNotes } from './restore.ts';
import { timeline, type TimelineRow } from './timeline.ts';

/**
 * Two members editing one room: every local update is delivered to the other doc and logged
 * as a row with its author and a time from a test clock, as the server logs them.
 */
function twoMembers() {
  const ana = new Y.Doc();
  const ben = new Y.Doc();
  const rows: TimelineRow[] = [];
  let now = Date.parse('2026-11-02T10:00:00Z');
  const wire = (from: Y.Doc, to: Y.Doc, author: string) => {
    from.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'remote') return;
      const at = new Date(now);
      rows.push({ data: update, authorId: author, firstAt: at, lastAt: at, updates: 1, baseline: false });
      Y.applyUpdate(to, update, 'remote');
    });
  };
  wire(ana, ben, 'ana');
  wire(ben, ana, 'ben');
  return {
    ana,
    ben,
    rows,
    /** Moves the clock on by `seconds`; returns the new time. */
    tick(seconds: number): Date {
      now += seconds * 1000;
      return new Date(now);
    },
    at: () => new Date(now),
    /** Rows in (a, b], as the service reads them for attribution. */
    between: (a: Date, b: Date) => rows.filter((r) => r.lastAt > a && r.lastAt <= b),
    asOf: (t: Date) => docAsOf(rows.map((r) => ({ data: r.data, at: r.lastAt })), t).doc,
  };
}

function paragraph(doc: Y.Doc, text: string): Y.XmlText {
  const p = new Y.XmlElement('paragraph');
  const t = new Y.XmlText(text);
  p.insert(0, [t]);
  notesFragment(doc).push([p]);
  return t;
}

const firstText = (doc: Y.Doc, block = 0): Y.XmlText => {
  const p = notesFragment(doc).get(block) as Y.XmlElement;
  return p.get(0) as Y.XmlText;
};

const people: Record<string, HistoryAuthor> = {
  ana: { id: 'ana', name: 'Ana', role: 'mentee' },
  ben: { id: 'ben', name: 'Ben', role: 'mentor' },
};
const authorOf = (id: string | null): HistoryAuthor => (id && people[id]) || { id, name: 'Someone', role: null };

/** Meeting 1: Ana sets up a goal with a milestone, a paragraph of notes, an agenda point and an action item. */
function meetingOne() {
  const room = twoMembers();
  const goalId = createGoal(room.ana, { title: 'Ship the portfolio', createdBy: 'ana', status: 'in_progress' });
  const msId = addMilestone(room.ana, goalId, 'Pick three projects');
  const para = paragraph(room.ana, 'We agreed on three projects for the portfolio.');
  const pointId = addAgendaItem(room.ana, { text: 'Review the CV', addedBy: 'ana' });
  const actionId = addAction(room.ana, { text: 'Draft the intro', owner: 'mentee' });
  const endOfOne = room.tick(60);
  room.tick(3600);
  return { room, goalId, msId: msId ?? '', para, pointId, actionId, endOfOne };
}

describe('compare', () => {
  it('lists goal, milestone, action and agenda changes between two points', () => {
    const { room, goalId, msId, pointId, actionId, endOfOne } = meetingOne();
    // Both edit the same goal: Ben renames it and moves it to Done; Ana sets the due date.
    updateGoal(room.ben, goalId, { title: 'Ship the portfolio site' });
    moveGoal(room.ben, goalId, { status: 'done' });
    updateGoal(room.ana, goalId, { due: '2026-12-20' });
    toggleMilestone(room.ana, goalId, msId, true);
    const newGoal = createGoal(room.ben, { title: 'Practice interviews', createdBy: 'ben' });
    toggleAction(room.ben, actionId, true);
    const opened = addAction(room.ana, { text: 'Book a mock interview' });
    markDiscussed(room.ben, pointId, true);
    const endOfTwo = room.tick(60);

    const a = room.asOf(endOfOne);
    const b = room.asOf(endOfTwo);
    const c = compareDocs(a, b, attributionOf(room.between(endOfOne, endOfTwo)));
    expect(c.goals.added.map((g) => g.id)).toEqual([newGoal]);
    expect(c.goals.removed).toEqual([]);
    const changed = c.goals.changed.find((g) => g.id === goalId);
    expect(changed?.fields).toEqual([
      { field: 'title', from: 'Ship the portfolio', to: 'Ship the portfolio site' },
      { field: 'status', from: 'in_progress', to: 'done' },
      { field: 'due', from: null, to: '2026-12-20' },
    ]);
    expect(changed?.milestones.changed).toEqual([{ id: msId, title: 'Pick three projects', fields: [{ field: 'done', from: false, to: true }] }]);
    expect(c.actions.closed.map((x) => x.id)).toEqual([actionId]);
    expect(c.actions.opened.map((x) => x.id)).toEqual([opened]);
    expect(c.agenda.discussed.map((x) => x.id)).toEqual([pointId]);
  });

  it('marks notes insertions and deletions inline, each attributed to the member who made it', () => {
    const { room, endOfOne } = meetingOne();
    // Same paragraph: Ana appends a sentence while Ben deletes "three " and inserts "final".
    const anaText = firstText(room.ana);
    anaText.insert(anaText.length, ' Ana will write the case studies.');
    const benText = firstText(room.ben);
    const at = benText.toString().indexOf('three ');
    benText.delete(at, 'three '.length);
    benText.insert(benText.toString().indexOf('projects'), 'final ');
    const end = room.tick(60);

    const a = room.asOf(endOfOne);
    const b = room.asOf(end);
    expect(notesText(b).text).toBe('We agreed on final projects for the portfolio. Ana will write the case studies.\n');
    const diff = compareDocs(a, b, attributionOf(room.between(endOfOne, end))).notes;
    const changes = diff.segments.filter((s) => s.op !== 'same');
    expect(changes).toContainEqual({ op: 'del', text: 'three', authorId: 'ben' });
    expect(changes).toContainEqual({ op: 'ins', text: 'final', authorId: 'ben' });
    expect(changes.find((s) => s.op === 'ins' && s.text.includes('case studies'))?.authorId).toBe('ana');
    // The segments rebuild both texts exactly.
    expect(diff.segments.filter((s) => s.op !== 'del').map((s) => s.text).join('')).toBe(notesText(b).text);
    expect(diff.segments.filter((s) => s.op !== 'ins').map((s) => s.text).join('')).toBe(notesText(a).text);
    expect(diff.byAuthor).toContainEqual({ authorId: 'ana', wordsAdded: 6, wordsRemoved: 0 });
    expect(diff.byAuthor).toContainEqual({ authorId: 'ben', wordsAdded: 1, wordsRemoved: 1 });
  });
});

describe('timeline', () => {
  it('tells each change as a sentence, grouped per minute and author', () => {
    const { room, goalId, endOfOne } = meetingOne();
    moveGoal(room.ben, goalId, { status: 'done' });
    room.tick(5);
    updateGoal(room.ben, goalId, { title: 'Ship the portfolio site' });
    room.tick(70);
    const t = firstText(room.ana);
    t.insert(t.length, ' We will meet weekly until the launch in January.');
    room.tick(10);
    t.insert(t.length, ' Then monthly.');
    room.tick(70);
    deleteGoal(room.ben, goalId);

    const base = room.asOf(endOfOne);
    const rows = room.rows.filter((r) => r.lastAt > endOfOne);
    const { groups, nextFrom } = timeline(base, rows, { authorOf });
    expect(nextFrom).toBeNull();
    expect(groups.map((g) => [g.author.name, g.steps.map((s) => s.text)])).toEqual([
      ['Ben', ["Ben renamed 'Ship the portfolio' to 'Ship the portfolio site'", "Ben moved 'Ship the portfolio site' to Done"]],
      ['Ana', ['Ana added 11 words to the notes']],
      ['Ben', ["Ben deleted the goal 'Ship the portfolio site'"]],
    ]);
    expect(groups[0]?.updates).toBe(2);
    expect(groups[1]?.minute).toBe('2026-11-02T11:02:00.000Z');
    base.destroy();
  });

  it('narrates the whole history from an empty doc and stops at maxGroups with where to go on', () => {
    const { room } = meetingOne();
    const all = timeline(new Y.Doc(), room.rows, { authorOf });
    expect(all.groups).toHaveLength(1);
    expect(all.groups[0]?.steps.map((s) => s.kind)).toEqual(['goal.added', 'milestone.added', 'agenda.added', 'action.added', 'notes.edited']);
    addAgendaItem(room.ben, { text: 'Salary talk', addedBy: 'ben' });
    const paged = timeline(new Y.Doc(), room.rows, { authorOf, maxGroups: 1 });
    expect(paged.groups).toHaveLength(1);
    expect(paged.nextFrom).toEqual(room.at());
  });
});

describe('restore', () => {
  it('brings a deleted goal back with its milestones as one edit the other member receives', () => {
    const { room, goalId, endOfOne } = meetingOne();
    deleteGoal(room.ben, goalId);
    expect(readGoals(room.ana)).toEqual([]);
    const past = room.asOf(endOfOne);
    const before = room.rows.length;
    expect(restoreGoal(room.ana, past, goalId, 'restore')).toEqual({ restored: true });
    expect(room.rows.length).toBe(before + 1);
    const back = readGoals(room.ben);
    expect(back.map((g) => [g.id, g.title, g.milestones.map((m) => m.title)])).toEqual([[goalId, 'Ship the portfolio', ['Pick three projects']]]);
    // Restoring again (or something never deleted) is a no-op: no duplicate, no edit.
    expect(restoreGoal(room.ben, past, goalId, 'restore')).toEqual({ restored: false, reason: 'still_exists' });
    expect(room.rows.length).toBe(before + 1);
    expect(restoreGoal(room.ben, past, 'nope', 'restore')).toEqual({ restored: false, reason: 'not_in_past' });
  });

  it('restores a deleted agenda point and action item once, and the notes as of a point', () => {
    const { room, pointId, actionId, endOfOne } = meetingOne();
    removeAgendaItem(room.ana, pointId);
    removeAction(room.ben, actionId);
    const t = firstText(room.ben);
    t.delete(0, t.length);
    t.insert(0, 'Scrapped.');
    const past = room.asOf(endOfOne);
    expect(restoreAgendaItem(room.ben, past, pointId, 'r').restored).toBe(true);
    expect(restoreAgendaItem(room.ben, past, pointId, 'r')).toEqual({ restored: false, reason: 'still_exists' });
    expect(restoreActionItem(room.ana, past, actionId, 'r').restored).toBe(true);
    expect(readAgenda(room.ana).map((i) => i.text)).toEqual(['Review the CV']);
    expect(readActions(room.ben).map((i) => i.text)).toEqual(['Draft the intro']);
    expect(restoreNotes(room.ana, past, 'r')).toEqual({ restored: true });
    expect(notesText(room.ben).text).toBe('We agreed on three projects for the portfolio.\n');
    expect(restoreNotes(room.ana, past, 'r')).toEqual({ restored: false, reason: 'unchanged' });
    // The live doc still replays from the log alone.
    const replayed = docFromStored(room.rows.map((r) => r.data)).doc;
    expect(notesText(replayed).text).toBe(notesText(room.ana).text);
  });
});

describe('reports', () => {
  it('renders the room history and a meeting as Markdown with goals, actions and notes', () => {
    const { room, goalId } = meetingOne();
    const h = new Y.XmlElement('heading');
    h.setAttribute('level', '1');
    h.insert(0, [new Y.XmlText('Plan')]);
    notesFragment(room.ana).insert(0, [h]);
    toggleAction(room.ana, readActions(room.ana)[0]?.id ?? '', true);
    const meeting = { title: 'Meeting 1', startedAt: new Date('2026-11-02T10:00:00Z'), endedAt: new Date('2026-11-02T10:45:00Z'), attendees: ['Ana', 'Ben'], summary: '1 goal added.', changes: ["Goal added: 'Ship the portfolio'"] };
    const md = blocksToMarkdown(
      roomReportBlocks({ title: 'Ana & Ben', generatedAt: new Date('2026-12-05T08:00:00Z'), members: [{ name: 'Ana', role: 'mentee' }], doc: room.ana, meetings: [meeting], activity: ['3 edits by Ana'] }),
    );
    expect(md).toContain('# Ana & Ben: history');
    expect(md).toContain('- **Ship the portfolio** (0%, owner: mentee)');
    expect(md).toContain('  - [ ] Pick three projects');
    expect(md).toContain('- [x] Draft the intro (owner: mentee)');
    expect(md).toContain('### Plan');
    expect(md).toContain('We agreed on three projects for the portfolio.');
    expect(md).toContain('### Meeting 1 · 2026-11-02 · 45 min');
    expect(blocksToMarkdown(meetingReportBlocks({ roomTitle: 'R', meeting, doc: room.ana, discussed: [] }))).toContain('# R: Meeting 1, 2026-11-02');
    const one = blocksToMarkdown(meetingReportBlocks({ roomTitle: 'Ana & Ben', meeting, doc: room.ana, discussed: ['Review the CV'] }));
    expect(one).toContain('## Summary\n\n1 goal added.');
    expect(one).toContain('We agreed on three projects');
    expect(goalId).toBeTruthy();
  });
});
