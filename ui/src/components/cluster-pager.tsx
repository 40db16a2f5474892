// Paging for the long lists of the Nodes, Drivers and Events pages: only one page of rows is rendered,
// so a list of thousands stays responsive; filtering is done on the whole list before paging.
import { useState } from 'preact/hooks';

export const PAGE_SIZE = 50;

export interface Paged<T> {
  rows: T[];
  page: number;
  pages: number;
  total: number;
  setPage: (p: number) => void;
}

export function usePaged<T>(items: T[], size = PAGE_SIZE): Paged<T> {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.min(page, pages - 1);
  return { rows: items.slice(p * size, (p + 1) * size), page: p, pages, total: items.length, setPage };
}

/** Previous / next page buttons and where the reader is; nothing when one page holds everything. */
export function Pager<T>({ label, paged, first = 'First', prev = 'Previous', next = 'Next' }: { label: string; paged: Paged<T>; first?: string; prev?: string; next?: string }) {
  const { page, pages, total, setPage } = paged;
  if (pages <= 1) return null;
  return (
    <nav class="cluster-pager" aria-label={`${label}: pages`}>
      <button type="button" disabled={page === 0} onClick={() => setPage(0)}>{first}</button>
      <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>{prev}</button>
      <span aria-live="polite">Page {page + 1} of {pages} ({total})</span>
      <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>{next}</button>
    </nav>
  );
}
