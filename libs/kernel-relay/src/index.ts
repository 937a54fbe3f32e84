export * from './errors';
export * from './messages';
export * from './kernel-handle';
export * from './kernel-relay';
