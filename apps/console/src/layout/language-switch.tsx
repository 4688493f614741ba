import { Segmented } from 'antd';
import { useI18n } from '../i18n/i18n';

export function LanguageSwitch() {
  const { lang, setLang } = useI18n();
  return (
    <Segmented
      size="small"
      value={lang}
      onChange={(value) => setLang(value as 'zh' | 'en')}
      options={[
        { label: '中文', value: 'zh' },
        { label: 'English', value: 'en' },
      ]}
      aria-label="Language / 语言"
    />
  );
}
