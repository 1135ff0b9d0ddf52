/**
 * The client's routes as a union, and the pure functions that map a URL to a route and
 * back. The runes-side (history, popstate) lives in router.svelte.ts; keeping this part
 * free of the DOM makes it testable in node.
 */
export type Route =
  | { name: 'home' }
  | { name: 'login'; next: string | null }
  | { name: 'signup'; next: string | null }
  | { name: 'rooms' }
  | { name: 'room'; roomId: string }
  | { name: 'history'; roomId: string; view: HistoryView }
  | { name: 'invite'; token: string }
  | { name: 'programs' }
  | { name: 'program'; programId: string }
  | { name: 'certificate'; certId: string }
  | { name: 'not-found'; path: string };

/** The pages of a room's history (/rooms/:id/history/...); points are `now`, ISO times or meeting ids. */
export type HistoryView =
  | { kind: 'list' }
  | { kind: 'meeting'; meetingId: string }
  | { kind: 'compare'; a: string | null; b: string | null }
  | { kind: 'timeline'; from: string | null; to: string | null };

/** Parses a pathname + search string (as in `location`) into a route. */
export function matchRoute(pathname: string, search = ''): Route {
  // Trailing slashes are tolerated: /rooms/ is /rooms.
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  if (parts.some((p) => p === null)) return { name: 'not-found', path: pathname };
  const seg = parts as string[];
  const params = new URLSearchParams(search);
  const next = safeNext(params.get('next'));
  if (seg.length === 0) return { name: 'home' };
  switch (seg[0]) {
    case 'login':
      return seg.length === 1 ? { name: 'login', next } : notFound(pathname);
    case 'signup':
      return seg.length === 1 ? { name: 'signup', next } : notFound(pathname);
    case 'rooms':
      if (seg.length === 1) return { name: 'rooms' };
      if (seg.length === 2 && seg[1]) return { name: 'room', roomId: seg[1] };
      if (seg.length >= 3 && seg[1] && seg[2] === 'history') {
        const view = historyView(seg.slice(3), params);
        return view ? { name: 'history', roomId: seg[1], view } : notFound(pathname);
      }
      return notFound(pathname);
    case 'invite':
      return seg.length === 2 && seg[1] ? { name: 'invite', token: seg[1] } : notFound(pathname);
    case 'programs':
      if (seg.length === 1) return { name: 'programs' };
      if (seg.length === 2 && seg[1]) return { name: 'program', programId: seg[1] };
      return notFound(pathname);
    case 'certificates':
      return seg.length === 2 && seg[1] ? { name: 'certificate', certId: seg[1] } : notFound(pathname);
    default:
      return notFound(pathname);
  }
}

/** The URL (path + query) of a route; the inverse of matchRoute. */
export function routeHref(route: Route): string {
  switch (route.name) {
    case 'home':
      return '/';
    case 'login':
    case 'signup':
      return route.next ? `/${route.name}?next=${encodeURIComponent(route.next)}` : `/${route.name}`;
    case 'rooms':
      return '/rooms';
    case 'room':
      return `/rooms/${encodeURIComponent(route.roomId)}`;
    case 'history':
      return historyHref(route.roomId, route.view);
    case 'invite':
      return `/invite/${encodeURIComponent(route.token)}`;
    case 'programs':
      return '/programs';
    case 'program':
      return `/programs/${encodeURIComponent(route.programId)}`;
    case 'certificate':
      return `/certificates/${encodeURIComponent(route.certId)}`;
    case 'not-found':
      return route.path;
    default: {
      const never: never = route;
      throw new Error(`unknown route ${JSON.stringify(never)}`);
    }
  }
}

/**
 * A `next` redirect target is only honoured when it is a path on this site: "/x" but not
 * "//evil.example" or "https://evil.example" (an open redirect after login would let a
 * phishing link bounce through us).
 */
export function safeNext(next: string | null | undefined): string | null {
  if (!next) return null;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  return next;
}

/** Whether a route needs a signed-in user (signed-out visitors go to /login?next=…). */
export function requiresAuth(route: Route): boolean {
  // A certificate's page is public: anyone with its link can check it.
  return route.name === 'rooms' || route.name === 'room' || route.name === 'history' || route.name === 'programs' || route.name === 'program';
}

function historyView(rest: string[], params: URLSearchParams): HistoryView | null {
  if (rest.length === 0) return { kind: 'list' };
  if (rest.length === 2 && rest[0] === 'meetings' && rest[1]) return { kind: 'meeting', meetingId: rest[1] };
  if (rest.length === 1 && rest[0] === 'compare') return { kind: 'compare', a: params.get('a'), b: params.get('b') };
  if (rest.length === 1 && rest[0] === 'timeline') return { kind: 'timeline', from: params.get('from'), to: params.get('to') };
  return null;
}

export function historyHref(roomId: string, view: HistoryView): string {
  const base = `/rooms/${encodeURIComponent(roomId)}/history`;
  const q = (pairs: Record<string, string | null>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(pairs)) if (v) p.set(k, v);
    const s = p.toString();
    return s ? `?${s}` : '';
  };
  switch (view.kind) {
    case 'list':
      return base;
    case 'meeting':
      return `${base}/meetings/${encodeURIComponent(view.meetingId)}`;
    case 'compare':
      return `${base}/compare${q({ a: view.a, b: view.b })}`;
    case 'timeline':
      return `${base}/timeline${q({ from: view.from, to: view.to })}`;
    default: {
      const never: never = view;
      throw new Error(`unknown history view ${JSON.stringify(never)}`);
    }
  }
}

function notFound(path: string): Route {
  return { name: 'not-found', path };
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed percent-escape cannot name any of our routes; the caller shows 404.
    return null;
  }
}
