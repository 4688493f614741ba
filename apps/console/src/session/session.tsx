import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, type TokenGrant } from '../api/api-client';
import { userOfToken, type SignedInUser } from './jwt';

/** The signed-in account as GET /v1/auth/me tells it: who to greet, and whether the authenticator is set up. */
export interface Account {
  staffId: string;
  username: string;
  displayName?: string;
  mfa?: 'none' | 'pending' | 'enrolled';
}

interface Session {
  /** False until the first attempt to resume a session from the refresh cookie has answered. */
  ready: boolean;
  user: SignedInUser | undefined;
  /** The account's username (the token names it by id only): from GET /v1/auth/me, or as typed at sign-in until that answers. */
  username: string | undefined;
  account: Account | undefined;
  /** Asks the API again (after the authenticator is set up). */
  reloadAccount: () => void;
  signedIn: (grant: TokenGrant, username?: string) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false);
  const [user, setUser] = useState<SignedInUser | undefined>();
  const [username, setUsername] = useState<string | undefined>();
  const [account, setAccount] = useState<Account | undefined>();
  const [accountAsked, setAccountAsked] = useState(0);
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

  const userId = user?.id;
  useEffect(() => {
    if (!userId) return setAccount(undefined);
    let current = true;
    // a machine token (`ledger auth token`) has no account: it is greeted by its id
    api.get<Account>('/v1/auth/me').then(
      (answer) => current && setAccount(answer),
      () => current && setAccount(undefined),
    );
    return () => {
      current = false;
    };
  }, [userId, accountAsked]);
  const reloadAccount = useCallback(() => setAccountAsked((asked) => asked + 1), []);

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

  const shownName = account?.staffId === userId ? account?.username : username;
  const value = useMemo(
    () => ({ ready, user, username: shownName, account, reloadAccount, signedIn, signOut }),
    [ready, user, shownName, account, reloadAccount, signedIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const context = useContext(SessionContext);
  if (!context) throw new Error('useSession outside SessionProvider');
  return context;
}
