/**
 * Errors that services throw; each carries what the caller did wrong in words an operator can
 * act on. The API maps them to HTTP statuses, the CLI prints the message as its one-line reason.
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadInputError extends AppError {
  constructor(message: string) {
    super(message, 400, 'badInput');
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(message, 403, 'forbidden');
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, 404, 'notFound');
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, 'conflict');
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(message, 413, 'payloadTooLarge');
  }
}
