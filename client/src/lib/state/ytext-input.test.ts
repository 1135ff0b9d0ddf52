// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { bindYText } from './ytext-input.ts';

/** Two members' docs relayed in memory; `hold` queues updates to simulate both typing at once. */
function pair() {
  const docs = [new Y.Doc(), new Y.Doc()] as const;
  const queue: Array<() => void> = [];
  let hold = false;
  docs.forEach((from, i) => {
    const to = docs[1 - i]!;
    from.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === 'relay') return;
      const deliver = () => Y.applyUpdate(to, u, 'relay');
      if (hold) queue.push(deliver);
      else deliver();
    });
  });
  return {
    docs,
    hold: () => (hold = true),
    flush: () => {
      hold = false;
      queue.splice(0).forEach((f) => f());
    },
  };
}

function field(ytext: Y.Text, tag: 'input' | 'textarea' = 'input') {
  const el = document.createElement(tag);
  document.body.append(el);
  const detach = bindYText(ytext)(el);
  return { el, detach: () => (typeof detach === 'function' ? detach() : undefined) };
}

function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event('input'));
}

/** An input method composing text: each step is what the field shows with the caret after it. */
function composer(el: HTMLInputElement | HTMLTextAreaElement) {
  return {
    start: () => el.dispatchEvent(new CompositionEvent('compositionstart', { data: '' })),
    update: (value: string, caret: number) => {
      el.value = value;
      el.setSelectionRange(caret, caret);
      el.dispatchEvent(new CompositionEvent('compositionupdate', { data: value }));
      el.dispatchEvent(new InputEvent('input', { isComposing: true, inputType: 'insertCompositionText' }));
    },
    end: (data: string) => el.dispatchEvent(new CompositionEvent('compositionend', { data })),
  };
}

const caret = (el: HTMLInputElement | HTMLTextAreaElement) => [el.selectionStart, el.selectionEnd];

afterEach(() => {
  document.body.innerHTML = '';
});

describe('bindYText', () => {
  it('shows the current text and writes typing into the Y.Text', () => {
    const doc = new Y.Doc();
    const t = doc.getText('t');
    t.insert(0, 'hello');
    const { el } = field(t);
    expect(el.value).toBe('hello');
    type(el, 'hello world');
    expect(t.toString()).toBe('hello world');
  });

  it('merges two members typing in the same field at the same time', () => {
    const { docs, hold, flush } = pair();
    docs[0].getText('t').insert(0, 'Learn Go');
    const a = field(docs[0].getText('t'), 'textarea');
    const b = field(docs[1].getText('t'), 'textarea');
    hold();
    type(a.el, 'Learn Go well');
    type(b.el, 'Really Learn Go');
    flush();
    expect(a.el.value).toBe('Really Learn Go well');
    expect(b.el.value).toBe('Really Learn Go well');
  });

  it('keeps a selection in place when the other member edits before it', () => {
    const { docs } = pair();
    docs[0].getText('t').insert(0, 'one two three');
    const b = field(docs[1].getText('t'));
    b.el.focus();
    b.el.setSelectionRange(4, 7); // "two"
    docs[0].getText('t').insert(0, 'zero ');
    expect(b.el.value).toBe('zero one two three');
    expect(b.el.value.slice(b.el.selectionStart!, b.el.selectionEnd!)).toBe('two');
  });

  it('stops following the Y.Text once detached', () => {
    const doc = new Y.Doc();
    const t = doc.getText('t');
    const { el, detach } = field(t);
    detach();
    t.insert(0, 'later');
    type(el, 'typed');
    expect(el.value).toBe('typed');
    expect(t.toString()).toBe('later');
  });

  it("leaves an input method's composition alone when the other member's edit arrives, then shows both", () => {
    const { docs } = pair();
    docs[0].getText('t').insert(0, 'Learn Go');
    const b = field(docs[1].getText('t'));
    b.el.focus();
    b.el.setSelectionRange(8, 8);
    const ime = composer(b.el);
    ime.start();
    ime.update('Learn Go べ', 10);
    docs[0].getText('t').insert(0, 'Really ');
    // Rewriting the value now would cancel or garble the candidate the user is choosing.
    expect(b.el.value).toBe('Learn Go べ');
    expect(caret(b.el)).toEqual([10, 10]);
    ime.update('Learn Go 勉強', 11);
    // The other member sees the committed text, not the intermediate kana.
    expect(docs[0].getText('t').toString()).toBe('Really Learn Go');
    ime.end('勉強');
    expect(b.el.value).toBe('Really Learn Go 勉強');
    expect(docs[0].getText('t').toString()).toBe('Really Learn Go 勉強');
    expect(caret(b.el)).toEqual([18, 18]);
  });

  it('keeps the caret after the composed word when the other member edits on both sides of it', () => {
    const { docs } = pair();
    docs[0].getText('t').insert(0, 'Learn Go');
    const b = field(docs[1].getText('t'), 'textarea');
    b.el.focus();
    b.el.setSelectionRange(6, 6);
    const ime = composer(b.el);
    ime.start();
    ime.update('Learn すごくGo', 9);
    docs[0].getText('t').insert(8, ' well');
    docs[0].getText('t').delete(0, 1);
    docs[0].getText('t').insert(0, 'l');
    expect(b.el.value).toBe('Learn すごくGo');
    ime.end('すごく');
    expect(b.el.value).toBe('learn すごくGo well');
    expect(docs[0].getText('t').toString()).toBe('learn すごくGo well');
    expect(caret(b.el)).toEqual([9, 9]);
  });

  it('shows the remote edit and writes nothing when a composition is cancelled', () => {
    const { docs } = pair();
    docs[0].getText('t').insert(0, 'abc');
    const b = field(docs[1].getText('t'));
    b.el.focus();
    b.el.setSelectionRange(3, 3);
    const ime = composer(b.el);
    ime.start();
    ime.update('abcか', 4);
    docs[0].getText('t').insert(3, 'd');
    ime.update('abc', 3);
    ime.end('');
    expect(b.el.value).toBe('abcd');
    expect(docs[0].getText('t').toString()).toBe('abcd');
    expect(caret(b.el)).toEqual([3, 3]);
  });

  it('keeps text composed when the field is detached mid-composition', () => {
    const doc = new Y.Doc();
    const t = doc.getText('t');
    t.insert(0, 'Go');
    const { el, detach } = field(t);
    const ime = composer(el);
    ime.start();
    ime.update('Go 頑張', 4);
    detach();
    expect(t.toString()).toBe('Go 頑張');
  });
});
