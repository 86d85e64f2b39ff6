// The few globals every runtime Authdesk targets (Node 20, Chromium, Electron) provides alike.
// src/shared compiles without the DOM and Node libs, so nothing else platform-specific can slip in;
// only this config sees these declarations (the others get the real ones from DOM or Node).
declare class URL {
  constructor(url: string, base?: string);
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly search: string;
  readonly hash: string;
  readonly pathname: string;
  readonly origin: string;
  readonly host: string;
  readonly hostname: string;
  readonly href: string;
  toString(): string;
}
