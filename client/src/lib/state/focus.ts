import type { Awareness } from 'y-protocols/awareness';
import type { FocusKind, PresenceFocus } from '@menteo/room-doc';

/**
 * Publishes what this member is working on ("editing goal X" in the presence bar). A null
 * awareness is a read-only view (a past state in history): there is nobody to tell.
 */
export function setFocus(awareness: Awareness | null, focus: PresenceFocus): void {
  if (!awareness) return;
  const current = currentFocus(awareness);
  if (current?.kind === focus.kind && current.id === focus.id && current.label === focus.label) return;
  awareness.setLocalStateField('focus', focus);
}

/**
 * Clears the focus only if it is still the one given: by the time a blur fires, focus
 * may already have moved to another component that published its own.
 */
export function clearFocus(awareness: Awareness | null, kind: FocusKind, id?: string): void {
  if (!awareness) return;
  const current = currentFocus(awareness);
  if (current?.kind === kind && (id === undefined || current.id === id)) awareness.setLocalStateField('focus', null);
}

function currentFocus(awareness: Awareness): Partial<PresenceFocus> | null {
  const state = awareness.getLocalState() as { focus?: Partial<PresenceFocus> | null } | null;
  return state?.focus ?? null;
}
