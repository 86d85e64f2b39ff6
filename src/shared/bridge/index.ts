export * from './protocol';
export * from './bridge-crypto';
export { fromBase64Url, toBase64Url, randomId, type BridgeKey, type BridgeKeyPair } from './runtime';
export { AUTHDESK_EXTENSION_ID } from './extension-id';
export * from './client';
