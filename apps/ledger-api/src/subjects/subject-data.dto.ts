import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateNested,
  validateSync,
  ValidationArguments,
} from 'class-validator';
import { FieldProblem } from '@pi-ledger/ledger-domain/domain-error';
import { flatten } from '@pi-ledger/platform/http/validation.pipe';
import { normaliseEmail, normalisePhone } from '@pi-ledger/pii-vault/normalise';
import { CATEGORIES, Category, isListField } from '@pi-ledger/ledger-domain/registry/categories';
import { isRealDate } from '@pi-ledger/ledger-domain/validation/resident-id';
import { ADDRESS_TYPES, PHONE_TYPES } from '@pi-ledger/ledger-domain/subject/contact';
import { CUSTOMER_TIERS, CUSTOMER_TYPES, MAX_TAG_LENGTH, MAX_TAGS } from '@pi-ledger/ledger-domain/subject/customer-profile';
import { normaliseTag } from '@pi-ledger/pii-vault/normalise';
import { normaliseContactLists } from './contact/contact-lists';

/** The fields declared with @IsPastDate, per DTO class: checked against the ledger's clock after validation. */
const PAST_DATE_FIELDS = new WeakMap<object, Set<string>>();
const pastDateMessage = (property: string) => `${property} must be a real date (YYYY-MM-DD) not in the future`;

/**
 * A calendar date (YYYY-MM-DD) that exists and is not after today in China (UTC+8). The decorator
 * checks that it exists; "not after today" needs the ledger's clock, so `futureDateProblems`
 * checks it with the `today` the caller takes from LEDGER_CLOCK.
 */
function IsPastDate() {
  return (target: object, property: string) => {
    const fields = PAST_DATE_FIELDS.get(target.constructor) ?? new Set<string>();
    PAST_DATE_FIELDS.set(target.constructor, fields.add(property));
    registerDecorator({
      name: 'isPastDate',
      target: target.constructor,
      propertyName: property,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isRealDate(value),
        defaultMessage: (args?: ValidationArguments) => pastDateMessage(args?.property ?? 'date'),
      },
    });
  };
}

/** Today's date in China (UTC+8), YYYY-MM-DD, at the instant `now`. */
export function chinaDate(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Every @IsPastDate field of a validated DTO tree that lies after `today`, named as `flatten` names fields. */
function futureDateProblems(instance: unknown, path: string, today: string, reported: ReadonlySet<string>): FieldProblem[] {
  if (instance === null || typeof instance !== 'object') return [];
  const pastDates = PAST_DATE_FIELDS.get(instance.constructor);
  return Object.entries(instance).flatMap(([key, value]) => {
    const at = `${path}.${key}`;
    if (pastDates?.has(key)) return typeof value === 'string' && value > today && !reported.has(at) ? [{ path: at, message: pastDateMessage(key) }] : [];
    if (Array.isArray(value)) return value.flatMap((item, index) => futureDateProblems(item, `${at}[${index}]`, today, reported));
    return futureDateProblems(value, at, today, reported);
  });
}

/** validateSync's problems, then the past dates that lie after `today`. */
function validateDto(instance: object, path: string, today: string): FieldProblem[] {
  const problems = flatten(validateSync(instance, { whitelist: true, forbidNonWhitelisted: true }), path);
  return [...problems, ...futureDateProblems(instance, path, today, new Set(problems.map((p) => p.path)))];
}

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const text = (max: number) => [IsString(), Length(1, max), Transform(trimmed)];
const apply =
  (...decorators: PropertyDecorator[]) =>
  (target: object, key: string | symbol) =>
    decorators.forEach((d) => d(target, key));
const Text = (max = 200) => apply(...text(max));
const TextList = (max = 200) => apply(IsArray(), ArrayMaxSize(200), IsString({ each: true }), Length(1, max, { each: true }));

export class IdentityFields {
  @IsOptional() @Text(100) name?: string;
  @IsOptional() @IsIn(['male', 'female', 'other', 'undisclosed']) gender?: string;
  @IsOptional() @IsPastDate() birthDate?: string;
  @IsOptional() @Text(50) ethnicity?: string;
}

export const DOCUMENT_TYPES = ['resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent_resident_id'] as const;
export class IdentityDocumentFields {
  @IsOptional() @IsIn([...DOCUMENT_TYPES]) type?: string;
  @IsOptional() @IsString() @Length(5, 40) @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value)) number?: string;
}

export class AddressFields {
  @IsOptional() @Text(50) province?: string;
  @IsOptional() @Text(50) city?: string;
  @IsOptional() @Text(50) district?: string;
  @IsOptional() @Text(300) line?: string;
}

/** One of a customer's phones: typed any common way, stored in E.164 (contact/phone-number.ts). */
export class PhoneEntryFields {
  @IsString() @Length(3, 40) number: string;
  @IsOptional() @IsIn([...PHONE_TYPES]) type?: string;
  @IsOptional() @IsBoolean() primary?: boolean;
}

