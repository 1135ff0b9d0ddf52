// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor } from '@testing-library/svelte';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import TeardownHarness from '../../test/TeardownHarness.svelte';

afterEach(() => cleanup());

/**
 * Chromium blurs a focused element synchronously when it is removed from the document (the
 * editor's blur handler then clears the caret and the "in notes" focus); jsdom does not. This
 * does what Chromium does, for the duration of a test.
 */
function blurOnRemoval(): () => void {
  const blurIfInside = (node: Node) => {
    const active = node.ownerDocument?.activeElement;
    if (active && active !== node.ownerDocument?.body && node.contains(active)) (active as HTMLElement).blur();
  };
  const remove = Element.prototype.remove;
  const removeChild = Node.prototype.removeChild;
  Element.prototype.remove = function (this: Element) {
    blurIfInside(this);
    remove.call(this);
  };
  Node.prototype.removeChild = function <T extends Node>(this: Node, child: T): T {
    blurIfInside(child);
    return removeChild.call(this, child) as T;
  };
  return () => {
    Element.prototype.remove = remove;
    Node.prototype.removeChild = removeChild;
  };
}

const me = { userId: 'u-mentee', displayName: 'Eli Mentee', role: 'mentee' as const };

describe('outside sources under teardown', () => {
  it('unmounts the notes editor with a live caret while an awareness reader is mounted, without a state_unsafe_mutation', async () => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    awareness.setLocalState({ user: { userId: me.userId, name: me.displayName, color: '#0f766e', role: 'mentee' }, focus: null });
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.error);
    window.addEventListener('error', onError);
    const consoleError = vi.spyOn(console, 'error').mockImplementation((...args) => errors.push(args));
    const restore = blurOnRemoval();
    try {
      const view = render(TeardownHarness, { doc, awareness, me, show: true });
      await waitFor(() => expect(document.querySelector('.notes-content')).not.toBeNull());
      // The caret the cursor plugin publishes while the editor has focus; its teardown clears it.
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText('typing')]);
      doc.getXmlFragment('notes').insert(0, [p]);
      const text = p.get(0) as Y.XmlText;
      const pos = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, 3));
      awareness.setLocalStateField('cursor', { anchor: pos, head: pos });
      document.querySelector<HTMLElement>('.notes-content')!.focus();
      await waitFor(() => expect((awareness.getLocalState() as { focus?: { kind?: string } }).focus?.kind).toBe('notes'));
      let thrown: unknown = null;
      await view.rerender({ doc, awareness, me, show: false }).catch((err: unknown) => (thrown = err));
      expect(String(thrown ?? '')).not.toMatch(/state_unsafe_mutation/);
      await waitFor(() => expect(document.querySelector('.notes-content')).toBeNull());
      expect((awareness.getLocalState() as { cursor?: unknown }).cursor ?? null).toBeNull();
      expect(screen.getByTestId('peer-count').textContent).toBe('0');
      expect(errors.map(String).join('\n')).not.toMatch(/state_unsafe_mutation/);
      expect(errors).toEqual([]);
    } finally {
      restore();
      window.removeEventListener('error', onError);
      consoleError.mockRestore();
    }
  });

  it('closes the doc and the awareness under live components, then unmounts them, without an error', async () => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    awareness.setLocalState({ user: { userId: me.userId, name: me.displayName, color: '#0f766e', role: 'mentee' }, focus: null });
    const errors: unknown[] = [];
    const consoleError = vi.spyOn(console, 'error').mockImplementation((...args) => errors.push(args));
    const restore = blurOnRemoval();
    try {
      const view = render(TeardownHarness, { doc, awareness, me, show: true });
      await waitFor(() => expect(document.querySelector('.notes-content')).not.toBeNull());
      document.querySelector<HTMLElement>('.notes-content')!.focus();
      // What RoomConnection.destroy() does, while the room's components are still mounted.
      awareness.destroy();
      doc.destroy();
      await new Promise((r) => setTimeout(r, 0));
      view.unmount();
      expect(errors).toEqual([]);
    } finally {
      restore();
      consoleError.mockRestore();
    }
  });
});
