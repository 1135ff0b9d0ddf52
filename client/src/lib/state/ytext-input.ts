import type * as Y from 'yjs';
import type { Attachment } from 'svelte/attachments';
import { applyTextChange, transformIndex, type TextDelta } from '@menteo/room-doc';

/**
 * Binds an <input> or <textarea> to a Y.Text: `{@attach bindYText(ytext)}`.
 *
 * Typing applies only the changed range (room-doc's diffText) so two people typing
 * in the same field merge instead of overwriting each other. A remote change
 * rewrites the value and moves the caret through the change, so the local user
 * keeps typing where they were.
 */
export function bindYText(ytext: Y.Text): Attachment<HTMLInputElement | HTMLTextAreaElement> {
  return (el) => {
    // This binding's own transactions are already in the field; skip them when observing.
    const origin = { binding: 'ytext-input' };
    el.value = ytext.toString();

    const onInput = () => {
      applyTextChange(ytext, el.value, origin);
    };

    const onChange = (event: Y.YTextEvent, tr: Y.Transaction) => {
      if (tr.origin === origin) return;
      const next = ytext.toString();
      if (el.value === next) return;
      const focused = el.ownerDocument.activeElement === el;
      const start = el.selectionStart;
      const end = el.selectionEnd;
      const direction = el.selectionDirection ?? undefined;
      el.value = next;
      if (focused && start !== null && end !== null) {
        const delta = event.delta as TextDelta;
        el.setSelectionRange(transformIndex(start, delta), transformIndex(end, delta), direction);
      }
    };

    el.addEventListener('input', onInput);
    ytext.observe(onChange);
    return () => {
      el.removeEventListener('input', onInput);
      ytext.unobserve(onChange);
    };
  };
}
