export type UrlCheck = { ok: true; url: string } | { ok: false; error: string };

/** Shared links are http(s) only; anything else (javascript:, data:, file:) is refused. */
export function validateUrl(input: unknown): UrlCheck {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, error: 'Enter a link.' };
  let parsed: URL;
  try {
    parsed = new URL(input.trim());
  } catch (err) {
    void err; // URL's constructor throws for unparsable input; that is exactly the "invalid" answer.
    return { ok: false, error: 'That is not a valid link (it should start with https://).' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, error: 'Only http:// and https:// links can be shared.' };
  }
  if (parsed.hostname === '') return { ok: false, error: 'That link has no host.' };
  return { ok: true, url: parsed.href };
}
