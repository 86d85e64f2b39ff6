import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { PolicyDocument } from '@shared/domain/policy';

/**
 * The managed policy: installed by an OS administrator or MDM where the agent's account cannot
 * write it.
 *
 *   Linux    /etc/authdesk/policy.json, owned by root, not group- or world-writable
 *   macOS    managed preferences, domain com.authdesk.policy
 *            (/Library/Managed Preferences/com.authdesk.policy.plist, installed by an MDM profile)
 *   Windows  HKLM\SOFTWARE\Policies\Authdesk (Group Policy / Intune), values named like the JSON keys:
 *            REG_DWORD 0/1 for switches, REG_SZ for a word, REG_MULTI_SZ for lists
 *
 * SECURITY: the location is fixed in code. Tests pass another path through the constructor only;
 * no environment variable (which the agent controls) can move it. A source the agent's account
 * could have written is still applied for what it restricts, but never for what it grants
 * (security admins, trusted evidence keys), and the problem is reported.
 */

/** What one read found. */
export interface ManagedPolicyRead {
  /** The document, or null when none is installed. */
  document: PolicyDocument | null;
  /** Where it was read from, for "comes from" in the console. */
  location: string;
  /** False when the agent's account could have written it: only its restrictions apply. */
  trusted: boolean;
  problems: string[];
}

export interface ManagedPolicyReader {
  read(): Promise<ManagedPolicyRead>;
}

/** What an unreadable policy means: every protection on, nothing granted (fail closed). */
export const STRICTEST: PolicyDocument = Object.freeze({
  requireCallerVerification: true,
  maskContacts: true,
  lastAuthenticatorRemoval: 'nobody',
  requireTicketId: true,
});

/** Parses a document; an invalid one fails closed to {@link STRICTEST} with a problem that says what to fix. */
export function parsePolicyDocument(raw: unknown, location: string): { document: PolicyDocument; problems: string[] } {
  const parsed = PolicyDocument.safeParse(raw);
  if (parsed.success) return { document: parsed.data, problems: [] };
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; ');
  return {
    document: STRICTEST,
    problems: [`The managed policy at ${location} is not valid (${issues}), so every protection is on until an administrator fixes it.`],
  };
}

export const LINUX_POLICY_FILE = '/etc/authdesk/policy.json';

/** Linux: a JSON file. */
export class LinuxPolicyFileReader implements ManagedPolicyReader {
  /** `path` is for tests only; production uses the fixed location. */
  constructor(private readonly path: string = LINUX_POLICY_FILE) {}

  async read(): Promise<ManagedPolicyRead> {
    let info;
    try {
      info = await stat(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { document: null, location: this.path, trusted: true, problems: [] };
      return { document: STRICTEST, location: this.path, trusted: false, problems: [`The managed policy at ${this.path} cannot be read (${(error as NodeJS.ErrnoException).code}); every protection is on.`] };
    }
    const problems: string[] = [];
    // SECURITY: only root may own and write it; a file the agent could write grants nothing.
    let trusted = info.uid === 0 && (info.mode & 0o022) === 0;
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!isRoot && (await access(this.path, constants.W_OK).then(() => true, () => false))) trusted = false;
    if (!trusted) {
      problems.push(`The managed policy at ${this.path} is writable by someone other than root (owner uid ${info.uid}, mode ${(info.mode & 0o777).toString(8)}): its restrictions apply, but the security admins and trusted keys it lists are ignored. Run: sudo chown root:root ${this.path} && sudo chmod 644 ${this.path}`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.path, 'utf8'));
    } catch {
      return { document: STRICTEST, location: this.path, trusted: false, problems: [...problems, `The managed policy at ${this.path} is not JSON; every protection is on until an administrator fixes it.`] };
    }
    const parsed = parsePolicyDocument(raw, this.path);
    return { document: parsed.document, location: this.path, trusted: trusted && parsed.problems.length === 0, problems: [...problems, ...parsed.problems] };
  }
}

type Exec = (file: string, args: string[]) => Promise<{ stdout: string }>;
const execFileAsync: Exec = promisify(execFile);

export const MAC_POLICY_PLIST = '/Library/Managed Preferences/com.authdesk.policy.plist';

/** macOS: the managed preferences plist, converted to JSON by the system's plutil. */
export class MacManagedPreferencesReader implements ManagedPolicyReader {
  constructor(
    private readonly path: string = MAC_POLICY_PLIST,
    private readonly exec: Exec = execFileAsync,
  ) {}

  async read(): Promise<ManagedPolicyRead> {
    if (!(await stat(this.path).then(() => true, () => false))) return { document: null, location: this.path, trusted: true, problems: [] };
    let raw: unknown;
    try {
      raw = JSON.parse((await this.exec('/usr/bin/plutil', ['-convert', 'json', '-o', '-', this.path])).stdout);
    } catch {
      return { document: STRICTEST, location: this.path, trusted: false, problems: [`The managed preferences at ${this.path} cannot be read; every protection is on.`] };
    }
    const parsed = parsePolicyDocument(raw, this.path);
    // Managed Preferences are written by the MDM agent as root; the folder is not user-writable.
    return { document: parsed.document, location: this.path, trusted: parsed.problems.length === 0, problems: parsed.problems };
  }
}

export const WINDOWS_POLICY_KEY = 'HKLM\\SOFTWARE\\Policies\\Authdesk';

/** The values of `reg query <key>` output as a policy object (REG_DWORD -> boolean, REG_MULTI_SZ -> list). */
export function parseRegQuery(output: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s+(\S+)\s+(REG_DWORD|REG_SZ|REG_MULTI_SZ|REG_EXPAND_SZ)\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, name, type, value] = match;
    if (type === 'REG_DWORD') out[name] = Number.parseInt(value, 16) !== 0;
    else if (type === 'REG_MULTI_SZ') out[name] = value === '' ? [] : value.split('\\0').filter(Boolean);
    else out[name] = value;
  }
  return out;
}

/** Windows: the Group Policy key in HKLM (only administrators can write it). */
export class WindowsRegistryPolicyReader implements ManagedPolicyReader {
  constructor(private readonly exec: Exec = execFileAsync) {}

  async read(): Promise<ManagedPolicyRead> {
    let stdout: string;
    try {
      ({ stdout } = await this.exec('reg', ['query', WINDOWS_POLICY_KEY]));
    } catch {
      // reg exits 1 when the key does not exist: no policy installed.
      return { document: null, location: WINDOWS_POLICY_KEY, trusted: true, problems: [] };
    }
    const parsed = parsePolicyDocument(parseRegQuery(stdout), WINDOWS_POLICY_KEY);
    return { document: parsed.document, location: WINDOWS_POLICY_KEY, trusted: parsed.problems.length === 0, problems: parsed.problems };
  }
}

/** The reader for this OS. */
export function managedPolicyReaderFor(platform: NodeJS.Platform = process.platform): ManagedPolicyReader {
  if (platform === 'darwin') return new MacManagedPreferencesReader();
  if (platform === 'win32') return new WindowsRegistryPolicyReader();
  return new LinuxPolicyFileReader();
}
