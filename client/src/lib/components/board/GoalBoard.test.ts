// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import {
  addMilestone,
  createGoal,
  getGoal,
  goalsByStatus,
  readGoals,
  toggleMilestone,
  type PresenceState,
} from '@menteo/room-doc';
import GoalBoard from './GoalBoard.svelte';

/** Two members' docs kept in sync in memory, the way the server relays updates. */
function syncedPair(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(b, u, 'relay'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(a, u, 'relay'));
  return [a, b];
}

const mentee = { userId: 'u-mentee', displayName: 'Eli Mentee', role: 'mentee' as const };

function mount(doc: Y.Doc) {
  const awareness = new Awareness(doc);
  const utils = render(GoalBoard, { doc, me: mentee, awareness });
  return { ...utils, awareness };
}

const column = (status: string) => screen.getByTestId(`goal-column-${status}`);
const cardTitles = (status: string) =>
  within(column(status))
    .queryAllByTestId('goal-open')
    .map((b) => b.textContent?.trim());

afterEach(() => cleanup());

describe('GoalBoard', () => {
  it('shows a goal the other member adds to their own copy of the doc', async () => {
    const [mentorDoc, menteeDoc] = syncedPair();
    mount(menteeDoc);
    createGoal(mentorDoc, { title: 'Give a conference talk', status: 'in_progress', createdBy: 'u-mentor' });
    await waitFor(() => expect(cardTitles('in_progress')).toEqual(['Give a conference talk']));
    expect(cardTitles('not_started')).toEqual([]);
  });

  it('adds a goal to a column from the inline form', async () => {
    const doc = new Y.Doc();
    mount(doc);
    await fireEvent.click(screen.getByTestId('add-goal-not_started'));
    const input = screen.getByLabelText('New goal in Not started');
    await fireEvent.input(input, { target: { value: 'Learn TypeScript generics' } });
    await fireEvent.click(screen.getByTestId('new-goal-submit'));
    expect(readGoals(doc)).toMatchObject([{ title: 'Learn TypeScript generics', status: 'not_started', createdBy: 'u-mentee' }]);
    await waitFor(() => expect(cardTitles('not_started')).toEqual(['Learn TypeScript generics']));
  });

  it('keeps the add form open, empty and focused after a goal is added, ready for the next one', async () => {
    const doc = new Y.Doc();
    mount(doc);
    await fireEvent.click(screen.getByTestId('add-goal-not_started'));
    const input = screen.getByLabelText<HTMLInputElement>('New goal in Not started');
    await fireEvent.input(input, { target: { value: 'Read two books' } });
    const submit = screen.getByTestId('new-goal-submit');
    submit.focus();
    await fireEvent.click(submit);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('New goal in Not started')));
    expect(screen.getByLabelText<HTMLInputElement>('New goal in Not started').value).toBe('');
  });

  it('closes the add form with Escape from its buttons too and returns focus to the opener', async () => {
    const doc = new Y.Doc();
    mount(doc);
    await fireEvent.click(screen.getByTestId('add-goal-in_progress'));
    const submit = screen.getByTestId('new-goal-submit');
    submit.focus();
    await fireEvent.keyDown(submit, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('new-goal-title')).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('add-goal-in_progress')));
  });

  it('returns focus to the opener when the add form is cancelled', async () => {
    const doc = new Y.Doc();
    mount(doc);
    await fireEvent.click(screen.getByTestId('add-goal-done'));
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('add-goal-done')));
  });

  it('moves a focused card to the next column with Shift+ArrowRight and announces it', async () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Write a blog post', createdBy: 'u' });
    mount(doc);
    const title = await screen.findByRole('button', { name: 'Write a blog post' });
    title.focus();
    await fireEvent.keyDown(title, { key: 'ArrowRight', shiftKey: true });
    expect(getGoal(doc, id)!.status).toBe('in_progress');
    await waitFor(() => expect(cardTitles('in_progress')).toEqual(['Write a blog post']));
    expect(screen.getByTestId('board-announcer').textContent).toContain('Moved Write a blog post to In progress, position 1 of 1');
    await waitFor(() => expect(document.activeElement?.textContent?.trim()).toBe('Write a blog post'));
  });

  it('reorders within a column with the move buttons', async () => {
    const doc = new Y.Doc();
    createGoal(doc, { title: 'First', createdBy: 'u' });
    createGoal(doc, { title: 'Second', createdBy: 'u' });
    mount(doc);
    await fireEvent.click(await screen.findByRole('button', { name: 'Move Second up' }));
    expect(goalsByStatus(readGoals(doc)).not_started.map((g) => g.title)).toEqual(['Second', 'First']);
    await waitFor(() => expect(cardTitles('not_started')).toEqual(['Second', 'First']));
  });

  it('moves a card dropped onto another column', async () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Drag me', createdBy: 'u' });
    mount(doc);
    const card = (await screen.findAllByTestId('goal-card'))[0]!;
    await fireEvent.dragStart(card);
    const target = column('done').querySelector('ol')!;
    await fireEvent.dragOver(target, { clientY: 10 });
    await fireEvent.drop(target, { clientY: 10 });
    expect(getGoal(doc, id)!.status).toBe('done');
    await waitFor(() => expect(cardTitles('done')).toEqual(['Drag me']));
  });

  it('fills the progress bar as the other member ticks milestones', async () => {
    const [mentorDoc, menteeDoc] = syncedPair();
    const id = createGoal(mentorDoc, { title: 'Run a workshop', createdBy: 'u-mentor' });
    const m1 = addMilestone(mentorDoc, id, 'Pick a topic')!;
    addMilestone(mentorDoc, id, 'Book a room');
    mount(menteeDoc);
    const bar = await screen.findByRole('progressbar', { name: 'Progress of Run a workshop' });
    expect(bar.getAttribute('aria-valuenow')).toBe('0');
    toggleMilestone(mentorDoc, id, m1, true);
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('50'));
    expect(screen.getByTestId('milestone-percent').textContent).toBe('50%');
  });

  it('ticks a milestone from the card checkbox', async () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'g', createdBy: 'u' });
    addMilestone(doc, id, 'Only step');
    mount(doc);
    await fireEvent.click(await screen.findByRole('checkbox', { name: 'Only step' }));
    expect(getGoal(doc, id)!.milestones[0]!.done).toBe(true);
    await waitFor(() =>
      expect(screen.getByRole('progressbar', { name: 'Progress of g' }).getAttribute('aria-valuenow')).toBe('100'),
    );
  });

  it('opens the goal detail, edits the title live into the Y.Text and publishes focus while on the goal', async () => {
    const [mentorDoc, menteeDoc] = syncedPair();
    const id = createGoal(mentorDoc, { title: 'Learn Go', createdBy: 'u-mentor' });
    const { awareness } = mount(menteeDoc);
    await fireEvent.click(await screen.findByRole('button', { name: 'Learn Go' }));
    const dialog = await screen.findByRole('dialog');
    const input = within(dialog).getByLabelText('Title') as HTMLInputElement;
    expect(input.value).toBe('Learn Go');
    expect((awareness.getLocalState() as PresenceState).focus).toEqual({ kind: 'goal', id, label: 'Learn Go' });

    input.value = 'Learn Go well';
    await fireEvent.input(input);
    expect(getGoal(mentorDoc, id)!.title).toBe('Learn Go well');

    // The other member types at the start while our caret sits at the end of "Go".
    input.focus();
    input.setSelectionRange(8, 8);
    const t = mentorDoc.getMap('goals').get(id) as Y.Map<Y.Text>;
    t.get('title')!.insert(0, 'Really ');
    expect(input.value).toBe('Really Learn Go well');
    expect(input.selectionStart).toBe(15);

    await fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // Focus returns to the card, but the member no longer edits the goal: the presence says so.
    const card = await screen.findByRole('button', { name: 'Really Learn Go well' });
    await waitFor(() => expect(document.activeElement).toBe(card));
    expect((awareness.getLocalState() as PresenceState).focus).toBeNull();
  });

  it('opens a goal whose title another client stored as a plain string, and edits it live', async () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'x', createdBy: 'u' });
    (doc.getMap('goals').get(id) as Y.Map<unknown>).set('title', 'Plain title');
    mount(doc);
    await fireEvent.click(await screen.findByRole('button', { name: 'Plain title' }));
    const input = (await within(await screen.findByRole('dialog')).findByLabelText('Title')) as HTMLInputElement;
    await waitFor(() => expect(input.value).toBe('Plain title'));
    input.value = 'Plain title, fixed';
    await fireEvent.input(input);
    expect(getGoal(doc, id)!.title).toBe('Plain title, fixed');
  });

  it('shows on a card which other member is on that goal', async () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Shared goal', createdBy: 'u' });
    const { awareness } = mount(doc);
    const peerDoc = new Y.Doc();
    const peer = new Awareness(peerDoc);
    peer.setLocalState({
      user: { userId: 'u-mentor', name: 'Maya Mentor', color: '#c2410c', role: 'mentor' },
      focus: { kind: 'goal', id, label: 'Shared goal' },
    });
    const { encodeAwarenessUpdate, applyAwarenessUpdate } = await import('y-protocols/awareness');
    applyAwarenessUpdate(awareness, encodeAwarenessUpdate(peer, [peer.clientID]), 'relay');
    await waitFor(() => expect(screen.getByTestId('goal-peer').textContent).toContain('Maya Mentor is on this goal'));
  });

  it('offers Move to Done when the last milestone is ticked, and never shows that goal as overdue', async () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Ship it', status: 'in_progress', due: '2020-01-01', createdBy: 'u' });
    const a = addMilestone(doc, id, 'one')!;
    addMilestone(doc, id, 'two');
    toggleMilestone(doc, id, a, true);
    mount(doc);
    const card = () => within(column('in_progress')).getByTestId('goal-card');
    expect(within(card()).getByTestId('goal-due').textContent).toContain('Overdue');
    expect(within(card()).queryByTestId('goal-move-done')).toBeNull();

    const boxes = within(card()).getAllByTestId('card-milestone');
    await fireEvent.click(boxes[1]!);
    expect(getGoal(doc, id)!.milestones.every((m) => m.done)).toBe(true);
    await waitFor(() => expect(within(card()).getByTestId('goal-due').textContent).not.toContain('Overdue'));
    await fireEvent.click(within(card()).getByTestId('goal-move-done'));
    expect(getGoal(doc, id)!.status).toBe('done');
    await waitFor(() => expect(cardTitles('done')).toEqual(['Ship it']));
    expect(within(column('done')).queryByTestId('goal-move-done')).toBeNull();
  });

  it('offers Move to Done in the goal detail once every milestone is ticked', async () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Detail goal', status: 'not_started', createdBy: 'u' });
    addMilestone(doc, id, 'only');
    mount(doc);
    await fireEvent.click(await screen.findByRole('button', { name: 'Detail goal' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).queryByTestId('goal-detail-move-done')).toBeNull();
    await fireEvent.click(within(dialog).getByTestId('milestone-toggle'));
    await fireEvent.click(await within(dialog).findByTestId('goal-detail-move-done'));
    expect(getGoal(doc, id)!.status).toBe('done');
    await waitFor(() => expect(within(dialog).queryByTestId('goal-detail-move-done')).toBeNull());
  });

  it('stops saying "editing goal" once the goal dialog closes (focus back on the card is not editing)', async () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Focus goal', createdBy: 'u' });
    const { awareness } = mount(doc);
    const opener = await screen.findByRole('button', { name: 'Focus goal' });
    opener.focus();
    expect((awareness.getLocalState() as PresenceState | null)?.focus ?? null).toBeNull();
    await fireEvent.click(opener);
    await screen.findByRole('dialog');
    expect((awareness.getLocalState() as PresenceState).focus).toMatchObject({ kind: 'goal', id });
    await fireEvent.click(screen.getByTestId('goal-close'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(document.activeElement?.textContent?.trim()).toBe('Focus goal'));
    expect((awareness.getLocalState() as PresenceState).focus).toBeNull();
  });
});
