import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createGoal, readGoals } from '@menteo/room-doc';
import { ApiError } from '../api.ts';
import { createHistoryApi } from './api.ts';
import { describeField, splitBlocks } from './describe.ts';
import { formatDuration, joinNames, pointLabel } from './format.ts';
import { docFromUpdate, PastStates } from './past-states.ts';
import { pointChoices } from './points.ts';
import { groupWhen, rangeChoices, stepPoint } from './timeline.ts';

describe('history wording', () => {
  it('words durations, names and points', () => {
    expect(formatDuration(null)).toBe('running');
    expect(formatDuration(20_000)).toBe('under a minute');
    expect(formatDuration(25 * 60_000)).toBe('25 min');
    expect(formatDuration(65 * 60_000)).toBe('1 h 05 min');
    expect(joinNames([])).toBe('nobody');
    expect(joinNames(['Ana', 'Ben', 'Cy'])).toBe('Ana, Ben and Cy');
    expect(pointLabel('now')).toBe('now');
    expect(pointLabel('m1', [{ id: 'm1', title: 'Kick-off', startedAt: '2026-12-01T10:00:00.000Z' }])).toMatch(/^Kick-off \(/);
  });

  it('describes field changes as a person would say them', () => {
    expect(describeField({ field: 'status', from: 'in_progress', to: 'done' })).toBe('Status: In progress → Done');
    expect(describeField({ field: 'owner', from: 'mentee', to: 'mentor' })).toBe('Owner: Mentee → Mentor');
    expect(describeField({ field: 'due', from: null, to: '2026-12-24' })).toBe('Due: no date → 2026-12-24');
    expect(describeField({ field: 'title', from: 'Ship', to: 'Ship it' })).toBe('Title: “Ship” → “Ship it”');
    expect(describeField({ field: 'done', from: false, to: true })).toBe('Ticked off');
    expect(describeField({ field: 'description', from: 'a', to: 'b' })).toBe('Description changed');
  });

  it('splits a notes diff into paragraphs, keeping each run with its author', () => {
    const blocks = splitBlocks([
      { op: 'same', text: 'Intro\nWe ', authorId: null },
      { op: 'ins', text: 'shipped', authorId: 'ana' },
      { op: 'del', text: 'planned', authorId: 'ben' },
      { op: 'same', text: '.\nEnd', authorId: null },
    ]);
    expect(blocks.map((b) => b.map((s) => `${s.op}:${s.text}`))).toEqual([
      ['same:Intro'],
      ['same:We ', 'ins:shipped', 'del:planned', 'same:.'],
      ['same:End'],
    ]);
    expect(blocks[1]?.[1]?.authorId).toBe('ana');
  });
});

describe('points and ranges', () => {
  const now = Date.parse('2026-12-05T08:00:30.000Z');
  const meetings = [
    { id: 'm2', title: 'Meeting 2', startedAt: '2026-12-04T10:00:00.000Z', endedAt: '2026-12-04T11:00:00.000Z' },
    { id: 'm1', title: 'Kick-off', startedAt: '2026-11-27T10:00:00.000Z', endedAt: null },
  ];

  it('offers now, each meeting, whole-minute presets, and an unknown selected point', () => {
    const choices = pointChoices(meetings, ['2026-10-01T00:00:00.000Z', 'now'], now);
    expect(choices.map((c) => c.value)).toEqual([
      'now',
      'm2',
      'm1',
      '2026-12-04T08:00:00.000Z',
      '2026-11-28T08:00:00.000Z',
      '2026-11-05T08:00:00.000Z',
      '2026-10-01T00:00:00.000Z',
    ]);
  });

  it('maps slider positions to the range start and the end of each group (its last millisecond included)', () => {
    const groups = [{ lastAt: '2026-12-05T07:21:10.123Z' }, { lastAt: '2026-12-05T07:22:00.000Z' }];
    const from = { from: '2026-11-28T07:21:00.000Z' };
    expect(stepPoint(from, groups, 0)).toBe(from.from);
    expect(stepPoint(from, groups, 1)).toBe('2026-12-05T07:21:10.124Z');
    expect(stepPoint(from, groups, 2)).toBe('2026-12-05T07:22:00.001Z');
    expect(stepPoint(from, groups, 9)).toBe('2026-12-05T07:22:00.001Z');
  });

  it('offers meeting ranges and keeps a range from a link', () => {
    const choices = rangeChoices(meetings, '2026-12-01T00:00:00.000Z', null, now);
    expect(choices.find((c) => c.value === 'm:m2')).toMatchObject({ from: meetings[0]!.startedAt, to: meetings[0]!.endedAt });
    expect(choices.at(-1)).toMatchObject({ value: 'custom', from: '2026-12-01T00:00:00.000Z', to: null });
    expect(rangeChoices(meetings, null, null, now).some((c) => c.value === 'custom')).toBe(false);
  });

  it('prints the date beside the first group of each day', () => {
    const groups = [{ minute: '2026-12-04T10:00:00.000Z' }, { minute: '2026-12-04T10:05:00.000Z' }, { minute: '2026-12-05T10:00:00.000Z' }];
    expect(groups.map((_, i) => groupWhen(groups, i, 'UTC').withDate)).toEqual([true, false, true]);
  });
});

describe('PastStates', () => {
  function stateWith(title: string): Uint8Array {
    const doc = new Y.Doc();
    createGoal(doc, { title, status: 'in_progress', owner: 'mentee', createdBy: 'u' });
    return Y.encodeStateAsUpdate(doc);
  }

  it('fetches each point once, retries after a failure, and drops the least recently used', async () => {
    const calls: string[] = [];
    let fail = true;
    const states = new PastStates(async (point) => {
      calls.push(point);
      if (point === 'bad' && fail) throw new Error('down');
      return { update: stateWith(point), at: null };
    }, 2);
    await states.get('a');
    await states.get('a');
    await expect(states.get('bad')).rejects.toThrow('down');
    fail = false;
    expect(readGoals((await states.get('bad')).doc)[0]?.title).toBe('bad');
    await states.get('a'); // a is now the most recent; c pushes out bad
    states.prefetch(['c']);
    await states.get('c');
    expect(states.has('a')).toBe(true);
    expect(states.has('bad')).toBe(false);
    expect(calls).toEqual(['a', 'bad', 'bad', 'c']);
  });
});

describe('history API client', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.startsWith('/api/rooms/r1/state')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-history-at': '2026-12-05T07:00:00.000Z' });
        res.end(Buffer.from(Y.encodeStateAsUpdate(new Y.Doc())));
        return;
      }
      if (req.url?.startsWith('/api/rooms/r1/compare')) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'from_after_to', message: 'from is after to' } }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'No such room.' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads a state as bytes with its resolved time, and errors as ApiErrors with the server code', async () => {
    const api = createHistoryApi(fetch, base);
    const state = await api.state('r1', '2026-12-05T07:00:00.000Z');
    expect(state.at).toBe('2026-12-05T07:00:00.000Z');
    expect(docFromUpdate(state.update)).toBeInstanceOf(Y.Doc);
    expect(seen.at(-1)).toBe('GET /api/rooms/r1/state?at=2026-12-05T07%3A00%3A00.000Z');
    const err = await api.compare('r1', 'b', 'a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'from_after_to' });
    await expect(api.meetings('other')).rejects.toMatchObject({ status: 404 });
    expect(api.exportUrl('r 1', 'pdf')).toBe(`${base}/api/rooms/r%201/export.pdf`);
  });
});
