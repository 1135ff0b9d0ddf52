import type * as Y from 'yjs';
import type { Attachment } from 'svelte/attachments';
import { applyTextChange, clipText, diffText, transformIndex, type TextDelta } from '@menteo/room-doc';

/**
 * Binds an <input> or <textarea> to a Y.Text: `{@attach bindYText(ytext)}`.
 *
 * Typing applies only the changed range (room-doc's diffText) so two people typing
 * in the same field merge instead of overwriting each other. A remote change
 * rewrites the value and moves the caret through the change, so the local user
 * keeps typing where they were.
 *
 * Except while an input method composes (Japanese, Chinese, Korean, dictation):
 * rewriting the value mid-composition makes the browser cancel or garble the
 * candidate being chosen. Between compositionstart and compositionend the field is
 * left alone in both directions; remote changes are only collected. At
 * compositionend the composed change is applied to the Y.Text at its place in the
 * merged text, and the merged text is shown with the caret carried through.
 */
export function bindYText(ytext: Y.Text): Attachment<HTMLInputElement | HTMLTextAreaElement> {
  return (el) => {
    // This binding's own transactions are already in the field; skip them when observing.
    const origin = { binding: 'ytext-input' };
    el.value = ytext.toString();
    /** While composing: the field's value at compositionstart and the remote deltas since. */
    let composing: { base: string; deltas: TextDelta[] } | null = null;

    // The field's maxlength is the doc schema's limit: more (a script setting the value) is refused.
    const limited = (value: string) => (el.maxLength > 0 ? clipText(value, el.maxLength) : value);
    const onInput = () => {
      if (composing) return;
      applyTextChange(ytext, limited(el.value), origin);
    };

    const onCompositionStart = () => {
      // The field and the Y.Text agree here (flushing anything not yet written), so
      // the collected deltas apply to `base`.
      applyTextChange(ytext, limited(el.value), origin);
      composing = { base: el.value, deltas: [] };
    };

    /** Writes the composed change into the Y.Text; with `render`, shows the merged text. */
    const endComposition = (render: boolean) => {
      if (!composing) return;
      const { base, deltas } = composing;
      composing = null;
      const change = diffText(base, el.value);
      const through = (i: number) => deltas.reduce((at, d) => transformIndex(at, d), i);
      const start = Math.min(through(change.index), ytext.length);
      // A remote delete may have taken part of the replaced range already.
      const end = Math.min(Math.max(start, through(change.index + change.remove)), ytext.length);
      if (end > start || change.insert !== '') {
        const write = () => {
          if (end > start) ytext.delete(start, end - start);
          if (change.insert !== '') ytext.insert(start, change.insert);
        };
        if (ytext.doc) ytext.doc.transact(write, origin);
        else write();
      }
      const merged = ytext.toString();
      // Nothing arrived meanwhile: leave the field, and the browser's caret, untouched.
      if (!render || el.value === merged) return;
      // A caret in the field's coordinates (base with the composed change) → merged coordinates.
      const insertEnd = change.index + change.insert.length;
      const place = (c: number) => {
        if (c <= change.index) return through(c);
        if (c <= insertEnd) return start + (c - change.index);
        return through(c - change.insert.length + change.remove) - (end - start) + change.insert.length;
      };
      const focused = el.ownerDocument.activeElement === el;
      const selStart = el.selectionStart;
      const selEnd = el.selectionEnd;
      const direction = el.selectionDirection ?? undefined;
      el.value = merged;
      if (focused && selStart !== null && selEnd !== null) {
        el.setSelectionRange(place(selStart), place(selEnd), direction);
      }
    };

    const onCompositionEnd = () => endComposition(true);

    const onChange = (event: Y.YTextEvent, tr: Y.Transaction) => {
      if (tr.origin === origin) return;
      if (composing) {
        composing.deltas.push(event.delta as TextDelta);
        return;
      }
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
    el.addEventListener('compositionstart', onCompositionStart);
    el.addEventListener('compositionend', onCompositionEnd);
    ytext.observe(onChange);
    return () => {
      // Closing the field mid-composition keeps what was composed so far.
      endComposition(false);
      el.removeEventListener('input', onInput);
      el.removeEventListener('compositionstart', onCompositionStart);
      el.removeEventListener('compositionend', onCompositionEnd);
      ytext.unobserve(onChange);
    };
  };
}
