import type { Role } from '@menteo/protocol';

/** Who is acting in the room (passed to every room component). */
export interface Actor {
  userId: string;
  displayName: string;
  role: Role;
}

export const FOCUS_KINDS = ['goal', 'agenda', 'action', 'resource', 'notes'] as const;
export type FocusKind = (typeof FOCUS_KINDS)[number];

export interface PresenceFocus {
  kind: FocusKind;
  id?: string;
  /** Human text for "editing goal X". */
  label: string;
}

/** The y-protocols awareness state each client publishes. */
export interface PresenceState {
  user: { userId: string; name: string; color: string; role: Role };
  focus: PresenceFocus | null;
  /** The member chose to hide their caret from the other. */
  cursorHidden?: boolean;
}

/**
 * Caret and avatar colours. Each holds at least 4.5:1 contrast with white text, so a
 * name label on the colour stays readable (WCAG AA).
 */
export const PRESENCE_COLORS = [
  '#b91c1c',
  '#c2410c',
  '#a16207',
  '#15803d',
  '#0f766e',
  '#0369a1',
  '#4338ca',
  '#7e22ce',
  '#be185d',
  '#4d7c0f',
] as const;

/** The same user gets the same colour on every client (FNV-1a over the id). */
export function colorForUser(userId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return PRESENCE_COLORS[(h >>> 0) % PRESENCE_COLORS.length] as string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Validates a remote awareness state (any client can publish anything); null if unusable. */
export function parsePresence(state: unknown): PresenceState | null {
  if (!isRecord(state) || !isRecord(state.user)) return null;
  const { userId, name, color, role } = state.user;
  if (typeof userId !== 'string' || typeof name !== 'string') return null;
  if (role !== 'mentor' && role !== 'mentee') return null;
  const safeColor = typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color : colorForUser(userId);
  let focus: PresenceFocus | null = null;
  const f = state.focus;
  if (isRecord(f) && (FOCUS_KINDS as readonly unknown[]).includes(f.kind) && typeof f.label === 'string') {
    focus = { kind: f.kind as FocusKind, label: f.label.slice(0, 200) };
    if (typeof f.id === 'string') focus.id = f.id;
  }
  return {
    user: { userId, name, color: safeColor, role },
    focus,
    cursorHidden: state.cursorHidden === true,
  };
}
