/**
 * The Authdesk extension's id. It is fixed by the public `key` in src/extension/manifest.json (the
 * id is the first 128 bits of the key's SHA-256, written with the letters a-p), so an unpacked
 * build, a store build and every developer machine share it, and the host manifests can pin it in
 * `allowed_origins`. A unit test proves the key and this id agree.
 */
export const AUTHDESK_EXTENSION_ID = 'cdjfphihjgnagjiibgcadgbahlinbdjf';
