// One base class with a stable `code`; the HTTP layer alone maps codes to status codes.

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(readonly problems: FieldProblem[]) {
    super('validation', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
  }
}
export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} was not found`);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('conflict', message, details);
  }
}
export class ForbiddenError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('forbidden', message, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'a valid bearer token is required') {
    super('unauthorized', message);
  }
}

/** Well-formed, but about something the daemon does not keep (a server no console lists): 422. */
export class UnprocessableError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('unprocessable', message, details);
  }
}
