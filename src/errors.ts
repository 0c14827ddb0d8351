/**
 * Typed errors. Every error a user can cause or see carries a `userMessage` that is safe to
 * show in Slack or a terminal: no stack, no secrets, no internal paths beyond what they gave us.
 */
export abstract class S3xError extends Error {
  abstract readonly code: string;
  readonly userMessage: string;

  constructor(userMessage: string, options?: ErrorOptions & { detail?: string }) {
    super(options?.detail ?? userMessage, options);
    this.name = this.constructor.name;
    this.userMessage = userMessage;
  }
}

/** The command text could not be understood; the message says how to fix it. */
export class UsageError extends S3xError {
  readonly code = 'usage';
}

/** Configuration is missing or invalid; raised once at start. */
export class ConfigError extends S3xError {
  readonly code = 'config';
}

/** A subcommand that exists in the grammar but is not built yet. */
export class NotAvailableError extends S3xError {
  readonly code = 'not_available';
}

/** The engine could not run a question (bad archive, failed query, ...). */
export class EngineError extends S3xError {
  readonly code = 'engine';
}

/** Too many questions are running or waiting: this one was turned away before it ran. */
export class EngineBusyError extends S3xError {
  readonly code = 'engine_busy';
}

/**
 * The state database (SQLite) could not be written: locked by another process past the busy
 * timeout, full, read-only or failing. `reason` is a short user-safe phrase ("its state database
 * is busy"), so callers can say what was and was not saved in their own words.
 */
export class StoreError extends S3xError {
  readonly code = 'store';
  readonly reason: string;

  constructor(userMessage: string, options: ErrorOptions & { detail?: string; reason: string }) {
    super(userMessage, options);
    this.reason = options.reason;
  }
}

/** Slack's Web API would not take a message s3x had to post; the message says what that left undone. */
export class SlackPostError extends S3xError {
  readonly code = 'slack_post';
}

/** Wrap anything unknown so callers can always show *something* safe. */
export function userMessageOf(error: unknown, reference?: string): string {
  if (error instanceof S3xError) return error.userMessage;
  const ref = reference ? ` (ref: ${reference})` : '';
  return `Something went wrong on our side${ref}. The error was logged; please try again.`;
}
