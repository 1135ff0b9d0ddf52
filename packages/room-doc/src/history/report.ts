import * as Y from 'yjs';
import { readActions, readAgenda, readGoals, readResources } from '../read.ts';
import { GOAL_STATUSES, notesFragment, STATUS_LABELS } from '../schema.ts';
import { goalProgress } from '../derive.ts';
import type { DocComparison } from './compare.ts';
import { quote } from './timeline.ts';

/*
 * Exports (issue 16, item 6) are built as a list of blocks that a Markdown and a PDF writer
 * both render, so the two formats never disagree about what a report holds. Only the shared
 * room doc goes in: the caller never passes a private doc.
 */

/** Inline text with the marks Markdown can say; PDF prints `text` only. */
export interface Span {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  strike?: boolean;
  link?: string;
}

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3 | 4; text: string }
  | { type: 'paragraph'; spans: Span[] }
  | { type: 'item'; depth: number; ordered: boolean; index: number; checked?: boolean; spans: Span[] }
  | { type: 'quote'; spans: Span[] }
  | { type: 'code'; text: string }
  | { type: 'rule' };

const plain = (text: string): Span[] => [{ text }];

function spansOf(text: Y.XmlText): Span[] {
  const out: Span[] = [];
  for (const op of text.toDelta() as { insert?: unknown; attributes?: Record<string, unknown> }[]) {
    if (typeof op.insert !== 'string') continue;
    const a = op.attributes ?? {};
    const link = a.link as { href?: unknown } | undefined;
    out.push({
      text: op.insert,
      ...(a.bold ? { bold: true } : {}),
      ...(a.italic ? { italic: true } : {}),
      ...(a.code ? { code: true } : {}),
      ...(a.strike ? { strike: true } : {}),
      ...(typeof link?.href === 'string' ? { link: link.href } : {}),
    });
  }
  return out;
}

/** The inline content of a textblock: its XmlText children, hard breaks as newlines. */
function inline(el: Y.XmlElement): Span[] {
  const out: Span[] = [];
  for (const child of el.toArray()) {
    if (child instanceof Y.XmlText) out.push(...spansOf(child));
    else if (child instanceof Y.XmlElement && child.nodeName === 'hardBreak') out.push({ text: '\n' });
  }
  return out;
}

const spansText = (spans: readonly Span[]) => spans.map((s) => s.text).join('');

/** The shared notes (Tiptap StarterKit nodes) as blocks. Unknown nodes keep their text. */
export function notesBlocks(doc: Y.Doc): Block[] {
  const out: Block[] = [];
  const walk = (nodes: readonly (Y.XmlElement | Y.XmlText)[], list: { depth: number; ordered: boolean } | null, inQuote: boolean) => {
    let index = 0;
    for (const node of nodes) {
      if (node instanceof Y.XmlText) {
        const spans = spansOf(node);
        if (spansText(spans).trim() !== '') out.push({ type: 'paragraph', spans });
        continue;
      }
      const children = node.toArray().filter((c): c is Y.XmlElement | Y.XmlText => c instanceof Y.XmlElement || c instanceof Y.XmlText);
      switch (node.nodeName) {
        case 'heading': {
          const level = Number(node.getAttribute('level'));
          out.push({ type: 'heading', level: level === 1 ? 3 : 4, text: spansText(inline(node)) });
          break;
        }
        case 'paragraph': {
          const spans = inline(node);
          if (spansText(spans).trim() === '') break;
          out.push(inQuote ? { type: 'quote', spans } : { type: 'paragraph', spans });
          break;
        }
        case 'codeBlock':
          out.push({ type: 'code', text: spansText(inline(node)) });
          break;
        case 'horizontalRule':
          out.push({ type: 'rule' });
          break;
        case 'bulletList':
        case 'orderedList':
        case 'taskList':
          walk(children, { depth: list ? list.depth + 1 : 0, ordered: node.nodeName === 'orderedList' }, inQuote);
          break;
        case 'listItem':
        case 'taskItem': {
          index++;
          const [head, ...rest] = children;
          const checked = node.nodeName === 'taskItem' ? node.getAttribute('checked') === 'true' || (node.getAttribute('checked') as unknown) === true : undefined;
          const spans = head instanceof Y.XmlElement && head.nodeName === 'paragraph' ? inline(head) : [];
          out.push({
            type: 'item',
            depth: list?.depth ?? 0,
            ordered: list?.ordered ?? false,
            index,
            ...(checked === undefined ? {} : { checked }),
            spans,
          });
          walk(head instanceof Y.XmlElement && head.nodeName === 'paragraph' ? rest : children, list, inQuote);
          break;
        }
        case 'blockquote':
          walk(children, list, true);
          break;
        default:
          walk(children, list, inQuote);
      }
    }
  };
  walk(
    notesFragment(doc)
      .toArray()
      .filter((c): c is Y.XmlElement | Y.XmlText => c instanceof Y.XmlElement || c instanceof Y.XmlText),
    null,
    false,
  );
  return out;
}

