// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import {
  addAction,
  addAgendaItem,
  addResource,
  editAgendaItem,
  readActions,
  readAgenda,
  readResources,
  resourcesArray,
  TEXT_LIMITS,
  type PresenceState,
} from '@menteo/room-doc';
import Agenda from './Agenda.svelte';
import ActionItems from './ActionItems.svelte';
import Resources from './Resources.svelte';

function syncedPair(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(b, u, 'relay'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(a, u, 'relay'));
  return [a, b];
}

/** Like syncedPair, but updates wait in a queue until `flush`: both members act at the same moment. */
function heldPair() {
  const docs = [new Y.Doc(), new Y.Doc()] as const;
  const queue: Array<() => void> = [];
  docs.forEach((from, i) => {
    from.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== 'relay') queue.push(() => Y.applyUpdate(docs[1 - i]!, u, 'relay'));
    });
  });
  return { docs, flush: () => queue.splice(0).forEach((f) => f()) };
}

const mentor = { userId: 'u-mentor', displayName: 'Maya Mentor', role: 'mentor' as const };
const props = (doc: Y.Doc) => ({ doc, me: mentor, awareness: new Awareness(doc) });
const texts = (testid: string) => screen.queryAllByTestId(testid).map((el) => el.textContent?.trim());

afterEach(() => cleanup());

