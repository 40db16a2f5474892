// A confirmation dialog for an action that destroys something. The native modal <dialog> makes the rest
// of the page inert (focus stays inside it), Escape cancels, focus starts on Cancel (the safe choice) and
// goes back to the control that opened it when the dialog closes.
import { useEffect, useRef } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

/** returnFocus: the control to focus when the dialog closes, if the one that opened it was rendered anew meanwhile. */
export function Confirm({ title, children, confirmLabel, onConfirm, onCancel, returnFocus }: { title: string; children: ComponentChildren; confirmLabel: string; onConfirm: () => void; onCancel: () => void; returnFocus?: () => HTMLElement | null }) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    cancelRef.current?.focus();
    return () => {
      if (d?.open) d.close();
      opener?.focus();
      // The browser's own end of a modal dialog, or a render right after, can leave focus on the page's body:
      // once they are done, it goes back to the opener if nothing else took it meanwhile.
      setTimeout(() => {
        const lost = !document.activeElement || document.activeElement === document.body;
        if (lost) (opener?.isConnected ? opener : returnFocus?.())?.focus();
      }, 0);
    };
  }, []);
  // Escape: the dialog's cancel event; it is closed by unmounting, so the browser's own close is stopped.
  const onCancelEvent = (e: Event) => {
    e.preventDefault();
    onCancel();
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body" onCancel={onCancelEvent}>
      <h2 id="confirm-title">{title}</h2>
      <div id="confirm-body">{children}</div>
      <div class="confirm-buttons">
        <button type="button" ref={cancelRef} onClick={onCancel}>Cancel</button>
        <button type="button" class="danger" onClick={onConfirm}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}
