// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import * as Y from 'yjs';
import { addAction, addAgendaItem, addMilestone, addResource, createGoal, markDiscussed } from '@menteo/room-doc';
import GoalBoard from './board/GoalBoard.svelte';
import NotesEditor from './notes/NotesEditor.svelte';
import Agenda from './lists/Agenda.svelte';
import ActionItems from './lists/ActionItems.svelte';
import Resources from './lists/Resources.svelte';

/*
 * History draws a past state with the live room's own components, given a fresh doc and
 * `readonly`: the same content, no way to change it, and no presence.
 */

const viewer = { userId: 'u-mentor', displayName: 'Maya Mentor', role: 'mentor' as const };

/** A room's state as the server sends it (one Yjs update), applied to a fresh doc, as the history page does. */
function pastDoc(): Y.Doc {
  const live = new Y.Doc();
  const id = createGoal(live, { title: 'Ship the portfolio', status: 'in_progress', owner: 'mentee', createdBy: 'u-mentee' });
  addMilestone(live, id, 'Pick three projects');
  markDiscussed(live, addAgendaItem(live, { text: 'Promotion path', addedBy: 'u-mentor' }), true);
  addAction(live, { text: 'Send the CV', owner: 'mentee', due: '2026-12-01' });
  addResource(live, { url: 'https://example.com/guide', title: 'Guide', addedBy: 'u-mentor' });
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText('We agreed on three projects.')]);
  live.getXmlFragment('notes').insert(0, [p]);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(live));
  return doc;
}

/** Every control a person could change something with, other than opening and closing. */
function editingControls(container: HTMLElement): Element[] {
  return [
    ...container.querySelectorAll('form, textarea, select, [draggable="true"], input:not([disabled])'),
    ...[...container.querySelectorAll('button')].filter((b) => /add|remove|edit|move|delete/i.test(b.getAttribute('aria-label') ?? b.textContent ?? '')),
  ];
}

afterEach(() => cleanup());

describe('read-only room components', () => {
  it('draws a past board with no way to add, move or tick, and opens a goal as text', async () => {
    const doc = pastDoc();
    const before = Y.encodeStateVector(doc);
    const { container } = render(GoalBoard, { doc, me: viewer, readonly: true });
    expect(screen.getByText('Ship the portfolio')).toBeTruthy();
    expect(screen.getByText('Pick three projects')).toBeTruthy();
    expect(editingControls(container)).toEqual([]);
    await fireEvent.click(screen.getByTestId('goal-open'));
    const detail = screen.getByTestId('goal-detail');
    expect(detail.textContent).toContain('In progress');
    expect(detail.querySelector('input:not([disabled]), select, textarea')).toBeNull();
    expect(screen.queryByTestId('goal-delete')).toBeNull();
    // Reading never writes: the doc is exactly the state it was given.
    expect(Y.encodeStateVector(doc)).toEqual(before);
  });

  it('draws past notes in the same editor, not editable and without a toolbar', async () => {
    const doc = pastDoc();
    render(NotesEditor, { doc, me: viewer, readonly: true });
    const editor = await screen.findByTestId('notes-editor');
    await waitFor(() => expect(editor.textContent).toContain('We agreed on three projects.'));
    expect(editor.getAttribute('contenteditable')).toBe('false');
    expect(screen.queryByRole('toolbar')).toBeNull();
  });

  it('steps read-only notes from one past doc to the next in the same editor, empty notes included', async () => {
    const first = pastDoc();
    const { rerender } = render(NotesEditor, { doc: first, me: viewer, readonly: true });
    const editor = await screen.findByTestId('notes-editor');
    await waitFor(() => expect(editor.textContent).toContain('We agreed on three projects.'));
    const next = new Y.Doc();
    Y.applyUpdate(next, Y.encodeStateAsUpdate(first));
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('Then we shipped one.')]);
    next.getXmlFragment('notes').insert(1, [p]);
    await rerender({ doc: next, me: viewer, readonly: true });
    await waitFor(() => expect(screen.getByTestId('notes-editor').textContent).toContain('Then we shipped one.'));
    // The same editor element: stepping through history does not rebuild the editor.
    expect(screen.getByTestId('notes-editor')).toBe(editor);
    await rerender({ doc: new Y.Doc(), me: viewer, readonly: true });
    await waitFor(() => expect(editor.textContent).toBe(''));
  });

  it('draws past agenda, action items and resources with their state and no controls', () => {
    const doc = pastDoc();
    const agenda = render(Agenda, { doc, me: viewer, readonly: true });
    expect(screen.getByTestId('agenda-count').textContent).toBe('1 of 1 discussed');
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'Discussed: Promotion path' }).checked).toBe(true);
    expect(editingControls(agenda.container)).toEqual([]);

    const actions = render(ActionItems, { doc, me: viewer, readonly: true });
    expect(screen.getByTestId('action-owner-text').textContent).toBe('Mentee');
    expect(editingControls(actions.container)).toEqual([]);

    const resources = render(Resources, { doc, me: viewer, readonly: true });
    expect(screen.getByTestId('resource-link').getAttribute('href')).toBe('https://example.com/guide');
    expect(editingControls(resources.container)).toEqual([]);
  });

  it('follows a new doc when the timeline hands it the next state', async () => {
    const first = pastDoc();
    const { rerender } = render(GoalBoard, { doc: first, me: viewer, readonly: true });
    const next = new Y.Doc();
    Y.applyUpdate(next, Y.encodeStateAsUpdate(first));
    createGoal(next, { title: 'Learn Rust', status: 'not_started', owner: 'mentor', createdBy: 'u-mentor' });
    await rerender({ doc: next, me: viewer, readonly: true });
    expect(screen.getByText('Learn Rust')).toBeTruthy();
  });
});
