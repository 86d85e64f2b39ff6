/** The `authdesk` CLI. TODO(#2): tenant commands. */
export function main(argv: string[]): Promise<number> {
  console.log(`authdesk ${argv.join(' ')}`);
  return Promise.resolve(0);
}