/** The board, action items, agenda and resources of a doc, as blocks under level-`level` headings. */
export function boardBlocks(doc: Y.Doc, level: 2 | 3 = 2): Block[] {
  const sub = (level + 1) as 3 | 4;
  const out: Block[] = [{ type: 'heading', level, text: 'Goals' }];
  const goals = readGoals(doc);
  if (goals.length === 0) out.push({ type: 'paragraph', spans: plain('No goals.') });
  for (const status of GOAL_STATUSES) {
    const inStatus = goals.filter((g) => g.status === status);
    if (inStatus.length === 0) continue;
    out.push({ type: 'heading', level: sub, text: STATUS_LABELS[status] });
    for (const g of inStatus) {
      const details = [`${goalProgress(g)}%`, `owner: ${g.owner}`, ...(g.due ? [`due ${g.due}`] : [])].join(', ');
      out.push({ type: 'item', depth: 0, ordered: false, index: 0, spans: [{ text: g.title || '(untitled)', bold: true }, { text: ` (${details})` }] });
      if (g.description.trim() !== '') out.push({ type: 'item', depth: 1, ordered: false, index: 0, spans: plain(g.description.trim()) });
      for (const m of g.milestones) out.push({ type: 'item', depth: 1, ordered: false, index: 0, checked: m.done, spans: plain(m.title || '(untitled)') });
    }
  }
  const actions = readActions(doc);
  out.push({ type: 'heading', level, text: 'Action items' });
  if (actions.length === 0) out.push({ type: 'paragraph', spans: plain('No action items.') });
  for (const a of actions) {
    const details = [`owner: ${a.owner}`, ...(a.due ? [`due ${a.due}`] : [])].join(', ');
    out.push({ type: 'item', depth: 0, ordered: false, index: 0, checked: a.done, spans: plain(`${a.text || '(untitled)'} (${details})`) });
  }
  const agenda = readAgenda(doc);
  out.push({ type: 'heading', level, text: 'Agenda' });
  if (agenda.length === 0) out.push({ type: 'paragraph', spans: plain('No talking points.') });
  for (const a of agenda) out.push({ type: 'item', depth: 0, ordered: false, index: 0, checked: a.discussed, spans: plain(a.text || '(untitled)') });
  const resources = readResources(doc);
  if (resources.length > 0) {
    out.push({ type: 'heading', level, text: 'Resources' });
    for (const r of resources) out.push({ type: 'item', depth: 0, ordered: false, index: 0, spans: [{ text: r.title || r.url, link: r.url }] });
  }
  return out;
}

