export function startBareBolt(options: {
  signingSecret: string;
  eventsPath: string;
  command: string;
  port?: number;
}): Promise<{ port: number; stop: () => Promise<void> }>;
