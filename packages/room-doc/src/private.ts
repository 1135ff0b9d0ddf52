import type * as Y from 'yjs';
import { addAgendaItem, removeAgendaItem } from './lists.ts';
import { readAgenda } from './read.ts';

/*
 * A member's private doc (`<roomId>~private~<userId>`, only its owner opens it) uses the room
 * doc's names for what it holds: `notes` (Y.XmlFragment, private notes) and `agenda` (private
 * talking points, same item shape), so the same readers, writers and editors serve both.
 */

/**
 * Moves a private talking point to the shared agenda: added there first, then removed here,
 * so a failure between the two leaves a copy, never a loss. Two docs, two transactions: the
 * shared edit goes to the partner, the private one to the owner's doc only. Returns the new
 * shared item's id, or null when the point no longer exists.
 */
export function moveToSharedAgenda(privateDoc: Y.Doc, roomDoc: Y.Doc, itemId: string, addedBy: string, origin?: unknown): string | null {
  const item = readAgenda(privateDoc).find((i) => i.id === itemId);
  if (!item) return null;
  const sharedId = addAgendaItem(roomDoc, { text: item.text, addedBy }, origin);
  removeAgendaItem(privateDoc, itemId, origin);
  return sharedId;
}
