/** Codes of the service records' refusals (mapped to HTTP in apps/ledger-api/src/service-records/service-records.module.ts). */
export type ServiceRecordErrorCode = 'service-record-exists';
