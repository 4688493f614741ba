/**
 * The data categories of a customer file (api-contract.md, "Registry"). Names are fixed; whether a
 * category is sensitive is configurable, with PIPL Art. 28 / GB/T 45574 defaults.
 */
export const CATEGORIES = {
  identity: { sensitive: false, fields: ['name', 'gender', 'birthDate', 'ethnicity'], lists: [] },
  identity_document: { sensitive: true, fields: ['type', 'number'], lists: [] },
  // `phone` and `address` are the single values of files written before several were kept (contact.ts)
  contact: { sensitive: false, fields: ['phone', 'email', 'address', 'phones', 'addresses'], lists: [] },
  employment: { sensitive: false, fields: ['employer', 'title'], lists: [] },
  demographics: { sensitive: false, fields: ['maritalStatus', 'education'], lists: [] },
  health: {
    sensitive: true,
    fields: ['conditions', 'allergies', 'surgeries', 'medications', 'lifestyle', 'goals'],
    lists: ['conditions', 'allergies', 'surgeries', 'medications', 'goals'],
  },
  health_records: { sensitive: true, fields: ['exams'], lists: ['exams'] },
  consumption: { sensitive: true, fields: ['purchases'], lists: ['purchases'] },
  service_interactions: { sensitive: false, fields: ['services', 'surveys', 'complaints'], lists: ['services', 'surveys', 'complaints'] },
  preferences: { sensitive: false, fields: ['marketingChannels', 'interests'], lists: ['marketingChannels', 'interests'] },
  // how the centre classifies the customer (客户类型, 等级, 标签) and staff's remarks; the lifecycle stage is an event of its own (subject.events.ts)
  customer_profile: { sensitive: false, fields: ['customerType', 'tier', 'tags', 'remarks'], lists: [] },
} as const satisfies Record<string, { sensitive: boolean; fields: readonly string[]; lists: readonly string[] }>;

export type Category = keyof typeof CATEGORIES;
export const CATEGORY_NAMES = Object.keys(CATEGORIES) as Category[];

export function isCategory(name: string): name is Category {
  return Object.prototype.hasOwnProperty.call(CATEGORIES, name);
}

export function isListField(category: Category, field: string): boolean {
  return (CATEGORIES[category].lists as readonly string[]).includes(field);
}
