import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { cellValue, detectEncoding, detectFileEncoding, readRows } from './import-reader';

describe('CSV encoding detection', () => {
  const text = '姓名,手机号\r\n张伟,13812345678\r\n';

  it('takes a UTF-8 byte-order mark for UTF-8', () => {
    expect(detectEncoding(Buffer.from(`\uFEFF${text}`, 'utf8'), true)).toEqual({ encoding: 'utf-8', bom: true });
  });

  it('takes a file that decodes strictly as UTF-8 for UTF-8, and a GB18030/GBK file for GB18030', () => {
    expect(detectEncoding(Buffer.from(text, 'utf8'), true)).toEqual({ encoding: 'utf-8', bom: false });
    expect(detectEncoding(iconv.encode(text, 'gb18030'), true)).toEqual({ encoding: 'gb18030', bom: false });
    expect(detectEncoding(iconv.encode(text, 'gbk'), true)).toEqual({ encoding: 'gb18030', bom: false });
  });

  it('allows a UTF-8 sequence cut at the end of a sample, not at the end of a whole file', () => {
    const cut = Buffer.from('张伟', 'utf8').subarray(0, 4); // 张 and the first byte of 伟
    expect(detectEncoding(cut, false).encoding).toBe('utf-8');
    expect(detectEncoding(cut, true).encoding).toBe('gb18030');
  });

  it('reads the same rows from UTF-8, UTF-8 with BOM and GB18030 files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-reader-'));
    try {
      const files = {
        utf8: Buffer.from(text, 'utf8'),
        bom: Buffer.from(`\uFEFF${text}`, 'utf8'),
        gb: iconv.encode(text, 'gb18030'),
      };
      for (const [name, bytes] of Object.entries(files)) {
        const path = join(dir, `${name}.csv`);
        writeFileSync(path, bytes);
        const encoding = await detectFileEncoding(path);
        const rows = [];
        for await (const row of readRows(path, 'csv', encoding, () => undefined)) rows.push(row);
        expect(rows).toEqual([
          { rowNumber: 1, values: ['姓名', '手机号'] },
          { rowNumber: 2, values: ['张伟', '13812345678'] },
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spreadsheet cells', () => {
  it('reads rich text, formulas’ results and links’ text as their values', () => {
    expect(cellValue({ richText: [{ text: '张' }, { text: '伟' }] })).toBe('张伟');
    expect(cellValue({ formula: 'A1', result: 42 })).toBe(42);
    expect(cellValue({ text: 'a@b.cn', hyperlink: 'mailto:a@b.cn' })).toBe('a@b.cn');
    expect(cellValue({ error: '#N/A' })).toBeUndefined();
  });
});
