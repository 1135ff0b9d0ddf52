import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { MAX_PAIRING_ROWS, PAIRING_COLUMNS, type PairingRowError } from '@menteo/protocol';

/*
 * The pairing CSV: a header row naming `mentor_email` and `mentee_email` (and optionally
 * `mentor_name`, `mentee_name`; case and spaces do not matter, other columns are ignored),
 * then one pair per row. Everything is checked before anything is written, and every
 * problem is reported with its line, so one upload tells the coordinator all there is to fix.
 */

export interface PairingRow {
  line: number;
  mentorEmail: string;
  menteeEmail: string;
  mentorName: string | null;
  menteeName: string | null;
}

export type PairingsParse = { ok: true; rows: PairingRow[] } | { ok: false; errors: PairingRowError[] };

type Column = (typeof PAIRING_COLUMNS)[number];

const Email = z.email().max(254);
const NAME_MAX = 80;
/**
 * Cells that a spreadsheet would run as a formula (OWASP "CSV injection"): refused on the way
 * in rather than stored, because these columns are emails and names, never formulas.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A problem with the file as a whole (line 0) rather than one row. */
const fileError = (message: string): PairingsParse => ({ ok: false, errors: [{ line: 0, column: null, message }] });

const headerKey = (cell: string): string => cell.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Decodes strict UTF-8; a file saved as UTF-16 or Latin-1 is refused with a way out. */
function decode(body: Uint8Array): string | null {
  if (body[0] === 0xff && body[1] === 0xfe) return null;
  if (body[0] === 0xfe && body[1] === 0xff) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    // reason: TextDecoder's only failure is malformed input, which the caller reports per file.
    return null;
  }
}

export function parsePairingsCsv(body: Uint8Array): PairingsParse {
  if (body.byteLength === 0) return fileError('The file is empty. Upload a CSV with a header row and one pair per row.');
  const text = decode(body);
  if (text === null) {
    return fileError('The file is not UTF-8 text. In your spreadsheet choose "CSV UTF-8" when saving, then upload it again.');
  }
  if (text.includes('\u0000')) return fileError('The file is not a CSV text file.');

  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const line = typeof (err as { lines?: unknown }).lines === 'number' ? (err as { lines: number }).lines : 0;
    return { ok: false, errors: [{ line, column: null, message: `The CSV cannot be read here: ${(err as Error).message}` }] };
  }
  const [header, ...data] = records;
  if (!header) return fileError('The file is empty. Upload a CSV with a header row and one pair per row.');
  const index = new Map<string, number>();
  header.record.forEach((cell, i) => {
    const key = headerKey(cell);
    if (!index.has(key)) index.set(key, i);
  });
  const missing = (['mentor_email', 'mentee_email'] as const).filter((c) => !index.has(c));
  if (missing.length > 0) {
    return fileError(`The header row must name the columns ${missing.join(' and ')} (found: ${header.record.join(', ') || 'nothing'}).`);
  }
  if (data.length === 0) return fileError('The file has a header row but no pairs.');
  if (data.length > MAX_PAIRING_ROWS) {
    return fileError(
      `The file has ${data.length.toLocaleString('en')} pairs; at most ${MAX_PAIRING_ROWS.toLocaleString('en')} can be imported at once. Split it into several files.`,
    );
  }

  const errors: PairingRowError[] = [];
  const rows: PairingRow[] = [];
  /** email → the line where it first appeared, for "paired twice". */
  const seen = new Map<string, number>();
  const cell = (record: string[], column: Column): string => {
    const i = index.get(column);
    return i === undefined ? '' : (record[i] ?? '').trim();
  };

  for (const { record, info } of data) {
    const line = info.lines;
    const rowErrors: PairingRowError[] = [];
    const fail = (column: Column | null, message: string) => rowErrors.push({ line, column, message });

    const emails: Partial<Record<'mentor_email' | 'mentee_email', string>> = {};
    for (const column of ['mentor_email', 'mentee_email'] as const) {
      const raw = cell(record, column);
      const who = column === 'mentor_email' ? 'mentor' : 'mentee';
      if (raw === '') fail(column, `The ${who}'s email is missing.`);
      else if (FORMULA_START.test(raw)) fail(column, `The ${who}'s email starts with "${raw[0]}": spreadsheet formulas are not accepted.`);
      else if (!Email.safeParse(raw).success) fail(column, `"${raw.slice(0, 80)}" is not a valid email address.`);
      else emails[column] = raw.toLowerCase();
    }
    const names: Partial<Record<'mentor_name' | 'mentee_name', string>> = {};
    for (const column of ['mentor_name', 'mentee_name'] as const) {
      const raw = cell(record, column);
      if (raw === '') continue;
      if (FORMULA_START.test(raw)) fail(column, `The name starts with "${raw[0]}": spreadsheet formulas are not accepted.`);
      else if (raw.length > NAME_MAX) fail(column, `The name is longer than ${NAME_MAX} characters.`);
      else names[column] = raw;
    }
    const mentor = emails.mentor_email;
    const mentee = emails.mentee_email;
    if (mentor && mentee && mentor === mentee) fail('mentee_email', `${mentor} can't be their own mentee.`);
    else {
      for (const [column, email] of [
        ['mentor_email', mentor],
        ['mentee_email', mentee],
      ] as const) {
        if (!email) continue;
        const first = seen.get(email);
        if (first !== undefined) fail(column, `${email} is already paired on line ${first}; each person can be in one pair of a program.`);
      }
    }
    for (const email of [mentor, mentee]) if (email && !seen.has(email)) seen.set(email, line);

    if (rowErrors.length > 0 || !mentor || !mentee) {
      errors.push(...rowErrors);
      continue;
    }
    rows.push({ line, mentorEmail: mentor, menteeEmail: mentee, mentorName: names.mentor_name ?? null, menteeName: names.mentee_name ?? null });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rows };
}
