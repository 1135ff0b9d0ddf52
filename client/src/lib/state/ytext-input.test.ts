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
});
