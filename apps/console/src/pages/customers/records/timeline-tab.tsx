import { useCallback, useState } from 'react';
import { Alert, Button, Checkbox, Empty, Space, Spin, Tag, Timeline, Typography } from 'antd';
import { api } from '../../../api/api-client';
import { usePagedList } from '../../../api/use-paged-list';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { channelKey } from './follow-up-parts';
import { complaintKey } from './complaint-parts';
import { yuan } from './orders-tab';
import { scoreTexts } from './surveys-tab';
import type { RecordTabProps } from './record-tab';

const KINDS = ['service', 'checkup', 'follow_up', 'order', 'complaint', 'survey'] as const;
type Kind = (typeof KINDS)[number];
/** Where an entry of each kind opens in the file (the tab that shows it). */
const TAB_OF: Partial<Record<Kind, string>> = { checkup: 'checkups', follow_up: 'follow-ups', order: 'orders', complaint: 'complaints', service: 'services', survey: 'surveys' };
const COLOURS: Record<Kind, string> = { service: 'blue', checkup: 'purple', follow_up: 'cyan', order: 'gold', complaint: 'red', survey: 'green' };

interface Entry {
  kind: Kind;
  date: string;
  id: string;
  summary: Record<string, unknown>;
}

interface TimelinePage {
  kinds: Kind[];
  items: Entry[];
  nextCursor: string | null;
}

/**
 * Everything that happened with the customer, newest first, paged (GET …/timeline): services,
 * check-ups, follow-ups, orders, complaints and surveys, those the person's roles and the purpose
 * may read (the API leaves the others out and says which it included); each entry opens its tab.
 */
export function TimelineTab({ subjectId, breakGlass, onOpen }: RecordTabProps & { onOpen: (tab: string, itemId: string) => void }) {
  const { t } = useI18n();
  const [kinds, setKinds] = useState<Kind[]>([...KINDS]);
  const [shownKinds, setShownKinds] = useState<Kind[] | undefined>();
  const fetchPage = useCallback(
    (cursor?: string) => api.get<TimelinePage>(`/v1/subjects/${subjectId}/timeline`, { personalData: true, breakGlass, query: { kinds: kinds.join(','), cursor, limit: 20 } }),
    [subjectId, breakGlass, kinds],
  );
  const { items, next, error, more } = usePagedList(fetchPage, { enabled: kinds.length > 0, onFirstPage: (page) => setShownKinds((known) => known ?? page.kinds) });

  const describe = (entry: Entry): string => {
    const s = entry.summary;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    switch (entry.kind) {
      case 'service':
        return [t(`services.type.${text(s.serviceType)}` as MessageKey), text(s.content)].filter(Boolean).join(' · ');
      case 'checkup':
        return s.erased
          ? ''
          : [text(s.institution), text(s.package), t('timeline.results', { results: Number(s.results), abnormal: Number(s.abnormal) })].filter(Boolean).join(' · ');
      case 'follow_up':
        return [t(`followUps.status.${text(s.status)}` as MessageKey), t(channelKey(text(s.channel))), text(s.note)].filter(Boolean).join(' · ');
      case 'order':
        return [text(s.orderNumber), t(`orders.status.${text(s.status)}` as MessageKey), yuan(Number(s.amountFen)), (s.items as string[] | undefined)?.join('、')]
          .filter(Boolean)
          .join(' · ');
      case 'complaint':
        return [
          t(complaintKey('category', text(s.category))),
          t(complaintKey('severity', text(s.severity))),
          t(complaintKey('status', text(s.status))),
          typeof s.satisfaction === 'number' ? '★'.repeat(s.satisfaction) : '',
        ]
          .filter(Boolean)
          .join(' · ');
      case 'survey':
        return [t(`surveys.status.${text(s.status)}` as MessageKey), ...scoreTexts(s.scores)].join(' · ');
    }
  };

  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <Typography.Text id="timeline-kinds">{t('timeline.kinds')}</Typography.Text>
        <Checkbox.Group
          aria-labelledby="timeline-kinds"
          value={kinds}
          onChange={(values) => setKinds(values)}
          options={(shownKinds ?? [...KINDS]).map((kind) => ({ value: kind, label: t(`timeline.kind.${kind}` as MessageKey) }))}
        />
      </Space>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      {!items && !error && kinds.length > 0 && <Spin />}
      {items && items.length === 0 && <Empty description={t('timeline.none')} />}
      {items && items.length > 0 && (
        <Timeline
          data-testid="timeline"
          items={items.map((entry) => ({
            key: `${entry.kind}-${entry.id}`,
            color: COLOURS[entry.kind],
            content: (
              <div data-kind={entry.kind}>
                <Typography.Text strong>{entry.date}</Typography.Text> <Tag color={COLOURS[entry.kind]}>{t(`timeline.kind.${entry.kind}` as MessageKey)}</Tag>
                {TAB_OF[entry.kind] ? (
                  <Button type="link" size="small" onClick={() => onOpen(TAB_OF[entry.kind]!, entry.id)}>
                    {describe(entry)}
                  </Button>
                ) : (
                  describe(entry)
                )}
              </div>
            ),
          }))}
        />
      )}
      {next && (
        <Button onClick={more} style={{ marginTop: 12 }}>
          {t('common.more')}
        </Button>
      )}
    </>
  );
}
