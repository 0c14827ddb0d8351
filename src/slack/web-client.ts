import { webApi } from '@slack/bolt';

/**
 * A Web API client with no Bolt app running: `s3x digest --post`, `s3x mcp --allow-requests`.
 * Apart from src/slack/post-digest.ts, which the app loads at start: this needs Bolt's whole
 * index (Express and every receiver), which the app does not (see src/slack/app.ts).
 */
export function createWebClient(token: string, apiUrl?: string): webApi.WebClient {
  return new webApi.WebClient(token, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), retryConfig: { retries: 3 } });
}
