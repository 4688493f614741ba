import { createContext, lazy, Suspense, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Spin } from 'antd';
import { api } from '../api/api-client';
import type { Purpose } from '../api/types';

// the picker loads with the first page that reads personal data, not with the sign-in route (bench:console); it is handed `choose`, so it imports nothing of this module
const PurposePicker = lazy(() => import('./purpose-picker'));

interface PurposeState {
  purpose: Purpose | undefined;
  choose: (purpose: Purpose | undefined) => void;
}

const PurposeContext = createContext<PurposeState | undefined>(undefined);

/** The processing purpose the signed-in person works under; in memory, asked again after sign-in. */
export function PurposeProvider({ children }: { children: ReactNode }) {
  const [purpose, setPurpose] = useState<Purpose | undefined>();
  const choose = useCallback((next: Purpose | undefined) => {
    api.setPurpose(next?.id);
    setPurpose(next);
  }, []);
  useEffect(
    () =>
      api.onTokenChange(() => {
        if (!api.signedIn) choose(undefined);
      }),
    [choose],
  );
  const value = useMemo(() => ({ purpose, choose }), [purpose, choose]);
  return <PurposeContext.Provider value={value}>{children}</PurposeContext.Provider>;
}

export function usePurpose(): PurposeState {
  const context = useContext(PurposeContext);
  if (!context) throw new Error('usePurpose outside PurposeProvider');
  return context;
}

/** Shows the purpose picker until one is chosen, then the page, which reads personal data under it. */
export function RequirePurpose({ children }: { children: ReactNode }) {
  const { purpose, choose } = usePurpose();
  return purpose ? (
    <>{children}</>
  ) : (
    <Suspense fallback={<Spin />}>
      <PurposePicker choose={choose} />
    </Suspense>
  );
}
