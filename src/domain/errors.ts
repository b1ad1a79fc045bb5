// Broken business rules: one small family, mapped to HTTP statuses in one place (src/routes/errors.ts).
export type FieldIssue = { field: string; message: string }

export class DomainError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 429 | 502 | 503,
    message: string,
    readonly details?: FieldIssue[],
  ) {
    super(message)
  }
}

export class Invalid extends DomainError {
  constructor(message: string, details?: FieldIssue[]) {
    super(400, message, details)
  }
}

export class Unauthorized extends DomainError {
  constructor(message = 'Authentication required. Please provide a valid API token') {
    super(401, message)
  }
}

export class Forbidden extends DomainError {
  constructor(message = "You don't have permission to access this resource") {
    super(403, message)
  }
}

export class NotFound extends DomainError {
  constructor(message = 'The requested resource was not found') {
    super(404, message)
  }
}

export class Conflict extends DomainError {
  constructor(message: string) {
    super(409, message)
  }
}

export class RateLimited extends DomainError {
  constructor(
    readonly retryAfter: number,
    message = 'Too many attempts; retry later',
  ) {
    super(429, message)
  }
}

// A feature this server cannot serve now (disabled or out of a resource); not a fault of the request.
export class Unavailable extends DomainError {
  constructor(message: string) {
    super(503, message)
  }
}