/** A comparison as readable lines ("Goal added: 'X'"), for reports. */
export function comparisonLines(c: DocComparison): string[] {
  const lines: string[] = [];
  for (const g of c.goals.added) lines.push(`Goal added: ${quote(g.title)}`);
  for (const g of c.goals.removed) lines.push(`Goal removed: ${quote(g.title)}`);
  for (const g of c.goals.changed) {
    for (const f of g.fields) {
      if (f.field === 'status') lines.push(`${quote(g.title)} moved to ${STATUS_LABELS[f.to as keyof typeof STATUS_LABELS] ?? String(f.to)}`);
      else if (f.field === 'title') lines.push(`Goal ${quote(String(f.from))} renamed to ${quote(g.title)}`);
      else if (f.field === 'description') lines.push(`${quote(g.title)}: description edited`);
      else lines.push(`${quote(g.title)}: ${f.field} ${f.from ?? 'none'} → ${f.to ?? 'none'}`);
    }
    for (const m of g.milestones.added) lines.push(`${quote(g.title)}: milestone ${quote(m.title)} added`);
    for (const m of g.milestones.removed) lines.push(`${quote(g.title)}: milestone ${quote(m.title)} removed`);
    for (const m of g.milestones.changed) {
      for (const f of m.fields) {
        if (f.field === 'done') lines.push(`${quote(g.title)}: milestone ${quote(m.title)} ${f.to ? 'done' : 'reopened'}`);
        else lines.push(`${quote(g.title)}: milestone ${quote(String(f.from))} renamed to ${quote(m.title)}`);
      }
    }
  }
  for (const a of c.actions.opened) lines.push(`Action item opened: ${quote(a.text)}`);
  for (const a of c.actions.closed) lines.push(`Action item closed: ${quote(a.text)}`);
  for (const a of c.actions.reopened) lines.push(`Action item reopened: ${quote(a.text)}`);
  for (const a of c.actions.removed) lines.push(`Action item removed: ${quote(a.text)}`);
  for (const a of c.agenda.added) lines.push(`Agenda point added: ${quote(a.text)}`);
  for (const a of c.agenda.discussed) lines.push(`Agenda point discussed: ${quote(a.text)}`);
  for (const a of c.agenda.removed) lines.push(`Agenda point removed: ${quote(a.text)}`);
  if (c.notes.wordsAdded + c.notes.wordsRemoved > 0) lines.push(`Notes: ${c.notes.wordsAdded} words added, ${c.notes.wordsRemoved} removed`);
  return lines;
}

// ── Markdown ─────────────────────────────────────────────────────────────────

