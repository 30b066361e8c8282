// The kv-server CLI as a process of its own for the benchmarks (run.ts, throughput.ts,
// ratelimit.ts), so its memory and CPU are its own: REST on a free port, token `bench`.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/kv-server.mjs', import.meta.url));

/**
 * Starts it with `args` after the REST port and the token (`--resp-port 0`, `--forward-to
 * <url>`...); resolves once it prints that it is listening, with its URLs and a stop. `bin` is
 * another build's bin/kv-server.mjs, to compare with (rest-cpu.ts's BENCH_KV_BIN_2).
 */
export async function startKvProcess(args: string[], bin = BIN) {
  const child = spawn(process.execPath, [bin, '--rest-port', '0', '--token', 'bench', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += String(chunk);
      if (text.includes('Ctrl+C')) resolve(text);
    });
    child.once('exit', () => reject(new Error(`kv-server exited:\n${text}`)));
  });
  const respUrl = /Redis \(RESP\)\s+(\S+)/.exec(out)?.[1] ?? '';
  return {
    restUrl: /Upstash REST\s+(\S+)/.exec(out)?.[1] ?? '',
    /** '' and 0 when RESP is off. */
    respUrl,
    respPort: respUrl ? Number(new URL(respUrl).port) : 0,
    pid: child.pid ?? 0,
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}
