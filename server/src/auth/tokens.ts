import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: session cookies and invite tokens. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Tokens are stored as sha256 only; lookups hash the presented token. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');
