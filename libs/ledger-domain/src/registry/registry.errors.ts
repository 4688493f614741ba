/** Why the registry refuses a change (mapped to HTTP by the registry module). */
export type RegistryErrorCode = 'purpose-exists' | 'notice-exists' | 'unknown-purpose' | 'notice-without-purpose';