describe('Agenda', () => {
  it('adds a talking point that the other member sees, and marks it discussed', async () => {
    const [mine, theirs] = syncedPair();
    render(Agenda, props(mine));
    await fireEvent.input(screen.getByLabelText('New talking point'), { target: { value: 'Promotion path' } });
    await fireEvent.click(screen.getByTestId('add-agenda'));
    expect(readAgenda(theirs)).toMatchObject([{ text: 'Promotion path', addedBy: 'u-mentor', discussed: false }]);
    await fireEvent.click(await screen.findByRole('checkbox', { name: 'Discussed: Promotion path' }));
    expect(readAgenda(theirs)[0]!.discussed).toBe(true);
    expect(screen.getByTestId('agenda-count').textContent).toBe('1 of 1 discussed');
  });

  it('shows points added remotely and reorders them with the keyboard buttons', async () => {
    const [mine, theirs] = syncedPair();
    render(Agenda, props(mine));
    addAgendaItem(theirs, { text: 'One', addedBy: 'x' });
    addAgendaItem(theirs, { text: 'Two', addedBy: 'x' });
    await waitFor(() => expect(texts('agenda-text')).toEqual(['One', 'Two']));
    await fireEvent.click(screen.getByRole('button', { name: 'Move Two up' }));
    expect(readAgenda(theirs).map((i) => i.text)).toEqual(['Two', 'One']);
    await waitFor(() => expect(texts('agenda-text')).toEqual(['Two', 'One']));
  });

  it("keeps the other member's rewording of a point moved with the keyboard at the same moment", async () => {
    const { docs, flush } = heldPair();
    const [mine, theirs] = docs;
    addAgendaItem(mine, { text: 'One', addedBy: 'x' });
    const two = addAgendaItem(mine, { text: 'Two', addedBy: 'x' });
    flush();
    render(Agenda, props(mine));
    editAgendaItem(theirs, two, 'Two, reworded');
    await fireEvent.click(await screen.findByRole('button', { name: 'Move Two up' }));
    flush();
    expect(readAgenda(theirs).map((i) => i.text)).toEqual(['Two, reworded', 'One']);
    expect(readAgenda(mine)).toEqual(readAgenda(theirs));
    await waitFor(() => expect(texts('agenda-text')).toEqual(['Two, reworded', 'One']));
  });

  it('moves a point dragged by its handle to where it is dropped', async () => {
    const doc = new Y.Doc();
    ['One', 'Two', 'Three'].forEach((text) => addAgendaItem(doc, { text, addedBy: 'x' }));
    render(Agenda, props(doc));
    const handles = await screen.findAllByTestId('agenda-handle');
    await fireEvent.dragStart(handles[2]!);
    const list = screen.getByTestId('agenda').querySelector('ol')!;
    // jsdom lays nothing out (every rect is 0), so a pointer at y=0 is above every midpoint: the top.
    await fireEvent.dragOver(list, { clientY: 0 });
    await fireEvent.drop(list, { clientY: 0 });
    expect(readAgenda(doc).map((i) => i.text)).toEqual(['Three', 'One', 'Two']);
    await waitFor(() => expect(texts('agenda-text')).toEqual(['Three', 'One', 'Two']));
  });

  it('edits a point in place with Enter and removes one', async () => {
    const doc = new Y.Doc();
    addAgendaItem(doc, { text: 'Old wording', addedBy: 'x' });
    render(Agenda, props(doc));
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit talking point Old wording' }));
    const input = screen.getByTestId('agenda-input');
    await fireEvent.input(input, { target: { value: 'New wording' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(readAgenda(doc)[0]!.text).toBe('New wording');
    await fireEvent.click(await screen.findByRole('button', { name: 'Remove New wording' }));
    expect(readAgenda(doc)).toEqual([]);
  });

  it("merges the other member's edit of a point being edited here, instead of overwriting it on Enter", async () => {
    const [mentorDoc, menteeDoc] = syncedPair();
    const id = addAgendaItem(mentorDoc, { text: 'Career goals', addedBy: 'x' });
    render(Agenda, props(menteeDoc));
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit talking point Career goals' }));
    const input = screen.getByTestId('agenda-input') as HTMLInputElement;
    input.value = 'Career goals for 2027';
    await fireEvent.input(input);
    // The mentor edits the same point meanwhile (and presses Enter on their side).
    editAgendaItem(mentorDoc, id, 'My career goals for 2027');
    expect(input.value).toBe('My career goals for 2027');
    input.value = 'My career goals for 2027!';
    await fireEvent.input(input);
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(readAgenda(mentorDoc)[0]!.text).toBe('My career goals for 2027!');
    expect(readAgenda(menteeDoc)[0]!.text).toBe('My career goals for 2027!');
  });

  it('edits a point an older client stored as a plain string', async () => {
    const doc = new Y.Doc();
    const m = new Y.Map<unknown>();
    m.set('id', 'old');
    m.set('text', 'Plain point');
    doc.getArray('agenda').push([m]);
    render(Agenda, props(doc));
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit talking point Plain point' }));
    const input = screen.getByTestId('agenda-input') as HTMLInputElement;
    expect(input.value).toBe('Plain point');
    input.value = 'Plain point, now shared';
    await fireEvent.input(input);
    expect(readAgenda(doc)[0]!.text).toBe('Plain point, now shared');
    expect(m.get('text')).toBeInstanceOf(Y.Text);
  });

  it('refuses text past the limit in the edit field and the add field', async () => {
    const doc = new Y.Doc();
    addAgendaItem(doc, { text: 'Short', addedBy: 'x' });
    render(Agenda, props(doc));
    expect(screen.getByTestId('new-agenda-input').getAttribute('maxlength')).toBe(String(TEXT_LIMITS.text));
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit talking point Short' }));
    const input = screen.getByTestId('agenda-input') as HTMLInputElement;
    expect(input.maxLength).toBe(TEXT_LIMITS.text);
    input.value = 'y'.repeat(TEXT_LIMITS.text + 40);
    await fireEvent.input(input);
    expect(readAgenda(doc)[0]!.text).toHaveLength(TEXT_LIMITS.text);
  });

  it('publishes the focused point in awareness and clears it on leaving', async () => {
    const doc = new Y.Doc();
    const id = addAgendaItem(doc, { text: 'Feedback', addedBy: 'x' });
    const p = props(doc);
    render(Agenda, p);
    const box = await screen.findByRole('checkbox', { name: 'Discussed: Feedback' });
    box.focus();
    expect((p.awareness.getLocalState() as PresenceState).focus).toEqual({ kind: 'agenda', id, label: 'Feedback' });
    box.blur();
    expect((p.awareness.getLocalState() as PresenceState).focus).toBeNull();
  });
});

describe('ActionItems', () => {
  it('adds an item owned by the adder by default, with a due date', async () => {
    const doc = new Y.Doc();
    render(ActionItems, props(doc));
    await fireEvent.input(screen.getByLabelText('New action item'), { target: { value: 'Send the CV' } });
    await fireEvent.input(screen.getByLabelText('Due date of the new action item'), { target: { value: '2030-01-15' } });
    await fireEvent.click(screen.getByTestId('add-action'));
    expect(readActions(doc)).toMatchObject([{ text: 'Send the CV', owner: 'mentor', due: '2030-01-15', done: false }]);
  });

  it('ticks, reassigns and removes an item, and shows remote changes', async () => {
    const [mine, theirs] = syncedPair();
    render(ActionItems, props(mine));
    const id = addAction(theirs, { text: 'Read chapter 3', owner: 'mentee', due: '2000-01-01' });
    const row = await screen.findByTestId('action-item');
    expect(within(row).getByTestId('action-overdue')).toBeTruthy();
    await fireEvent.click(within(row).getByRole('checkbox', { name: 'Done: Read chapter 3' }));
    expect(readActions(theirs)[0]!.done).toBe(true);
    await waitFor(() => expect(within(row).queryByTestId('action-overdue')).toBeNull());
    await fireEvent.change(within(row).getByLabelText('Owner of Read chapter 3'), { target: { value: 'mentor' } });
    expect(readActions(theirs)[0]!.owner).toBe('mentor');
    await fireEvent.click(within(row).getByRole('button', { name: 'Remove Read chapter 3' }));
    expect(readActions(theirs).find((a) => a.id === id)).toBeUndefined();
    await waitFor(() => expect(screen.queryByTestId('action-item')).toBeNull());
  });
});

describe('Resources', () => {
  it('adds a link that opens in a new tab without giving the page access to the opener', async () => {
    const doc = new Y.Doc();
    render(Resources, props(doc));
    await fireEvent.input(screen.getByLabelText('Link URL'), { target: { value: 'https://svelte.dev/tutorial' } });
    await fireEvent.input(screen.getByLabelText('Link title (optional)'), { target: { value: 'Svelte tutorial' } });
    await fireEvent.click(screen.getByTestId('add-resource'));
    const link = await screen.findByRole('link', { name: /Svelte tutorial/ });
    expect(link.getAttribute('href')).toBe('https://svelte.dev/tutorial');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toContain('noopener');
    await fireEvent.click(screen.getByRole('button', { name: 'Remove Svelte tutorial' }));
    expect(readResources(doc)).toEqual([]);
  });

  it('shows an inline error for a link that is not http(s) and writes nothing', async () => {
    const doc = new Y.Doc();
    render(Resources, props(doc));
    const url = screen.getByLabelText('Link URL');
    await fireEvent.input(url, { target: { value: 'javascript:alert(1)' } });
    await fireEvent.click(screen.getByTestId('add-resource'));
    const error = await screen.findByRole('alert');
    expect(error.textContent).toMatch(/http/);
    expect(url.getAttribute('aria-invalid')).toBe('true');
    expect(resourcesArray(doc).length).toBe(0);
  });

  it('never renders a javascript: link another client wrote into the doc', async () => {
    const [mine, theirs] = syncedPair();
    render(Resources, props(mine));
    const evil = new Y.Map<unknown>();
    resourcesArray(theirs).push([evil]);
    evil.set('id', 'evil');
    evil.set('url', 'javascript:alert(1)');
    addResource(theirs, { url: 'https://ok.test/', title: 'OK', addedBy: 'x' });
    await screen.findByRole('link', { name: /OK/ });
    expect(screen.getAllByRole('link')).toHaveLength(1);
  });
});
