import { Tag } from 'antd';

/** A field's value as text a person reads: lists as tags, objects as their parts. */
export function FieldValue({ value }: { value: unknown }) {
  if (value === null || value === undefined || value === '') return <span style={{ color: '#999' }}>—</span>;
  if (Array.isArray(value)) {
    return (
      <>
        {value.map((item, index) => (
          <Tag key={index}>{typeof item === 'object' ? plain(item) : String(item)}</Tag>
        ))}
      </>
    );
  }
  return <span>{plain(value)}</span>;
}

export function plain(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, part]) => part !== undefined && part !== null && part !== '')
      .map(([key, part]) => `${key}: ${plain(part)}`)
      .join('; ');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
