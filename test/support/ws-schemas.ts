import { REST_SCHEMAS } from '../../apps/d1/src/common/openapi-schemas';
import { WS_FEEDS, WS_SCHEMAS } from '../../apps/d1/src/common/openapi-ws-schemas';
import { explain, schemaValidator } from './schema-check';

/* eslint-disable @typescript-eslint/no-explicit-any */

type FeedName = keyof typeof WS_FEEDS;

/** A message a websocket client received, and the feed it came from. */
export interface FeedMessage {
  feed: FeedName;
  message: Record<string, any>;
}

const validator = schemaValidator({ schemas: { ...REST_SCHEMAS, ...WS_SCHEMAS } });

/** Which of d1's feeds a websocket URL is, or null for anything else (a proxied server, say). */
export function feedOf(url: string): FeedName | null {
  const path = new URL(url).pathname;
  if (/^\/notebooks\/[^/]+\/ws\/notebook$/.test(path)) return 'notebook';
  if (/^\/notebooks\/[^/]+\/ws\/stream$/.test(path)) return 'stream';
  if (path === '/server/ws') return 'server';
  return null;
}

/** The message's type: its one key besides `version`. */
export function messageType(message: Record<string, any>): string {
  return Object.keys(message).find((k) => k !== 'version') ?? '(none)';
}

/** Checks one message against the published schema of its feed: null when it matches, else why not. */
export function checkFeedMessage({ feed, message }: FeedMessage): string | null {
  const spec = WS_FEEDS[feed];
  if (feed === 'stream') return explain(validator(spec.schema), message);
  const type = messageType(message);
  const schema = spec.messages[type];
  if (!schema) return `${type} is not a message of ${spec.path}`;
  const problem = explain(validator(schema), message);
  return problem && `${type}: ${problem}`;
}

let recorded: FeedMessage[] | null = null;

/** Called by the test websocket clients for every message they receive. */
export function recordFeedMessage(url: string, message: Record<string, any>): void {
  const feed = feedOf(url);
  if (recorded && feed) recorded.push({ feed, message });
}

/**
 * Makes the calling suite check every message its websocket clients (WsRecorder) receive against the schemas
 * d1 publishes in its OpenAPI document; the suite fails at the end, naming each message that does not match.
 */
export function checkFeedSchemas(): void {
  beforeAll(() => {
    recorded = [];
  });
  afterAll(() => {
    const messages = recorded ?? [];
    recorded = null;
    const problems = messages
      .map((m) => ({ m, problem: checkFeedMessage(m) }))
      .filter((x) => x.problem !== null)
      .slice(0, 10)
      .map(({ m, problem }) => `${m.feed} feed: ${problem}\n  ${JSON.stringify(m.message).slice(0, 400)}`);
    expect(problems).toEqual([]);
    expect(messages.length).toBeGreaterThan(0);
  });
}
