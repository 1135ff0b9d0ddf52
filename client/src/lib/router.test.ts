import { describe, expect, it } from 'vitest';
import { matchRoute, requiresAuth, routeHref, safeNext, type Route } from './router.ts';

describe('matchRoute', () => {
  it('maps every page path to its route', () => {
    expect(matchRoute('/')).toEqual({ name: 'home' });
    expect(matchRoute('/login')).toEqual({ name: 'login', next: null });
    expect(matchRoute('/signup')).toEqual({ name: 'signup', next: null });
    expect(matchRoute('/rooms')).toEqual({ name: 'rooms' });
    expect(matchRoute('/rooms/0b6f2c1e-5d0a-4a53-9d57-5c0f0d7f3a11')).toEqual({
      name: 'room',
      roomId: '0b6f2c1e-5d0a-4a53-9d57-5c0f0d7f3a11',
    });
    expect(matchRoute('/invite/abc_DEF-123')).toEqual({ name: 'invite', token: 'abc_DEF-123' });
  });

  it('tolerates a trailing slash', () => {
    expect(matchRoute('/rooms/')).toEqual({ name: 'rooms' });
    expect(matchRoute('/login/')).toEqual({ name: 'login', next: null });
  });

  it('answers not-found for unknown paths and extra segments, keeping the path to show', () => {
    expect(matchRoute('/nope')).toEqual({ name: 'not-found', path: '/nope' });
    expect(matchRoute('/rooms/a/b')).toEqual({ name: 'not-found', path: '/rooms/a/b' });
    expect(matchRoute('/rooms/a/history/nope')).toEqual({ name: 'not-found', path: '/rooms/a/history/nope' });
    expect(matchRoute('/rooms/a/history/compare', '?a=m1')).toEqual({
      name: 'history',
      roomId: 'a',
      view: { kind: 'compare', a: 'm1', b: null },
    });
    expect(matchRoute('/invite')).toEqual({ name: 'not-found', path: '/invite' });
    expect(matchRoute('/login/extra')).toEqual({ name: 'not-found', path: '/login/extra' });
  });

  it('answers not-found for a malformed percent-escape instead of throwing', () => {
    expect(matchRoute('/rooms/%E0%A4%A')).toEqual({ name: 'not-found', path: '/rooms/%E0%A4%A' });
  });

  it('decodes path segments', () => {
    expect(matchRoute('/invite/a%2Fb')).toEqual({ name: 'invite', token: 'a/b' });
  });

  it('reads a safe ?next= on login and signup', () => {
    expect(matchRoute('/login', '?next=%2Frooms%2Fabc')).toEqual({ name: 'login', next: '/rooms/abc' });
    expect(matchRoute('/signup', '?next=/invite/tok')).toEqual({ name: 'signup', next: '/invite/tok' });
  });

  it('drops a ?next= that would leave the site', () => {
    expect(matchRoute('/login', '?next=https://evil.example/')).toEqual({ name: 'login', next: null });
    expect(matchRoute('/login', '?next=//evil.example/')).toEqual({ name: 'login', next: null });
    expect(matchRoute('/login', '?next=/%5Cevil.example')).toEqual({ name: 'login', next: null });
  });
});

describe('routeHref', () => {
  it('is the inverse of matchRoute for every route', () => {
    const routes: Route[] = [
      { name: 'home' },
      { name: 'login', next: null },
      { name: 'login', next: '/invite/x y' },
      { name: 'signup', next: '/rooms/1?tab=notes' },
      { name: 'rooms' },
      { name: 'room', roomId: 'r1' },
      { name: 'history', roomId: 'r1', view: { kind: 'list' } },
      { name: 'history', roomId: 'r1', view: { kind: 'meeting', meetingId: 'm 1' } },
      { name: 'history', roomId: 'r1', view: { kind: 'compare', a: 'm1', b: 'now' } },
      { name: 'history', roomId: 'r1', view: { kind: 'compare', a: null, b: null } },
      { name: 'history', roomId: 'r1', view: { kind: 'timeline', from: '2026-12-05T07:00:00.000Z', to: null } },
      { name: 'invite', token: 'a/b' },
    ];
    for (const r of routes) {
      const url = new URL(routeHref(r), 'http://x.test');
      expect(matchRoute(url.pathname, url.search)).toEqual(r);
    }
  });
});

describe('safeNext and requiresAuth', () => {
  it('accepts only same-site absolute paths', () => {
    expect(safeNext('/rooms')).toBe('/rooms');
    expect(safeNext('rooms')).toBeNull();
    expect(safeNext('javascript:alert(1)')).toBeNull();
    expect(safeNext('')).toBeNull();
    expect(safeNext(null)).toBeNull();
  });

  it('protects the rooms list and rooms, not the auth, invite or 404 pages', () => {
    expect(requiresAuth({ name: 'rooms' })).toBe(true);
    expect(requiresAuth({ name: 'room', roomId: 'x' })).toBe(true);
    expect(requiresAuth({ name: 'history', roomId: 'x', view: { kind: 'list' } })).toBe(true);
    expect(requiresAuth({ name: 'invite', token: 't' })).toBe(false);
    expect(requiresAuth({ name: 'login', next: null })).toBe(false);
    expect(requiresAuth({ name: 'home' })).toBe(false);
    expect(requiresAuth({ name: 'not-found', path: '/x' })).toBe(false);
  });
});
