import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { ErasureCertificate } from './erasure-certificate';

export interface StoredCertificate {
  subjectId: string;
  certificate: ErasureCertificate;
}

/** `erasure_certificates`: write once per request id; the first certificate stored wins. */
@Injectable()
export class ErasureCertificates {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(requestId: string): Promise<StoredCertificate | undefined> {
    const { rows } = await this.pool.query(`SELECT subject_id, body FROM erasure_certificates WHERE request_id = $1`, [requestId]);
    return rows[0] && { subjectId: rows[0].subject_id, certificate: rows[0].body };
  }

  /** Stores `certificate` unless one exists for its request id; returns the one stored. */
  async keep(subjectId: string, certificate: ErasureCertificate): Promise<StoredCertificate> {
    await this.pool.query(`INSERT INTO erasure_certificates (request_id, subject_id, body) VALUES ($1, $2, $3) ON CONFLICT (request_id) DO NOTHING`, [
      certificate.requestId,
      subjectId,
      JSON.stringify(certificate),
    ]);
    return (await this.find(certificate.requestId))!;
  }
}
