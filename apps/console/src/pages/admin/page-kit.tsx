import { useCallback } from 'react';
import { Alert, App, Typography } from 'antd';
import { describeError } from '../../api/problem-messages';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { MESSAGES, type MessageKey } from '../../i18n/messages';
import '../../i18n/admin-words'; // these pages' words, loaded with them
import type { Department } from './admin-types';

export { useLoad, when } from '../customers/customer-file-tabs';

/** Runs a change: success said briefly, a refusal in plain words (never a code); true when it went through. */
export function useRun(): (action: () => Promise<unknown>, done?: string) => Promise<boolean> {
  const { message } = App.useApp();
  const { lang } = useI18n();
  return useCallback(
    async (action, done) => {
      try {
        await action();
        if (done) void message.success(done);
        return true;
      } catch (caught) {
        void message.error(describeError(caught, lang), 6);
        return false;
      }
    },
    [message, lang],
  );
}

export function LoadError({ error }: { error?: string }) {
  return error ? <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} /> : null;
}

export const listDepartments = () => api.get<{ items: Department[] }>('/v1/departments').then((page) => page.items);

export const departmentName = (departments: Department[] | undefined, id: string | null) => (id ? (departments?.find((d) => d.departmentId === id)?.name ?? id.slice(0, 8)) : '');

/** The words for a value the API may add to later (a new `via`, outcome or reason): its message when there is one, else the value itself. */
export function wordFor(t: (key: MessageKey) => string, key: string, value: string): string {
  return key in MESSAGES.zh ? t(key as MessageKey) : value;
}

/** An identifier (a customer's or an account's id), kept on one line. */
export function Id({ value }: { value: string }) {
  return (
    <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
      {value}
    </Typography.Text>
  );
}
