import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';

/** The policy as a map of directive → its values. */
function csp(headers: Headers): Map<string, string[]> {
  const value = headers.get('content-security-policy') ?? '';
  return new Map(
    value
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name ?? '', values]),
  );
}

describe('security headers', () => {
  let db: TestDb;
  let server: TestServer;
  let clientDir: string;
  beforeAll(async () => {
    clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-client-'));
    fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>t</title>');
    db = await createTestDb('pglite');
    server = await startTestServer({ db: db.handle, config: { clientDir, trustProxy: true } });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
    fs.rmSync(clientDir, { recursive: true, force: true });
  });

  it('serves the app with a strict CSP: own scripts and styles only, sockets to this host only, no framing', async () => {
    const res = await fetch(`${server.url}/rooms`);
    expect(res.status).toBe(200);
    const policy = csp(res.headers);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'self'"]);
    const host = new URL(server.url).host;
    expect(policy.get('connect-src')).toEqual(["'self'", `ws://${host}`]);
    expect([...policy.values()].flat().join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(policy.has('upgrade-insecure-requests')).toBe(false);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('puts the headers on API answers and errors too', async () => {
    const res = await fetch(`${server.url}/api/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('adds HSTS and wss: only when the request came over TLS (a trusted proxy says https)', async () => {
    const res = await fetch(`${server.url}/rooms`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    const policy = csp(res.headers);
    expect(policy.get('connect-src')).toEqual(["'self'", `wss://${new URL(server.url).host}`]);
    expect(policy.has('upgrade-insecure-requests')).toBe(true);
  });

  it('also allows sockets to PUBLIC_URL, for a proxy that rewrites Host', async () => {
    const proxied = await startTestServer({ db: db.handle, config: { clientDir, publicUrl: 'https://rooms.example.com' } });
    try {
      const res = await fetch(`${proxied.url}/rooms`);
      expect(csp(res.headers).get('connect-src')).toEqual(["'self'", `ws://${new URL(proxied.url).host}`, 'wss://rooms.example.com']);
    } finally {
      await proxied.close();
    }
  });

  it('sends no CSP with a PDF (the browser’s viewer plugin must run), the other headers all the same', async () => {
    const res = await fetch(`${server.url}/api/certificates/nope.pdf`);
    expect(res.headers.get('content-security-policy')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('does not echo a strange Host header into the policy', async () => {
    const { request } = await import('node:http');
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      const req = request(`${server.url}/rooms`, { headers: { host: 'evil.example; script-src *' } }, (res) => {
        res.resume();
        resolve(res.headers);
      });
      req.on('error', reject);
      req.end();
    });
    expect(String(headers['content-security-policy'])).toContain("connect-src 'self' 'self'");
    expect(String(headers['content-security-policy'])).not.toContain('evil');
  });
});
