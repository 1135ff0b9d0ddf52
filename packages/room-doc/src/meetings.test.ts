import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAction,
  addAgendaItem,
  addMilestone,
  ageInDays,
  carryOverAgenda,
  createGoal,
  deleteGoal,
  goalText,
  markDiscussed,
  moveGoal,
  notesFragment,
  notesWords,
  readActions,
  readAgenda,
  removeAction,
  summarizeMeeting,
  toggleAction,
  toggleMilestone,
} from './index.ts';

/** A copy of the doc's state now: what the server stores at a meeting's start. */
const snapshotOf = (doc: Y.Doc): Y.Doc => {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
};

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

function writeNotes(doc: Y.Doc, text: string): Y.XmlText {
  const p = new Y.XmlElement('paragraph');
  const t = new Y.XmlText();
  p.insert(0, [t]);
  notesFragment(doc).insert(notesFragment(doc).length, [p]);
  t.insert(0, text);
  return t;
}

describe('summarizeMeeting', () => {
  it('reports goals moved, milestones ticked, items added, closed and deleted, and notes words', () => {
    const doc = new Y.Doc();
    const kept = createGoal(doc, { title: 'Ship the portfolio', createdBy: 'u1' });
    const finished = createGoal(doc, { title: 'Read SICP', createdBy: 'u1' });
    const abandoned = createGoal(doc, { title: 'Learn Haskell', createdBy: 'u1' });
    const deleted = createGoal(doc, { title: 'Old goal', createdBy: 'u1' });
    const ms = addMilestone(doc, kept, 'Draft the case study')!;
    addMilestone(doc, kept, 'Publish it');
    const openAction = addAction(doc, { text: 'Email the recruiter' });
    const gone = addAction(doc, { text: 'Gone soon' });
    const point = addAgendaItem(doc, { text: 'Salary talk', addedBy: 'u1' });
    const text = writeNotes(doc, 'we talked about the plan');
    const start = snapshotOf(doc);

    moveGoal(doc, kept, { status: 'in_progress' });
    moveGoal(doc, finished, { status: 'done' });
    moveGoal(doc, abandoned, { status: 'dropped' });
    deleteGoal(doc, deleted);
    const added = createGoal(doc, { title: 'Give a talk', createdBy: 'u2' });
    toggleMilestone(doc, kept, ms);
    toggleAction(doc, openAction, true);
    removeAction(doc, gone);
    const newAction = addAction(doc, { text: 'Book the venue' });
    markDiscussed(doc, point, true);
    const newPoint = addAgendaItem(doc, { text: 'Next steps', addedBy: 'u2' });
    text.delete(0, 'we talked'.length);
    text.insert(0, 'they discussed');

    const s = summarizeMeeting(start, doc);
    expect(s.goals.added).toEqual([{ id: added, title: 'Give a talk' }]);
    expect(s.goals.completed).toEqual([{ id: finished, title: 'Read SICP' }]);
    expect(s.goals.dropped).toEqual([{ id: abandoned, title: 'Learn Haskell' }]);
    expect(s.goals.removed).toEqual([{ id: deleted, title: 'Old goal' }]);
    expect(s.goals.statusChanged.map((c) => [c.title, c.from, c.to]).sort()).toEqual([
      ['Learn Haskell', 'not_started', 'dropped'],
      ['Read SICP', 'not_started', 'done'],
      ['Ship the portfolio', 'not_started', 'in_progress'],
    ]);
    expect(s.milestones.done).toEqual([{ goalId: kept, goalTitle: 'Ship the portfolio', id: ms, title: 'Draft the case study' }]);
    expect(s.actions.added).toEqual([{ id: newAction, text: 'Book the venue' }]);
    expect(s.actions.closed).toEqual([{ id: openAction, text: 'Email the recruiter' }]);
    expect(s.agenda.discussed).toEqual([{ id: point, text: 'Salary talk' }]);
    expect(s.agenda.added).toEqual([{ id: newPoint, text: 'Next steps' }]);
    expect(s.agenda.carriedOver).toEqual([{ id: newPoint, text: 'Next steps' }]);
    // "we talked" → "they discussed": two words out, two in.
    expect(s.notes).toEqual({ wordsAdded: 2, wordsRemoved: 2 });
  });

  it('is empty for a meeting that changed nothing', () => {
    const doc = new Y.Doc();
    createGoal(doc, { title: 'A', createdBy: 'u' });
    writeNotes(doc, 'same words');
    const s = summarizeMeeting(snapshotOf(doc), doc);
    expect(s.goals).toEqual({ added: [], completed: [], statusChanged: [], dropped: [], removed: [] });
    expect(s.milestones.done).toEqual([]);
    expect(s.notes).toEqual({ wordsAdded: 0, wordsRemoved: 0 });
  });

  it('sees both members’ concurrent edits once their docs have merged', () => {
    const mentor = new Y.Doc();
    const goal = createGoal(mentor, { title: 'Portfolio', createdBy: 'mentor' });
    const m1 = addMilestone(mentor, goal, 'Outline')!;
    const m2 = addMilestone(mentor, goal, 'Draft')!;
    const mentee = new Y.Doc();
    sync(mentor, mentee);
    const start = snapshotOf(mentor);

    // Offline from each other: the mentor ticks one milestone and retitles the goal, the
    // mentee ticks the other, moves the goal and adds notes and an agenda point.
    toggleMilestone(mentor, goal, m1);
    goalText(mentor, goal, 'title')!.insert('Portfolio'.length, ' site');
    toggleMilestone(mentee, goal, m2);
    moveGoal(mentee, goal, { status: 'in_progress' });
    writeNotes(mentee, 'three new words');
    addAgendaItem(mentee, { text: 'Feedback', addedBy: 'mentee' });
    addAgendaItem(mentor, { text: 'Timeline', addedBy: 'mentor' });
    sync(mentor, mentee);

    const fromMentor = summarizeMeeting(start, mentor);
    expect(summarizeMeeting(start, mentee)).toEqual(fromMentor);
    expect(fromMentor.milestones.done.map((m) => m.title).sort()).toEqual(['Draft', 'Outline']);
    expect(fromMentor.milestones.done[0]!.goalTitle).toBe('Portfolio site');
    expect(fromMentor.goals.statusChanged).toEqual([{ id: goal, title: 'Portfolio site', from: 'not_started', to: 'in_progress' }]);
    expect(fromMentor.agenda.added.map((a) => a.text).sort()).toEqual(['Feedback', 'Timeline']);
    expect(fromMentor.notes).toEqual({ wordsAdded: 3, wordsRemoved: 0 });
  });

  it('reads the notes across paragraphs as separate words', () => {
    const doc = new Y.Doc();
    writeNotes(doc, 'end');
    writeNotes(doc, 'start');
    expect(notesWords(doc)).toEqual(['end', 'start']);
  });

  it('counts words that are also names on every object', () => {
    const doc = new Y.Doc();
    const start = snapshotOf(doc);
    writeNotes(doc, 'constructor toString __proto__ hasOwnProperty');
    expect(summarizeMeeting(start, doc).notes).toEqual({ wordsAdded: 4, wordsRemoved: 0 });
    const end = snapshotOf(doc);
    notesFragment(doc).delete(0, 1);
    expect(summarizeMeeting(end, doc).notes).toEqual({ wordsAdded: 0, wordsRemoved: 4 });
  });

  it('keeps counting notes words right across edits, deleted paragraphs, merges and counts inside a transaction', () => {
    // The counts are kept per doc between calls (a node is read again only when it changed):
    // after every step the words the summary sees must equal those of a fresh copy of the doc.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const vocabulary = ['goal', 'plan', 'ship', 'read', 'constructor', '__proto__', 'toString', 'café', 'x'];
    const phrase = () => Array.from({ length: 1 + rand(5) }, () => vocabulary[rand(vocabulary.length)]).join(rand(3) === 0 ? '  ' : ' ');
    const texts = (doc: Y.Doc): Y.XmlText[] => {
      const out: Y.XmlText[] = [];
      const walk = (n: unknown): void => {
        if (n instanceof Y.XmlText) out.push(n);
        else if (n instanceof Y.XmlElement || n instanceof Y.XmlFragment) n.toArray().forEach(walk);
      };
      walk(notesFragment(doc));
      return out;
    };
    const other = new Y.Doc();
    const doc = new Y.Doc();
    const start = snapshotOf(doc);
    const edit = (d: Y.Doc): void => {
      const ts = texts(d);
      const op = rand(7);
      if (op === 0 || ts.length === 0) writeNotes(d, phrase());
      else if (op === 1) notesFragment(d).delete(rand(notesFragment(d).length), 1);
      else if (op === 2) {
        const t = ts[rand(ts.length)]!;
        if (t.length > 0) t.delete(rand(t.length), 1 + rand(3));
      } else if (op === 3) {
        // A list: text nested two levels down, written in the same transaction as its creation.
        d.transact(() => {
          const list = new Y.XmlElement('bulletList');
          const item = new Y.XmlElement('listItem');
          const t = new Y.XmlText();
          item.insert(0, [t]);
          list.insert(0, [item]);
          notesFragment(d).insert(0, [list]);
          t.insert(0, phrase());
        });
      } else if (op === 4) {
        // Counted inside a transaction that then writes into a node it created.
        d.transact(() => {
          const t = writeNotes(d, phrase());
          summarizeMeeting(start, d);
          t.insert(t.length, ` ${phrase()}`);
          ts[0]?.insert(0, `${phrase()} `);
        });
      } else if (op === 5) ts[rand(ts.length)]!.format(0, 2, { bold: true });
      else {
        const t = ts[rand(ts.length)]!;
        t.insert(rand(t.length + 1), rand(2) === 0 ? phrase() : ` ${phrase()} `);
      }
    };
    for (let step = 0; step < 400; step++) {
      edit(rand(3) === 0 ? other : doc);
      if (rand(4) === 0) sync(doc, other);
      expect(summarizeMeeting(start, doc).notes, `step ${step}`).toEqual(summarizeMeeting(start, snapshotOf(doc)).notes);
    }
    expect(notesWords(doc).length).toBeGreaterThan(20);
  });
});

