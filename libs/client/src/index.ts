// d1's JavaScript client: typed REST calls and a live notebook model, for Node and the browser.
export { parseMultistatus } from './dav';
export { D1Client, D1Error, type D1ClientOptions, type SaveTarget, type VersionedNotebook } from './http';
export { LiveNotebook, type LiveNotebookOptions, type LiveStatus } from './live';
export { mergeText, textChanges, type Merged, type TextChange } from './merge';
export {
  applyAll,
  applyMessage,
  cellUuid,
  fromSnapshot,
  kernelActivity,
  reduce,
  typeOf,
  versionGaps,
  type Msg,
  type NotebookState,
  type PendingInput,
} from './model';
export { ServerFeed, type ServerFeedOptions } from './server-feed';
export { globalWebSocket, type Backoff, type WebSocketFactory, type WebSocketLike } from './socket';
export * from './types';
