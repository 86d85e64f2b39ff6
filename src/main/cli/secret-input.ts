import { AppError } from '@shared/errors';
import type { CliIo } from './context';

/**
 * Reads a secret the only two ways the CLI accepts one: piped on stdin (scripts) or typed at a
 * hidden prompt (people).
 *
 * SECURITY: never from argv or an environment variable: argv is visible to every user through
 * `ps` and /proc, and both end up in shell history and CI logs.
 */
export async function readSecret(io: CliIo, prompt: string): Promise<string> {
  const secret = io.stdin.isTTY ? await promptHidden(io, prompt) : await readPiped(io);
  if (secret.trim() === '') {
    throw new AppError(
      'validation',
      io.stdin.isTTY
        ? 'No secret was entered. Paste the Server API secret key from the Authsignal portal at the prompt.'
        : 'No secret arrived on stdin. Pipe it in, e.g. printf %s "$AUTHSIGNAL_SECRET" | authdesk tenant add …',
    );
  }
  return secret;
}

/** All of stdin, minus one trailing line break (what `echo` adds). */
async function readPiped(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * A prompt on stderr that echoes nothing while the secret is typed or pasted: raw mode, so the
 * terminal does not echo, and we handle Enter, Backspace, Ctrl-C and Ctrl-D ourselves. Hand-written
 * (a few lines) rather than pulling in a prompt framework for one hidden field.
 */
function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: AppError) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) {
          return finish(new AppError('validation', 'Cancelled: nothing was changed.'));
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    // Raw mode before the prompt: anything typed as soon as the prompt shows must not be echoed.
    stdin.setRawMode?.(true);
    io.stderr.write(`${prompt} (input hidden): `);
    stdin.on('data', onData);
    stdin.resume();
  });
}
