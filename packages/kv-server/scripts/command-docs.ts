// Regenerates src/engine/command-docs.json from a running Redis 7 (the release the engine
// follows): every command's COMMAND INFO entry (flags, key positions, key specs, subcommands)
// and COMMAND DOCS entry (summary, since, group, arguments), read over RESP3 so maps, sets and
// status strings keep their type. COMMAND INFO / DOCS / GETKEYS serve these for every command
// the engine has, so redis-cli's hints and client libraries see exactly what Redis would say.
//
//   pnpm --filter @workshop/kv-server exec tsx scripts/command-docs.ts [redis://127.0.0.1:6379]

import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { toTyped } from '../src/engine/command-docs.ts';
import type { Reply } from '../src/protocol/reply.ts';
import { encodeCommand, ReplyDecoder } from '../src/protocol/resp-codec.ts';

const url = new URL(process.argv[2] ?? 'redis://127.0.0.1:6379');
const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
const decoder = new ReplyDecoder({ maxDepth: 64, maxArrayLength: 1 << 20 });
const waiting: ((reply: Reply) => void)[] = [];
socket.on('data', (chunk: Buffer) => {
  decoder.push(chunk);
  for (let r = decoder.next(); r !== undefined; r = decoder.next()) waiting.shift()?.(r);
});
const call = (...argv: string[]) =>
  new Promise<Reply>((resolve) => {
    waiting.push(resolve);
    socket.write(encodeCommand(argv));
  });

await call('HELLO', '3');
const info = (await call('COMMAND')) as Reply[];
const docs = await call('COMMAND', 'DOCS');
const out = { info: info.map(toTyped), docs: toTyped(docs) };
const file = join(import.meta.dirname, '..', 'src', 'engine', 'command-docs.json');
writeFileSync(file, `${JSON.stringify(out)}\n`);
console.log(`wrote ${info.length} commands to ${file}`);
socket.destroy();
