// Turns a zod schema into a request-body check that reports every bad field at once.
import type { z } from 'zod';
import { ValidationError } from '../domain/errors.js';

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })));
}
