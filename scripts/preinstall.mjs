#!/usr/bin/env node
// `npm install` runs this at the root (after the dependencies with npm 7–11, before them with
// later npm). keytar, the keychain module, is a dependency also listed under optionalDependencies
// (which npm lets override it), so that on a Debian machine without libsecret-1-dev its failed
// native build does not stop the install with a node-gyp stack trace: this check stops it instead,
// with the one apt line that fixes it (issue #14). It stays in `dependencies` so packaging
// rebuilds and ships it. Other
// systems (macOS, Windows) use their own keychain and have nothing to check here.
import { aptLine, keytarLoads, missingBuildPackages } from './system-check.mjs';

if (process.platform === 'linux' && process.env.AUTHDESK_SKIP_PREINSTALL_CHECK !== '1' && !keytarLoads()) {
  const missing = missingBuildPackages();
  if (missing.length > 0) {
    console.error('\nAuthdesk keeps tenant secrets in the system keychain, and its keychain module (keytar)');
    console.error('is built against libsecret. Install what is missing, then run npm install again:\n');
    console.error(`  ${aptLine(missing)}\n`);
    process.exit(1);
  }
  // Everything keytar needs is there, so it was skipped for another reason (or comes next, with npm 12+).
  console.error('\nNote: the keychain module (keytar) is not built yet. If Authdesk later says it cannot load it, run: npm rebuild keytar\n');
}
