// Long lists: filtered in the browser on the whole list, then paged, so only one page of rows is
// rendered and a list of thousands stays responsive.
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

export interface Filtered<T> extends Paged<T> {
  filter: string;
  setFilter: (f: string) => void;
}

/** The page of `items` whose `text` holds the filter (case-insensitive); a new filter goes back to page 1. */
export function useFilteredPages<T>(items: T[], text: (t: T) => string): Filtered<T> {
  const [filter, setFilterText] = useState('');
  const f = filter.trim().toLowerCase();
  const paged = usePaged(f ? items.filter((i) => text(i).toLowerCase().includes(f)) : items);
  const setFilter = (v: string) => {
    setFilterText(v);
    paged.setPage(0);
  };
  return { ...paged, filter, setFilter };
}

/** A labelled search box bound to a filtered list. */
export function FilterBox<T>({ id, label, list }: { id: string; label: string; list: Filtered<T> }) {
  return (
    <p>
      <label for={id}>{label} </label>
      <input id={id} type="search" value={list.filter} onInput={(e) => list.setFilter((e.target as HTMLInputElement).value)} />
    </p>
  );
}

/** Previous / next page buttons and where the reader is; nothing when one page holds everything. */
export function Pager<T>({ label, paged, first = 'First', prev = 'Previous', next = 'Next' }: { label: string; paged: Paged<T>; first?: string; prev?: string; next?: string }) {
  const { page, pages, total, setPage } = paged;
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={`${label}: pages`}>
      <button type="button" disabled={page === 0} onClick={() => setPage(0)}>{first}</button>
      <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>{prev}</button>
      <span aria-live="polite">Page {page + 1} of {pages} ({total})</span>
      <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>{next}</button>
    </nav>
  );
}