/** One of a customer's addresses, its division checked against GB/T 2260 (contact/administrative-divisions.ts). */
export class AddressEntryFields {
  @IsIn([...ADDRESS_TYPES]) type: string;
  @IsOptional() @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code, e.g. CN' }) country?: string;
  @IsOptional() @Matches(/^\d{6}$/, { message: 'divisionCode must be a 6-digit GB/T 2260 code' }) divisionCode?: string;
  @IsOptional() @Text(50) province?: string;
  @IsOptional() @Text(50) city?: string;
  @IsOptional() @Text(50) district?: string;
  @IsOptional() @Text(300) line?: string;
  @IsOptional() @Matches(/^[A-Za-z0-9 -]{3,10}$/, { message: 'postalCode must be 3 to 10 letters, digits, spaces or hyphens' }) postalCode?: string;
  @IsOptional() @IsBoolean() primary?: boolean;
}

export class ContactFields {
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? (normalisePhone(value) ?? value) : value))
  @Matches(/^\+861[3-9]\d{9}$/, { message: 'phone must be a mainland mobile number (+861[3-9]xxxxxxxxx)' })
  phone?: string;
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' ? normaliseEmail(value) : value)) @IsEmail() email?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AddressFields) address?: AddressFields;
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => PhoneEntryFields) phones?: PhoneEntryFields[];
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => AddressEntryFields) addresses?: AddressEntryFields[];
}

/** The centre's classification of the customer and staff's remarks (category customer_profile). */
export class CustomerProfileFields {
  @IsOptional() @IsIn([...CUSTOMER_TYPES]) customerType?: string;
  @IsOptional() @IsIn([...CUSTOMER_TIERS]) tier?: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true })
  @Transform(({ value }) => (Array.isArray(value) ? value.map((tag) => (typeof tag === 'string' ? tag.normalize('NFKC').trim().replace(/\s+/g, ' ') : tag)) : value))
  @Length(1, MAX_TAG_LENGTH, { each: true })
  tags?: string[];
  @IsOptional() @Text(2000) remarks?: string;
}

export class EmploymentFields {
  @IsOptional() @Text(200) employer?: string;
  @IsOptional() @Text(100) title?: string;
}

export class DemographicsFields {
  @IsOptional() @IsIn(['single', 'married', 'divorced', 'widowed', 'undisclosed']) maritalStatus?: string;
  @IsOptional() @IsIn(['primary', 'secondary', 'vocational', 'bachelor', 'master', 'doctorate', 'other']) education?: string;
}

export class Surgery {
  @Text(200) name: string;
  @IsPastDate() date: string;
}

export class Lifestyle {
  @IsOptional() @Text(500) diet?: string;
  @IsOptional() @Text(500) exercise?: string;
  @IsOptional() @Text(500) sleep?: string;
  @IsOptional() @Text(200) smoking?: string;
  @IsOptional() @Text(200) alcohol?: string;
}

export class HealthFields {
  @IsOptional() @TextList() conditions?: string[];
  @IsOptional() @TextList() allergies?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(200) @ValidateNested({ each: true }) @Type(() => Surgery) surgeries?: Surgery[];
  @IsOptional() @TextList() medications?: string[];
  @IsOptional() @IsObject() @ValidateNested() @Type(() => Lifestyle) lifestyle?: Lifestyle;
  @IsOptional() @TextList(500) goals?: string[];
}

export class Exam {
  @IsPastDate() date: string;
  @Text(200) type: string;
  @IsOptional() @Text(4000) findings?: string;
  @IsOptional() @IsObject() results?: Record<string, string | number>;
}
export class HealthRecordsFields {
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => Exam) exams?: Exam[];
}

export class Purchase {
  @IsPastDate() date: string;
  @Text(200) item: string;
  @IsNumber({ maxDecimalPlaces: 2 }) @Min(0) amount: number;
  @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
}
export class ConsumptionFields {
  @IsOptional() @IsArray() @ArrayMaxSize(5000) @ValidateNested({ each: true }) @Type(() => Purchase) purchases?: Purchase[];
}

export class ServiceRecord {
  @IsPastDate() date: string;
  @Text(200) service: string;
  @IsOptional() @Text(100) staff?: string;
  @IsOptional() @Text(2000) notes?: string;
}
export class Survey {
  @IsPastDate() date: string;
  @IsNumber() @Min(0) @Max(10) score: number;
  @IsOptional() @Text(2000) comment?: string;
}
export class Complaint {
  @IsPastDate() date: string;
  @Text(2000) summary: string;
  @IsOptional() @IsIn(['open', 'in_progress', 'resolved', 'closed']) status?: string;
}
export class ServiceInteractionsFields {
  @IsOptional() @IsArray() @ArrayMaxSize(5000) @ValidateNested({ each: true }) @Type(() => ServiceRecord) services?: ServiceRecord[];
  @IsOptional() @IsArray() @ArrayMaxSize(5000) @ValidateNested({ each: true }) @Type(() => Survey) surveys?: Survey[];
  @IsOptional() @IsArray() @ArrayMaxSize(5000) @ValidateNested({ each: true }) @Type(() => Complaint) complaints?: Complaint[];
}

