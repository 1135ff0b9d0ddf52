/** Sentences for the changes a comparison lists ("Status: In progress → Done"). Pure. */
import type { FieldChange, NotesSegment } from '@menteo/protocol';
import { isGoalStatus, STATUS_LABELS } from '@menteo/room-doc';

const FIELD_NAMES: Record<string, string> = {
  title: 'Title',
  text: 'Text',
  status: 'Status',
  owner: 'Owner',
  due: 'Due',
  description: 'Description',
  done: 'Done',
};

function value(field: string, v: string | boolean | null): string {
  if (v === null || v === '') return field === 'due' ? 'no date' : 'empty';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (field === 'status' && isGoalStatus(v)) return STATUS_LABELS[v];
  if (field === 'owner') return v === 'mentor' ? 'Mentor' : v === 'mentee' ? 'Mentee' : v;
  if (field === 'title' || field === 'text') return `“${v}”`;
  return v;
}

/** "Status: In progress → Done"; a description (long text) only says that it changed. */
export function describeField(change: FieldChange): string {
  const name = FIELD_NAMES[change.field] ?? change.field;
  if (change.field === 'description') return 'Description changed';
  if (change.field === 'done') return change.to === true ? 'Ticked off' : 'Unticked';
  return `${name}: ${value(change.field, change.from)} → ${value(change.field, change.to)}`;
}

/** Segments of one paragraph each, for drawing the notes diff block by block ("\n" separates blocks). */
export function splitBlocks(segments: readonly NotesSegment[]): NotesSegment[][] {
  const blocks: NotesSegment[][] = [[]];
  for (const seg of segments) {
    const parts = seg.text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) blocks.push([]);
      if (part) blocks[blocks.length - 1]?.push({ ...seg, text: part });
    });
  }
  return blocks;
}

/** Whether the diff has any change at all. */
export function notesChanged(segments: readonly NotesSegment[]): boolean {
  return segments.some((s) => s.op !== 'same');
}
