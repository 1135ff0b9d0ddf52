import { runMeetingEnd } from './meeting-end.ts';
import os from 'node:os';
const r = await runMeetingEnd({ docBytes: 1_000_000, meetings: 20 }, () => undefined);
const f = (x: { p50: number; p10: number; p90: number; max: number }) => `${x.p50.toFixed(1)} (p10–p90 ${x.p10.toFixed(1)}–${x.p90.toFixed(1)}, max ${x.max.toFixed(1)})`;
console.log(JSON.stringify({ tag: process.env.TAG, load: os.loadavg()[0]!.toFixed(2), wall: f(r.endMs), cpu: f(r.endCpuMs), derive: r.deriveMs.p50.toFixed(1), bytes: r.snapshotBytes.p50 }));
