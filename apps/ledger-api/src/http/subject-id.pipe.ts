import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { validate as isUuid } from 'uuid';
import { ProblemException } from '@pi-ledger/platform/http/problem';

/**
 * Subject ids, and the other ids in paths (consents, restrictions, holds, events), are UUIDs;
 * anything else is a 400 naming that path parameter, never a lookup.
 */
@Injectable()
export class SubjectIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata?: ArgumentMetadata): string {
    if (!isUuid(value)) {
      const path = metadata?.data ?? 'id';
      throw new ProblemException(400, 'validation-failed', 'The request is invalid', `${path}: must be a UUID`, [{ path, message: 'must be a UUID' }]);
    }
    return value.toLowerCase();
  }
}
