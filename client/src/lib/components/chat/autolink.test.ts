import { describe, expect, it } from 'vitest';
import { autolink } from './autolink.ts';

describe('autolink', () => {
  it('turns URLs, bare domains and emails into links and keeps the text around them', () => {
    expect(autolink('see https://a.com/x?y=1, example.org or mail me@b.co')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://a.com/x?y=1', href: 'https://a.com/x?y=1' },
      { kind: 'text', text: ', ' },
      { kind: 'link', text: 'example.org', href: 'http://example.org' },
      { kind: 'text', text: ' or mail ' },
      { kind: 'link', text: 'me@b.co', href: 'mailto:me@b.co' },
    ]);
  });

  it('leaves HTML and script-like URLs as plain text', () => {
    const body = '<img src=x onerror=alert(1)> javascript:alert(1)';
    expect(autolink(body)).toEqual([{ kind: 'text', text: body }]);
  });

  it('keeps a message without links whole', () => {
    expect(autolink('just words')).toEqual([{ kind: 'text', text: 'just words' }]);
    expect(autolink('')).toEqual([]);
  });
});
