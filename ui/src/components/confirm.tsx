// A confirmation dialog for an action that destroys something. The native modal <dialog> makes the rest
// of the page inert (focus stays inside it), Escape cancels, focus starts on Cancel (the safe choice) and
// goes back to the control that opened it when the dialog closes.
import { useEffect, useRef } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export function Confirm({ title, children, confirmLabel, onConfirm, onCancel }: { title: string; children: ComponentChildren; confirmLabel: string; onConfirm: () => void; onCancel: () => void }) {
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
