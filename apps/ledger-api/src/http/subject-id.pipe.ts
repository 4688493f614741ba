import { Injectable, PipeTransform } from '@nestjs/common';
import { validate as isUuid } from 'uuid';
import { ProblemException } from '@pi-ledger/platform/http/problem';

/** Subject ids are UUIDs; anything else is a 400 naming the path parameter, never a lookup. */
@Injectable()
export class SubjectIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) {
      throw new ProblemException(400, 'validation-failed', 'The request is invalid', 'id: must be a UUID', [{ path: 'id', message: 'must be a UUID' }]);
    }
    return value.toLowerCase();
  }
}
