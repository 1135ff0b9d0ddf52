import { find } from 'linkifyjs';

/** A piece of a chat message: plain text, or a link the panel renders as an <a>. */
export type MessagePart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * Splits a message into text and links (linkifyjs: URLs, bare domains, emails). Nothing of
 * the message is ever HTML: the panel renders every part as text, and a link's href is kept
 * only for http(s) and mailto, so `javascript:` and the like stay plain text.
 */
export function autolink(body: string): MessagePart[] {
  const parts: MessagePart[] = [];
  let at = 0;
  for (const link of find(body)) {
    if (!link.isLink || !isSafe(link.href)) continue;
    if (link.start > at) parts.push({ kind: 'text', text: body.slice(at, link.start) });
    parts.push({ kind: 'link', text: body.slice(link.start, link.end), href: link.href });
    at = link.end;
  }
  if (at < body.length) parts.push({ kind: 'text', text: body.slice(at) });
  return parts;
}

function isSafe(href: string): boolean {
  try {
    return SAFE_SCHEMES.has(new URL(href).protocol);
  } catch {
    return false;
  }
}
