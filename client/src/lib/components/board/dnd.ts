/**
 * Where a drop lands among the items of a list: the number of items (other than the
 * dragged one) whose vertical midpoint is above the pointer. The result is the index
 * that moveGoal / reorderAgendaItem expect (counted without the moved item).
 */
export function dropIndex(container: HTMLElement, selector: string, clientY: number, draggedId: string | null): number {
  let index = 0;
  for (const el of container.querySelectorAll<HTMLElement>(selector)) {
    if (el.dataset.id === draggedId) continue;
    const r = el.getBoundingClientRect();
    if (clientY > r.top + r.height / 2) index++;
  }
  return index;
}

/** A custom type, so a drop of unrelated text or files onto the board is ignored. */
export const GOAL_DRAG_TYPE = 'application/x-menteo-goal';
export const AGENDA_DRAG_TYPE = 'application/x-menteo-agenda';

export function formatDue(due: string | null): string {
  if (!due) return '';
  const d = new Date(`${due}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** The viewer's calendar day, `YYYY-MM-DD` (what due dates are compared with). */
export function localToday(now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** Due before today (local calendar day). */
export function isOverdue(due: string | null, now = new Date()): boolean {
  return due !== null && due !== '' && due < localToday(now);
}

export type MoveDirection = 'left' | 'right' | 'up' | 'down';
