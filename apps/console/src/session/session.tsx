import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, type TokenGrant } from '../api/api-client';
import { userOfToken, type SignedInUser } from './jwt';

interface Session {
  /** False until the first attempt to resume a session from the refresh cookie has answered. */
  ready: boolean;
  user: SignedInUser | undefined;
  /** The username typed at sign-in (the token names the account by id only); in memory, so not after a reload. */
  username: string | undefined;
  signedIn: (grant: TokenGrant, username?: string) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false);
  const [user, setUser] = useState<SignedInUser | undefined>();
  const [username, setUsername] = useState<string | undefined>();
  const timer = useRef<number | undefined>(undefined);

  const schedule = useCallback((grant: TokenGrant | undefined) => {
    window.clearTimeout(timer.current);
    if (!grant?.expiresIn) return;
    // renew a little before expiry, so a form being filled in never meets an expired token
    timer.current = window.setTimeout(() => void api.refresh().then(schedule), Math.max(5, grant.expiresIn * 0.8) * 1000);
  }, []);

  useEffect(() => {
    const unsubscribe = api.onTokenChange(() => setUser(api.token ? userOfToken(api.token) : undefined));
    // a reload loses the in-memory token: the refresh cookie, if any, gives a new one
    void api.refresh().then((grant) => {
      schedule(grant);
      setReady(true);
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer.current);
    };
  }, [schedule]);

  const signedIn = useCallback(
    (grant: TokenGrant, name?: string) => {
      setUsername(name);
      api.setAccessToken(grant.accessToken);
      schedule(grant);
    },
    [schedule],
  );

  const signOut = useCallback(async () => {
    window.clearTimeout(timer.current);
    try {
      await api.request('/v1/auth/logout', { method: 'POST' });
    } catch {
      // signed out locally whatever the server says
    }
    api.setPurpose(undefined);
    api.setAccessToken(undefined);
    setUsername(undefined);
  }, []);

  const value = useMemo(() => ({ ready, user, username, signedIn, signOut }), [ready, user, username, signedIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const context = useContext(SessionContext);
  if (!context) throw new Error('useSession outside SessionProvider');
  return context;
}