export class PreferencesFields {
  @IsOptional() @IsArray() @IsIn(['sms', 'email', 'wechat', 'phone', 'app', 'mail'], { each: true }) marketingChannels?: string[];
  @IsOptional() @TextList(100) interests?: string[];
}

const FIELD_CLASSES: Record<Category, new () => object> = {
  identity: IdentityFields,
  identity_document: IdentityDocumentFields,
  contact: ContactFields,
  employment: EmploymentFields,
  demographics: DemographicsFields,
  health: HealthFields,
  health_records: HealthRecordsFields,
  consumption: ConsumptionFields,
  service_interactions: ServiceInteractionsFields,
  preferences: PreferencesFields,
  customer_profile: CustomerProfileFields,
};

/** The element class of each list field, for "add one item" requests. */
const ITEM_CLASSES: Partial<Record<string, new () => object>> = {
  'health.surgeries': Surgery,
  'health_records.exams': Exam,
  'consumption.purchases': Purchase,
  'service_interactions.services': ServiceRecord,
  'service_interactions.surveys': Survey,
  'service_interactions.complaints': Complaint,
};

export interface Validated<T> {
  value: T;
  problems: FieldProblem[];
}

/**
 * Validates one category's fields (unknown fields refused). With `allowNull`, a null value means
 * "remove this field" (PATCH `set`).
 */
export function validateCategoryFields(category: Category, input: unknown, path: string, today: string, allowNull = false): Validated<Record<string, unknown>> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { value: {}, problems: [{ path, message: 'must be an object' }] };
  }
  const entries = Object.entries(input as Record<string, unknown>);
  const nulls = allowNull ? entries.filter(([, v]) => v === null).map(([k]) => k) : [];
  const present = Object.fromEntries(entries.filter(([k]) => !nulls.includes(k)));
  const instance = plainToInstance(FIELD_CLASSES[category], present);
  const problems = validateDto(instance, path, today);
  for (const field of nulls) {
    if (!(CATEGORIES[category].fields as readonly string[]).includes(field)) problems.push({ path: `${path}.${field}`, message: 'unknown field' });
  }
  const checked = problems.length > 0 ? { value: JSON.parse(JSON.stringify(instance)), problems: [] } : crossFieldChecks(category, JSON.parse(JSON.stringify(instance)), path);
  const value = { ...checked.value, ...Object.fromEntries(nulls.map((k) => [k, null])) };
  return { value, problems: [...problems, ...checked.problems] };
}

/** What a field's decorators cannot see: phones and addresses against each other and the division table, tags against each other. */
function crossFieldChecks(category: Category, fields: Record<string, unknown>, path: string): Validated<Record<string, unknown>> {
  if (category === 'contact') return normaliseContactLists(fields, path);
  if (category !== 'customer_profile' || !Array.isArray(fields.tags)) return { value: fields, problems: [] };
  const first = new Map<string, number>();
  const problems = (fields.tags as string[]).flatMap((tag, index) => {
    const seen = first.get(normaliseTag(tag));
    if (seen === undefined) first.set(normaliseTag(tag), index);
    return seen === undefined ? [] : [{ path: `${path}.tags[${index}]`, message: `repeats tags[${seen}]` }];
  });
  return { value: fields, problems };
}

/** Validates one element of a list field such as `health_records.exams`. */
export function validateListItem(category: Category, field: string, item: unknown, path: string, today: string): Validated<unknown> {
  if (!isListField(category, field)) return { value: undefined, problems: [{ path: 'field', message: `${category}.${field} is not a list field` }] };
  const itemClass = ITEM_CLASSES[`${category}.${field}`];
  if (!itemClass) {
    // a list of strings (conditions, allergies, interests…) or of channel names: validate as a one-element list
    const { value, problems } = validateCategoryFields(category, { [field]: [item] }, path, today);
    // the element's problems are reported on the element ([0]) or on the list itself: either is the item
    const listPath = `${path}.${field}`;
    const asItem = (problemPath: string) =>
      problemPath === listPath || problemPath.startsWith(`${listPath}[0]`) ? path + problemPath.slice(listPath.length).replace(/^\[0\]/, '') : problemPath;
    return { value: (value[field] as unknown[] | undefined)?.[0], problems: problems.map((p) => ({ ...p, path: asItem(p.path) })) };
  }
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { value: undefined, problems: [{ path, message: 'must be an object' }] };
  const instance = plainToInstance(itemClass, item);
  return { value: JSON.parse(JSON.stringify(instance)), problems: validateDto(instance, path, today) };
}
