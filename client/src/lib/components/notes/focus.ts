import type { Awareness } from 'y-protocols/awareness';
import type { PresenceFocus } from '@menteo/room-doc';

/** What the presence bar shows ("editing Notes") while this member's caret is in the notes. */
export const NOTES_FOCUS: PresenceFocus = { kind: 'notes', label: 'Notes' };

export function setNotesFocus(awareness: Awareness): void {
  awareness.setLocalStateField('focus', NOTES_FOCUS);
}

/** Clears the focus only if it is still ours: focus may already have moved to a goal card. */
export function clearNotesFocus(awareness: Awareness): void {
  const focus = (awareness.getLocalState() as { focus?: Partial<PresenceFocus> | null } | null)?.focus;
  if (focus?.kind === NOTES_FOCUS.kind) awareness.setLocalStateField('focus', null);
}
