// Upstash accepts a Lua shebang flag that plain Redis and Valkey reject:
// `#!lua flags=allow-key-locking` (@upstash/ratelimit's scripts start with it). Forwarding
// strips that flag. The client still refers to scripts by the SHA1 of the text it sent, so the
// SHA of each stripped script is remembered and EVALSHA / SCRIPT EXISTS are translated.

import { createHash } from 'node:crypto';
import type { Reply } from '../protocol/reply.ts';

const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking']);

/** The script without Upstash-only shebang flags, or undefined when there is nothing to strip. */
export function stripUpstashFlags(script: Buffer): Buffer | undefined {
  if (script[0] !== 35 /* # */ || script[1] !== 33 /* ! */) return undefined;
  const newline = script.indexOf(10);
  const lineEnd = newline === -1 ? script.length : newline;
  const line = script.toString('latin1', 0, lineEnd);
  let changed = false;
  const words = line.split(/\s+/).flatMap((word) => {
    if (!word.startsWith('flags=')) return [word];
    const flags = word.slice(6).split(',');
    const kept = flags.filter((flag) => !UPSTASH_ONLY_FLAGS.has(flag));
    if (kept.length === flags.length) return [word];
    changed = true;
    return kept.length > 0 && kept.some((f) => f !== '') ? [`flags=${kept.join(',')}`] : [];
  });
  if (!changed) return undefined;
  return Buffer.concat([Buffer.from(words.join(' '), 'latin1'), script.subarray(lineEnd)]);
}

export function sha1(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Rewrites script commands on their way to the backend; one per forwarding backend. */
export class ScriptRewriter {
  /** SHA1 of the text the client sent -> SHA1 of the stripped text the backend knows. */
  private readonly shas = new Map<string, string>();

  /**
   * The argv to send, plus (for SCRIPT LOAD of a stripped script) the SHA the client expects
   * back instead of the backend's.
   */
  rewrite(argv: Buffer[]): { argv: Buffer[]; replySha?: string } {
    const name = argv[0]?.toString('latin1').toLowerCase();
    if ((name === 'eval' || name === 'eval_ro') && argv[1] !== undefined) {
      const stripped = this.strip(argv[1]);
      if (stripped) return { argv: [argv[0]!, stripped, ...argv.slice(2)] };
    } else if ((name === 'evalsha' || name === 'evalsha_ro') && argv[1] !== undefined) {
      const mapped = this.shas.get(argv[1].toString('latin1').toLowerCase());
      if (mapped) return { argv: [argv[0]!, Buffer.from(mapped), ...argv.slice(2)] };
    } else if (name === 'script' && argv.length >= 3) {
      const sub = argv[1]!.toString('latin1').toLowerCase();
      if (sub === 'load') {
        const stripped = this.strip(argv[2]!);
        if (stripped) return { argv: [argv[0]!, argv[1]!, stripped], replySha: sha1(argv[2]!) };
      } else if (sub === 'exists') {
        const shas = argv.slice(2).map((sha) => {
          const mapped = this.shas.get(sha.toString('latin1').toLowerCase());
          return mapped ? Buffer.from(mapped) : sha;
        });
        return { argv: [argv[0]!, argv[1]!, ...shas] };
      }
    }
    return { argv };
  }

  /** Replaces SCRIPT LOAD's reply with the SHA of the script as the client sent it. */
  fixReply(reply: Reply, replySha: string | undefined): Reply {
    return replySha !== undefined && Buffer.isBuffer(reply) ? Buffer.from(replySha) : reply;
  }

  private strip(script: Buffer): Buffer | undefined {
    const stripped = stripUpstashFlags(script);
    if (stripped) this.shas.set(sha1(script), sha1(stripped));
    return stripped;
  }
}
