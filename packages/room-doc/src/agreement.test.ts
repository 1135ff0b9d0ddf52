import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agreementMap } from './schema.ts';
import { agreementAdditions, existingAgreementAdditions } from './agreement.ts';
import { readAgreement } from './programs.ts';

describe('the agreement additions', () => {
  it('are created on first edit and co-edited by both members', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    expect(existingAgreementAdditions(a)).toBeNull();
    agreementAdditions(a).insert(0, 'We meet every other Tuesday.');
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    agreementAdditions(b).insert(0, 'Cameras on. ');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    expect(readAgreement(a).additions).toBe('Cameras on. We meet every other Tuesday.');
    expect(readAgreement(b).additions).toBe(readAgreement(a).additions);
  });

  it('keep a plain string another client left there', () => {
    const doc = new Y.Doc();
    agreementMap(doc).set('additions', 'typed by a script');
    expect(agreementAdditions(doc).toString()).toBe('typed by a script');
  });
});
