/** The slash command, as registered in manifest.yml. */
export const SLASH_COMMAND = '/s3x';

/** HTTP paths served beside Bolt. */
export const EVENTS_PATH = '/slack/events';
export const HEALTH_PATH = '/healthz';
