import { Extension } from '@tiptap/core';
import { yCursorPlugin } from '@tiptap/y-tiptap';
import type { Awareness } from 'y-protocols/awareness';

/**
 * The other members' carets and selections in the notes, in their colour with their name.
 *
 * Not Tiptap's CollaborationCaret: that extension writes its own `user` into the awareness
 * state (clobbering the {userId, name, color, role} the room connection publishes) and has
 * no way to filter states, so it could not honour a member's "hide my cursor".
 */

/** What the room connection publishes under `user` (only the fields the carets use). */
interface CaretUser {
  name?: unknown;
  color?: unknown;
}

interface CaretState {
  user?: CaretUser;
  cursorHidden?: boolean;
  cursor?: unknown;
}

const FALLBACK_COLOR = '#6b7280';

/** Any CSS colour the browser accepts; anything else (or a missing colour) gets a neutral grey. */
export function caretColor(color: unknown): string {
  if (typeof color !== 'string' || color === '') return FALLBACK_COLOR;
  // jsdom and very old engines lack CSS.supports; a 3/6/8-digit hex is always fine there.
  if (typeof CSS !== 'undefined' && typeof CSS.supports === 'function') return CSS.supports('color', color) ? color : FALLBACK_COLOR;
  return /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(color) ? color : FALLBACK_COLOR;
}

export function caretName(user: CaretUser | undefined): string {
  return typeof user?.name === 'string' && user.name.trim() !== '' ? user.name : 'Someone';
}

/** Whether a remote awareness state's caret is shown: not our own, and not hidden by its owner. */
export function showsCaret(localClientId: number, clientId: number, state: CaretState | null | undefined): boolean {
  return clientId !== localClientId && state != null && state.cursorHidden !== true;
}

function renderCaret(user: CaretUser): HTMLElement {
  const color = caretColor(user.color);
  const caret = document.createElement('span');
  caret.className = 'collaboration-carets__caret';
  caret.style.borderColor = color;
  const label = document.createElement('div');
  label.className = 'collaboration-carets__label';
  label.style.backgroundColor = color;
  label.textContent = caretName(user);
  caret.append(label);
  return caret;
}

function renderSelection(user: CaretUser) {
  // color-mix works for every CSS colour; y-prosemirror's default appends "70" to a 6-digit hex only.
  return {
    class: 'collaboration-carets__selection',
    style: `background-color: color-mix(in srgb, ${caretColor(user.color)} 28%, transparent)`,
    'data-user': caretName(user),
  };
}

/**
 * The awareness as the cursor plugin sees it: while the local member hides their cursor,
 * their position is never published (stock clients would otherwise still draw it).
 */
function privacyAwareness(awareness: Awareness): Awareness {
  const hidden = () => (awareness.getLocalState() as CaretState | null)?.cursorHidden === true;
  return new Proxy(awareness, {
    get(target, prop, receiver) {
      if (prop === 'setLocalStateField') {
        return (field: string, value: unknown) => {
          if (field === 'cursor' && hidden()) {
            if ((target.getLocalState() as CaretState | null)?.cursor != null) target.setLocalStateField('cursor', null);
            return;
          }
          target.setLocalStateField(field, value);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export const NotesCarets = Extension.create<{ awareness: Awareness | null }>({
  name: 'notesCarets',
  addOptions() {
    return { awareness: null };
  },
  addProseMirrorPlugins() {
    const { awareness } = this.options;
    if (!awareness) throw new Error('NotesCarets needs the room awareness');
    return [
      yCursorPlugin(privacyAwareness(awareness), {
        awarenessStateFilter: (local: number, clientId: number, state: CaretState | null) => showsCaret(local, clientId, state),
        cursorBuilder: (user: CaretUser) => renderCaret(user),
        selectionBuilder: (user: CaretUser) => renderSelection(user),
      }),
    ];
  },
});
