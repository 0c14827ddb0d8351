/** The slash command, as registered in manifest.yml. */
export const SLASH_COMMAND = '/s3x';

/** HTTP paths served beside Bolt. */
export const EVENTS_PATH = '/slack/events';
export const HEALTH_PATH = '/healthz';

/** Every interactive element s3x renders; listeners and builders share these, and the manifest test reads them. */
export const ACTIONS = {
  /** value: `<answerId>:<page>`; two ids because action ids must be unique within a block. */
  previousPage: 's3x_page_previous',
  nextPage: 's3x_page_next',
  /** value: `<answerId>` */
  exportCsv: 's3x_export_csv',
  /** value: `<answerId>` */
  share: 's3x_share',
  /** value: `<answerId>:<eventId>` */
  showEvent: 's3x_show_event',
  /** value: the bucket name */
  enableLogging: 's3x_enable_logging',
  /** value: approval request id (the requester asks for approval of a draft) */
  submitChange: 's3x_submit_change',
  /** value: approval request id */
  approve: 's3x_approve',
  /** value: approval request id */
  reject: 's3x_reject',
  /** value: approval request id: the plan's full diff in a modal */
  showDiff: 's3x_show_diff',
  /** value: id of an applied request whose previous state can be restored */
  revert: 's3x_revert',
  /** value: `<bucket>|<principal ARN>`: plan a tighten --deny for that principal */
  denyPrincipal: 's3x_deny_principal',
  /** value: the /s3x text of the drill-down question (one id per button: `_<n>` appended) */
  digestDrill: 's3x_digest_drill',
  /** value: the alert's key (`<eventID>#<rule id>`): the record kept with the alert, in a modal */
  alertEvent: 's3x_alert_event',
  /** value: the rule id: mute it for an hour */
  alertMute: 's3x_alert_mute',
  /** value: `<answerId>`: update this object answer with late events for an hour */
  watch: 's3x_watch',
} as const;

/** Workflow Builder custom steps: the callback ids of manifest.yml's `functions`. */
export const WORKFLOW_STEPS = {
  whoTouchedObject: 'who_touched_object',
  requestLoggingChange: 'request_logging_change',
} as const;

/** Modal callback ids. */
export const VIEWS = {
  eventRecord: 's3x_event_record',
  planDiff: 's3x_plan_diff',
} as const;

/** The bot scopes the code calls Web API methods with; manifest.yml must list exactly these. */
export const BOT_SCOPES = [
  'commands', // the /s3x slash command
  'chat:write', // approval requests, their outcome (chat.update) and the audit record in the thread
  'files:write', // Export CSV: files.getUploadURLExternal / files.completeUploadExternal
  'im:write', // Export CSV of a private answer: conversations.open, the requester's direct message
  'usergroups:read', // S3X_ALLOWED_GROUPS: usergroups.users.list
] as const;
