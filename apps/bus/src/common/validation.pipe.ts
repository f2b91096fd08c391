import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError, type ProblemDetail } from './api-error';

/** Admin query strings and bodies are checked by their DTO classes; errors name each field. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors, '');
      return new ApiError(400, 'REQUEST.INVALID', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
    },
  });
}

function flatten(errors: ValidationError[], prefix: string): ProblemDetail[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}
