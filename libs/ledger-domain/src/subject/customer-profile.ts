/**
 * The category `customer_profile`: how the centre classifies a customer. A fixed, documented set
 * (docs/api.md), so reports and filters compare like with like; `other` covers the rest.
 */
export const CUSTOMER_TYPES = ['individual', 'corporate_member', 'vip', 'other'] as const;
export const CUSTOMER_TIERS = ['standard', 'silver', 'gold', 'platinum', 'diamond'] as const;

/** Tags are short labels, not notes: at most this many, each at most this long (remarks take free text). */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 20;
