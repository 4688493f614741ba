import { useEffect, useState } from 'react';
import { api } from '../api/api-client';
import type { MyCategories } from '../api/types';
import { useSession } from './session';

// one question per signed-in person and page load: the matrix changes rarely, and the API decides every request anyway
const asked = new Map<string, Promise<MyCategories>>();

/**
 * The categories the person's roles may read and write, as the API's matrix says now (an admin can
 * change it): which record tabs and forms the customer file offers. Undefined while it is asked.
 */
export function useMyCategories(): MyCategories | undefined {
  const { user } = useSession();
  const [mine, setMine] = useState<MyCategories | undefined>();
  const key = user ? `${user.id}:${user.roles.join(',')}` : undefined;
  useEffect(() => {
    if (!key) return setMine(undefined);
    let current = true;
    let answer = asked.get(key);
    if (!answer) {
      answer = api.get<MyCategories>('/v1/access-matrix/mine');
      asked.set(key, answer);
      answer.catch(() => asked.delete(key));
    }
    answer.then(
      (categories) => current && setMine(categories),
      () => current && setMine({ roles: [], read: [], write: [] }),
    );
    return () => {
      current = false;
    };
  }, [key]);
  return mine;
}
