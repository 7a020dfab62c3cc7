/**
 * An expected failure with a stable code. The HTTP error mapper and the chat replies turn these into
 * a clear answer; anything that is not an AppError is a bug and surfaces as a 500 with a request id.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, details?: Record<string, unknown>) {
    super('NOT_FOUND', `${what} not found`, 404, details);
  }
}