describe('carryOverAgenda', () => {
  it('removes discussed points and marks open ones with the meeting they were carried over from, once', () => {
    const doc = new Y.Doc();
    const done = addAgendaItem(doc, { text: 'Discussed', addedBy: 'u' });
    const open = addAgendaItem(doc, { text: 'Still open', addedBy: 'u' });
    markDiscussed(doc, done, true);
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);

    expect(carryOverAgenda(doc, 'Meeting 1', 'server')).toEqual({ removed: 1, carried: 1 });
    expect(transactions).toBe(1);
    expect(readAgenda(doc)).toEqual([expect.objectContaining({ id: open, text: 'Still open', carriedFrom: 'Meeting 1' })]);

    // Still open after the next meeting: it keeps saying where it first came from.
    const fresh = addAgendaItem(doc, { text: 'New', addedBy: 'u' });
    carryOverAgenda(doc, 'Meeting 2');
    expect(readAgenda(doc).map((a) => [a.id, a.carriedFrom])).toEqual([
      [open, 'Meeting 1'],
      [fresh, 'Meeting 2'],
    ]);
  });

  it('merges with a concurrent edit of another client: a point discussed meanwhile stays until the next meeting', () => {
    const server = new Y.Doc();
    const a = addAgendaItem(server, { text: 'A', addedBy: 'u' });
    const b = addAgendaItem(server, { text: 'B', addedBy: 'u' });
    markDiscussed(server, a, true);
    const client = new Y.Doc();
    sync(server, client);

    carryOverAgenda(server, 'Meeting 1');
    markDiscussed(client, b, true);
    addAgendaItem(client, { text: 'C', addedBy: 'u' });
    sync(server, client);

    const agenda = readAgenda(client);
    expect(agenda).toEqual(readAgenda(server));
    expect(agenda.map((p) => [p.text, p.discussed, p.carriedFrom])).toEqual([
      ['B', true, 'Meeting 1'],
      ['C', false, null],
    ]);
  });

  it('reads points and actions written before these fields existed', () => {
    const doc = new Y.Doc();
    const m = new Y.Map<unknown>();
    m.set('id', 'old');
    m.set('text', 'Old point');
    doc.getArray('agenda').push([m]);
    const act = new Y.Map<unknown>();
    act.set('id', 'a1');
    act.set('text', 'Old action');
    doc.getArray('actions').push([act]);
    expect(readAgenda(doc)[0]!.carriedFrom).toBeNull();
    expect(readActions(doc)[0]!.createdAt).toBeNull();
    expect(ageInDays(null, new Date())).toBeNull();
  });

  it('gives new action items a creation time from which their age shows', () => {
    const doc = new Y.Doc();
    addAction(doc, { text: 'Do it', now: new Date('2026-01-01T10:00:00Z') });
    const [item] = readActions(doc);
    expect(item!.createdAt).toBe('2026-01-01T10:00:00.000Z');
    expect(ageInDays(item!.createdAt, new Date('2026-01-13T09:00:00Z'))).toBe(11);
  });
});
