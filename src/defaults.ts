/**
 * Defaults of settings that the engines apply and the configuration names. A leaf: config.ts and
 * the engines both import it, so config imports nothing of the engines.
 */

/** S3X_MAX_CONCURRENT_QUESTIONS, S3X_MAX_WAITING_QUESTIONS and S3X_MAX_QUESTIONS_PER_USER. */
export const DEFAULT_QUESTION_LIMITS = { concurrent: 2, waiting: 20, perAsker: 2 } as const;

/** S3X_LOCAL_QUERY_TIMEOUT_SECONDS. */
export const DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS = 120;

/** S3X_MAX_LOG_FILE_MB, in bytes: a log file's largest size on disk and once decompressed (see READ_LIMITS). */
export const DEFAULT_MAX_LOG_FILE_BYTES = 32 * 1024 * 1024;
