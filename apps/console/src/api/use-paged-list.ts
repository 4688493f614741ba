import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { describeError } from './problem-messages';

/** A page of a keyset-paged list, as every list route answers it. */
export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PagedList<T> {
  /** Undefined while the first page loads (and after an error on it). */
  items: T[] | undefined;
  /** The cursor of the next page; null at the end. */
  next: string | null;
  error: string | undefined;
  setError: (error: string | undefined) => void;
  /** Appends the next page. */
  more: () => void;
}

/**
 * A keyset-paged list: the first page whenever `fetchPage` changes (its filters) or `reload` does,
 * an answer that arrives after the filters changed ignored, `more` appending the next page.
 * `enabled: false` fetches nothing (a view that cannot be asked yet); `onFirstPage` sees the first
 * page of each load (for what a page says besides its items).
 */
export function usePagedList<P extends PageOf<unknown>>(
  fetchPage: (cursor?: string) => Promise<P>,
  options: { enabled?: boolean; reload?: unknown; onFirstPage?: (page: P) => void } = {},
): PagedList<P['items'][number]> {
  type T = P['items'][number];
  const { lang } = useI18n();
  const [items, setItems] = useState<T[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const onFirstPage = useRef(options.onFirstPage);
  onFirstPage.current = options.onFirstPage;
  const enabled = options.enabled ?? true;

  useEffect(() => {
    if (!enabled) return;
    let current = true;
    setItems(undefined);
    fetchPage().then(
      (page) => {
        if (!current) return;
        setItems(page.items);
        setNext(page.nextCursor);
        setError(undefined);
        onFirstPage.current?.(page);
      },
      (caught: unknown) => current && setError(describeError(caught, lang)),
    );
    return () => {
      current = false;
    };
  }, [fetchPage, enabled, lang, options.reload]);

  const more = useCallback(() => {
    if (!next) return;
    fetchPage(next).then(
      (page) => {
        setItems((shown) => [...(shown ?? []), ...page.items]);
        setNext(page.nextCursor);
      },
      (caught: unknown) => setError(describeError(caught, lang)),
    );
  }, [fetchPage, next, lang]);

  return { items, next, error, setError, more };
}
