import { describe, expect, it } from 'vitest';
import { MAX_PAIRING_ROWS } from '@menteo/protocol';
import { parsePairingsCsv } from './csv-pairings.ts';

const csv = (text: string) => new TextEncoder().encode(text);
const errorsOf = (text: string | Uint8Array) => {
  const result = parsePairingsCsv(typeof text === 'string' ? csv(text) : text);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
};

describe('parsePairingsCsv', () => {
  it('reads pairs with names, any header case, a BOM and quoted cells', () => {
    const result = parsePairingsCsv(
      csv('\uFEFFMentor Email,Mentee_Email,mentor_name,mentee_name\r\nAda@Example.com,bob@example.com,"Ada, L.",Bob\r\n\r\ncy@example.com,di@example.com,,\r\n'),
    );
    expect(result).toEqual({
      ok: true,
      rows: [
        { line: 2, mentorEmail: 'ada@example.com', menteeEmail: 'bob@example.com', mentorName: 'Ada, L.', menteeName: 'Bob' },
        { line: 4, mentorEmail: 'cy@example.com', menteeEmail: 'di@example.com', mentorName: null, menteeName: null },
      ],
    });
  });

  it('lists every bad row with its line and column', () => {
    const errors = errorsOf(
      [
        'mentor_email,mentee_email,mentor_name,mentee_name',
        'not-an-email,ok1@example.com,,',
        'same@example.com,same@example.com,,',
        'a@example.com,b@example.com,,',
        'c@example.com,a@example.com,,',
        '=cmd|\' /C calc\'!A0,d@example.com,,',
        'e@example.com,f@example.com,=HYPERLINK("http://x"),',
        'g@example.com,,,',
      ].join('\n'),
    );
    expect(errors).toEqual([
      { line: 2, column: 'mentor_email', message: '"not-an-email" is not a valid email address.' },
      { line: 3, column: 'mentee_email', message: "same@example.com can't be their own mentee." },
      { line: 5, column: 'mentee_email', message: 'a@example.com is already paired on line 4; each person can be in one pair of a program.' },
      { line: 6, column: 'mentor_email', message: 'The mentor\'s email starts with "=": spreadsheet formulas are not accepted.' },
      { line: 7, column: 'mentor_name', message: 'The name starts with "=": spreadsheet formulas are not accepted.' },
      { line: 8, column: 'mentee_email', message: "The mentee's email is missing." },
    ]);
  });

  it('reports a duplicate row as a person paired twice', () => {
    const errors = errorsOf('mentor_email,mentee_email\na@x.io,b@x.io\nA@x.io,b@x.io\n');
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [3, 'mentor_email'],
      [3, 'mentee_email'],
    ]);
  });

  it('refuses more rows than the cap as a whole, with a clear message', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `m${i}@x.io,e${i}@x.io`);
    const errors = errorsOf(['mentor_email,mentee_email', ...rows].join('\n'));
    expect(errors).toEqual([
      { line: 0, column: null, message: `The file has 10,000 pairs; at most ${MAX_PAIRING_ROWS.toLocaleString('en')} can be imported at once. Split it into several files.` },
    ]);
  });

  it('refuses a file that is not UTF-8 (Latin-1, UTF-16)', () => {
    const latin1 = new Uint8Array([...csv('mentor_email,mentee_email,mentor_name\na@x.io,b@x.io,Ren'), 0xe9, 0x0a]);
    expect(errorsOf(latin1)[0]?.message).toMatch(/not UTF-8/);
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('mentor_email,mentee_email\n', 'utf16le')]);
    expect(errorsOf(utf16)[0]?.message).toMatch(/not UTF-8/);
  });

  it('refuses an empty file, a header without pairs, missing columns and broken quoting', () => {
    expect(errorsOf('')[0]?.message).toMatch(/empty/);
    expect(errorsOf('mentor_email,mentee_email\n')[0]?.message).toMatch(/no pairs/);
    expect(errorsOf('email,other\na@x.io,b@x.io\n')[0]?.message).toMatch(/mentor_email and mentee_email/);
    expect(errorsOf('mentor_email,mentee_email\n"a@x.io,b@x.io\n')[0]?.message).toMatch(/cannot be read/);
  });
});
