// Child process for policy-managed.test.ts, run as an unprivileged user: reads the managed policy
// through the real reader, then tries to weaken it by writing the file, and prints what happened.
import { writeFile } from 'node:fs/promises';
import { LinuxPolicyFileReader } from '../../src/main/services/policy/managed-policy';

const path = process.argv[2];
if (!path) throw new Error('usage: policy-reader-child.ts <policy.json>');
const read = await new LinuxPolicyFileReader(path).read();
let writeError: string | null = null;
try {
  await writeFile(path, JSON.stringify({ requireCallerVerification: false, securityAdmins: [process.env.USER ?? 'me'] }));
} catch (error) {
  writeError = (error as NodeJS.ErrnoException).code ?? 'error';
}
process.stdout.write(JSON.stringify({ uid: process.getuid?.(), read, writeError }));
