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
  | { name: 'invite'; token: string }
  | { name: 'programs' }
  | { name: 'program'; programId: string }
  | { name: 'certificate'; certId: string }
  | { name: 'not-found'; path: string };

/** Parses a pathname + search string (as in `location`) into a route. */
export function matchRoute(pathname: string, search = ''): Route {
  // Trailing slashes are tolerated: /rooms/ is /rooms.
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  if (parts.some((p) => p === null)) return { name: 'not-found', path: pathname };
  const seg = parts as string[];
  const next = safeNext(new URLSearchParams(search).get('next'));
  if (seg.length === 0) return { name: 'home' };
  switch (seg[0]) {
    case 'login':
      return seg.length === 1 ? { name: 'login', next } : notFound(pathname);
    case 'signup':
      return seg.length === 1 ? { name: 'signup', next } : notFound(pathname);
    case 'rooms':
      if (seg.length === 1) return { name: 'rooms' };
      if (seg.length === 2 && seg[1]) return { name: 'room', roomId: seg[1] };
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
  return route.name === 'rooms' || route.name === 'room' || route.name === 'programs' || route.name === 'program';
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
