// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, waitFor } from '@testing-library/svelte';
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import NotesEditor from './NotesEditor.svelte';
import { caretColor, showsCaret } from './carets.ts';

/** Two members' docs and awarenesses wired together in memory, the way the server relays them. */
function pair() {
  const docs = [new Y.Doc(), new Y.Doc()] as const;
  const aws = [new Awareness(docs[0]), new Awareness(docs[1])] as const;
  docs[0].on('update', (u: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(docs[1], u, 'relay'));
  docs[1].on('update', (u: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(docs[0], u, 'relay'));
  const relay = (from: Awareness, to: Awareness) =>
    from.on('update', ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
      if (origin === 'relay') return;
      applyAwarenessUpdate(to, encodeAwarenessUpdate(from, [...added!, ...updated!, ...removed!]), 'relay');
    });
  relay(aws[0], aws[1]);
  relay(aws[1], aws[0]);
  aws[0].setLocalStateField('user', { userId: 'u-mentor', name: 'Maya Mentor', color: '#c2410c', role: 'mentor' });
  aws[1].setLocalStateField('user', { userId: 'u-mentee', name: 'Eli Mentee', color: '#0f766e', role: 'mentee' });
  return { docs, aws };
}

const mentee = { userId: 'u-mentee', displayName: 'Eli Mentee', role: 'mentee' as const };

/** Publishes a caret for `aw`'s member at `index` in the first paragraph of the notes. */
function publishCaret(doc: Y.Doc, aw: Awareness, index: number) {
  const paragraph = doc.getXmlFragment('notes').get(0) as Y.XmlElement;
  const text = paragraph.get(0) as Y.XmlText;
  const pos = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, index));
  aw.setLocalStateField('cursor', { anchor: pos, head: pos });
}

afterEach(() => cleanup());

describe('NotesEditor', () => {
  it('shows text the other member wrote into the shared notes fragment', async () => {
    const { docs, aws } = pair();
    const { container } = render(NotesEditor, { doc: docs[1], me: mentee, awareness: aws[1] });
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('agenda from the mentor')]);
    docs[0].getXmlFragment('notes').insert(0, [p]);
    await waitFor(() => expect(container.querySelector('.notes-content')?.textContent).toContain('agenda from the mentor'));
  });

  it("draws the other member's caret with their name, and removes it when they hide their cursor", async () => {
    const { docs, aws } = pair();
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('hello world')]);
    docs[0].getXmlFragment('notes').insert(0, [p]);
    const { container } = render(NotesEditor, { doc: docs[1], me: mentee, awareness: aws[1] });

    publishCaret(docs[0], aws[0], 5);
    await waitFor(() => expect(container.querySelector('.collaboration-carets__label')?.textContent).toBe('Maya Mentor'));
    const caret = container.querySelector<HTMLElement>('.collaboration-carets__caret');
    expect(caret?.style.borderColor).toBe('rgb(194, 65, 12)');

    aws[0].setLocalStateField('cursorHidden', true);
    await waitFor(() => expect(container.querySelector('.collaboration-carets__caret')).toBeNull());

    aws[0].setLocalStateField('cursorHidden', false);
    await waitFor(() => expect(container.querySelector('.collaboration-carets__caret')).not.toBeNull());
  });

  it('never draws its own caret', async () => {
    const { docs, aws } = pair();
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('mine')]);
    docs[1].getXmlFragment('notes').insert(0, [p]);
    const { container } = render(NotesEditor, { doc: docs[1], me: mentee, awareness: aws[1] });
    publishCaret(docs[1], aws[1], 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(container.querySelector('.collaboration-carets__caret')).toBeNull();
  });

  it('offers a formatting toolbar whose buttons report their state with aria-pressed', async () => {
    const { docs, aws } = pair();
    const { getByRole } = render(NotesEditor, { doc: docs[1], me: mentee, awareness: aws[1] });
    for (const name of ['Bold', 'Italic', 'Heading', 'Bullet list', 'Numbered list']) {
      const button = getByRole('button', { name });
      await waitFor(() => expect(button.hasAttribute('disabled')).toBe(false));
      expect(button.getAttribute('aria-pressed')).toBe('false');
    }
    getByRole('button', { name: 'Bold' }).click();
    await waitFor(() => expect(getByRole('button', { name: 'Bold' }).getAttribute('aria-pressed')).toBe('true'));
  });

  it('destroys the editor and withdraws its caret and focus when unmounted', async () => {
    const { docs, aws } = pair();
    const { unmount, container } = render(NotesEditor, { doc: docs[1], me: mentee, awareness: aws[1] });
    await waitFor(() => expect(container.querySelector('.ProseMirror')).not.toBeNull());
    aws[1].setLocalStateField('focus', { kind: 'notes', label: 'Notes' });
    unmount();
    expect(aws[1].getLocalState()?.focus).toBeNull();
    expect(aws[1].getLocalState()?.cursor ?? null).toBeNull();
    expect(container.querySelector('.ProseMirror')).toBeNull();
  });
});

describe('caret helpers', () => {
  it('shows a remote caret unless its owner hid it', () => {
    expect(showsCaret(1, 2, { cursor: {} })).toBe(true);
    expect(showsCaret(1, 2, { cursor: {}, cursorHidden: true })).toBe(false);
    expect(showsCaret(1, 1, { cursor: {} })).toBe(false);
    expect(showsCaret(1, 2, null)).toBe(false);
  });

  it('falls back to grey for a missing or malformed colour', () => {
    expect(caretColor(undefined)).toBe('#6b7280');
    expect(caretColor('#0f766e')).toBe('#0f766e');
  });
});
