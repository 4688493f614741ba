import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldProblem, ProblemException } from './problem';

/**
 * Bodies and queries are validated against their DTO classes; unknown fields are refused (400),
 * and every problem names its field by path.
 */
export function ledgerValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new ProblemException(400, 'validation-failed', 'The request is invalid', fields.map((field) => `${field.path}: ${field.message}`).join('; '), fields);
    },
  });
}

export function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const path = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      path,
      message: message.includes('should not exist') ? 'unknown field' : message,
    }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