/** Escapes what Markdown would read as syntax at the start of a line or inline. */
function escapeMd(text: string): string {
  return text.replace(/([\\`*_[\]<>#|~])/g, '\\$1').replace(/^(\s*)(\d+)\./gm, '$1$2\\.').replace(/^(\s*)([-+])(\s)/gm, '$1\\$2$3');
}

function spanMd(s: Span): string {
  if (s.text === '\n') return '  \n';
  if (s.code) return `\`${s.text.replace(/`/g, '')}\``;
  let t = escapeMd(s.text);
  if (t.trim() === '') return t;
  if (s.strike) t = `~~${t}~~`;
  if (s.italic) t = `*${t}*`;
  if (s.bold) t = `**${t}**`;
  if (s.link && /^https?:\/\//i.test(s.link)) t = `[${t}](<${s.link.replace(/[<>]/g, '')}>)`;
  return t;
}

const spansMd = (spans: readonly Span[]) => spans.map(spanMd).join('');

export function blocksToMarkdown(blocks: readonly Block[]): string {
  const lines: string[] = [];
  let prev: Block['type'] | null = null;
  for (const b of blocks) {
    // Consecutive list items stay one list; everything else is separated by a blank line.
    if (prev !== null && !(prev === 'item' && b.type === 'item')) lines.push('');
    switch (b.type) {
      case 'heading':
        lines.push(`${'#'.repeat(b.level)} ${escapeMd(b.text)}`);
        break;
      case 'paragraph':
        lines.push(spansMd(b.spans));
        break;
      case 'item': {
        const bullet = b.ordered ? `${b.index}.` : '-';
        const box = b.checked === undefined ? '' : b.checked ? '[x] ' : '[ ] ';
        lines.push(`${'  '.repeat(b.depth)}${bullet} ${box}${spansMd(b.spans)}`);
        break;
      }
      case 'quote':
        lines.push(`> ${spansMd(b.spans)}`);
        break;
      case 'code':
        lines.push('```', b.text.replace(/```/g, '` ` `'), '```');
        break;
      case 'rule':
        lines.push('---');
        break;
      default: {
        const never: never = b;
        throw new Error(`unknown block ${JSON.stringify(never)}`);
      }
    }
    prev = b.type;
  }
  return `${lines.join('\n')}\n`;
}

// ── The reports ──────────────────────────────────────────────────────────────

export interface ReportMeeting {
  /** "Meeting 3" or the title given. */
  title: string;
  startedAt: Date;
  endedAt: Date | null;
  attendees: string[];
  summary: string;
  /** What changed from the meeting before (comparisonLines). */
  changes: string[];
}

export interface RoomReport {
  title: string;
  generatedAt: Date;
  members: { name: string; role: string }[];
  /** The shared doc now. */
  doc: Y.Doc;
  /** Newest first. */
  meetings: ReportMeeting[];
  /** Lines about edits outside meetings, e.g. "5 Dec 2026 – 7 Dec 2026: 14 edits by Ana, 3 by Ben". */
  activity: string[];
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const time = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function minutes(m: ReportMeeting): string {
  if (!m.endedAt) return 'still running';
  const mins = Math.max(1, Math.round((m.endedAt.getTime() - m.startedAt.getTime()) / 60_000));
  return `${mins} min`;
}

/** The whole room history: members, the board and notes now, then every meeting newest first. */
export function roomReportBlocks(r: RoomReport): Block[] {
  const out: Block[] = [
    { type: 'heading', level: 1, text: `${r.title}: history` },
    { type: 'paragraph', spans: plain(`Generated ${time(r.generatedAt)}. Members: ${r.members.map((m) => `${m.name} (${m.role})`).join(', ') || 'none'}.`) },
    ...boardBlocks(r.doc, 2),
    { type: 'heading', level: 2, text: 'Notes' },
  ];
  const notes = notesBlocks(r.doc);
  out.push(...(notes.length > 0 ? notes : [{ type: 'paragraph' as const, spans: plain('No notes.') }]));
  out.push({ type: 'heading', level: 2, text: `Meetings (${r.meetings.length})` });
  if (r.meetings.length === 0) out.push({ type: 'paragraph', spans: plain('No meetings yet.') });
  for (const m of r.meetings) {
    out.push({ type: 'heading', level: 3, text: `${m.title} · ${day(m.startedAt)} · ${minutes(m)}` });
    out.push({ type: 'paragraph', spans: plain(`Attended: ${m.attendees.join(', ') || 'nobody recorded'}. ${m.summary}`.trim()) });
    for (const line of m.changes) out.push({ type: 'item', depth: 0, ordered: false, index: 0, spans: plain(line) });
  }
  if (r.activity.length > 0) {
    out.push({ type: 'heading', level: 2, text: 'Edits outside meetings' });
    for (const line of r.activity) out.push({ type: 'item', depth: 0, ordered: false, index: 0, spans: plain(line) });
  }
  return out;
}

export interface MeetingReport {
  roomTitle: string;
  meeting: ReportMeeting;
  /** The doc at the meeting's end. */
  doc: Y.Doc;
  /** Agenda points marked discussed during the meeting. */
  discussed: string[];
}

/** One meeting: when, who, its summary and changes, the points discussed, and the notes at its end. */
export function meetingReportBlocks(r: MeetingReport): Block[] {
  const m = r.meeting;
  const out: Block[] = [
    { type: 'heading', level: 1, text: `${r.roomTitle}: ${m.title}, ${day(m.startedAt)}` },
    { type: 'paragraph', spans: plain(`${time(m.startedAt)}, ${minutes(m)}. Attended: ${m.attendees.join(', ') || 'nobody recorded'}.`) },
    { type: 'heading', level: 2, text: 'Summary' },
    { type: 'paragraph', spans: plain(m.summary || 'No summary.') },
  ];
  for (const line of m.changes) out.push({ type: 'item', depth: 0, ordered: false, index: 0, spans: plain(line) });
  if (r.discussed.length > 0) {
    out.push({ type: 'heading', level: 2, text: 'Discussed' });
    for (const d of r.discussed) out.push({ type: 'item', depth: 0, ordered: false, index: 0, spans: plain(d) });
  }
  out.push({ type: 'heading', level: 2, text: 'Notes' });
  const notes = notesBlocks(r.doc);
  out.push(...(notes.length > 0 ? notes : [{ type: 'paragraph' as const, spans: plain('No notes.') }]));
  return out;
}
