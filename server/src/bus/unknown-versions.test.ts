import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry, type Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createUnknownVersions } from './unknown-versions.ts';

describe('unknown envelope versions', () => {
  it('counts every message but logs only the first from each node, version and channel', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const metrics = new Registry();
    const unknown = createUnknownVersions({ metrics, logger: pino({ level: 'warn' }, sink) });
    for (let i = 0; i < 5; i++) unknown.report('fanout', { origin: 'n9', version: 17, type: 3 });
    unknown.report('fanout', { origin: 'n9', version: 18, type: 3 });
    unknown.report('nodes', { origin: 'n9', version: 17, type: 1 });
    const values = (await (metrics.getSingleMetric('menteo_bus_unknown_version_total') as Counter).get()).values;
    expect(values.find((v) => v.labels.channel === 'fanout')?.value).toBe(6);
    expect(values.find((v) => v.labels.channel === 'nodes')?.value).toBe(1);
    expect(lines).toHaveLength(3);
  });
});
