/**
 * The transaction origin of edits made through the room UI (STYLE rule 3). The
 * provider sends every transaction whose origin is not itself, so this only labels
 * local edits for observers such as an undo manager or a debugging listener.
 */
export const UI_ORIGIN = 'menteo-ui';
