/**
 * The transaction origin of edits made through the room UI (STYLE rule 3). The
 * provider sends every transaction whose origin is not itself, so this only labels
 * local edits for observers such as an undo manager or a debugging listener.
 */
export const UI_ORIGIN = 'menteo-ui';

/**
 * The origin of applying a roadmap from the picker. Its own origin so an undo manager can
 * track exactly that edit ("Undo" takes the whole roadmap back, and nothing else).
 */
export const ROADMAP_ORIGIN = 'menteo-roadmap';
