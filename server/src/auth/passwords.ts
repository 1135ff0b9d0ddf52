import { hash, verify, type Algorithm } from '@node-rs/argon2';

/**
 * argon2id with OWASP's second recommended profile (19 MiB, t=2, p=1): roughly 20–60 ms
 * per hash here, affordable per login and costly per guess.
 */
const OPTIONS = {
  // reason: Algorithm is an ambient const enum, which isolatedModules forbids reading; 2 is Argon2id.
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

let dummyHash: Promise<string> | null = null;

/**
 * Verifies a password against a stored hash. With no stored hash (unknown email) it verifies
 * against a dummy hash anyway, so a wrong email and a wrong password take the same time and
 * the answer does not tell an attacker which emails have accounts.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummyHash ??= hashPassword('dummy password for timing equality');
    await verify(await dummyHash, password);
    return false;
  }
  return verify(stored, password);
}
