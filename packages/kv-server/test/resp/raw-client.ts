// A raw RESP client for the protocol tests: sends commands, and gives back each reply both
// decoded and as the exact bytes the server sent (re-encoding a decoded reply gives the same
// bytes: the decoder keeps every RESP3 type, doubles with their text).

import { connect, type Socket } from 'node:net';
import type { Reply } from '../../src/protocol/reply.ts';
import { encodeCommand, encodeResp3, ReplyDecoder } from '../../src/protocol/resp-codec.ts';

export type Arg = string | number | Buffer;

export class RawClient {
  private readonly decoder = new ReplyDecoder({ maxDepth: 64 });
  private readonly waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  /** Out-of-band pushes received (RESP3 `>`), when no reply was waited for. */
  readonly pushes: Reply[] = [];
  /** Bytes received since the last `callRaw` started. */
  private received: Buffer[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.decoder.push(chunk);
      for (let reply = this.decoder.next(); reply !== undefined; reply = this.decoder.next()) {
        const waiter = this.waiting.shift();
        if (waiter) waiter.resolve(reply);
        else this.pushes.push(reply);
      }
    });
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('connection closed')));
  }

  static connect(url: string): Promise<RawClient> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends every command in one write; resolves with the replies in order. */
  pipeline(commands: readonly Arg[][]): Promise<Reply[]> {
    const replies = commands.map(
      () => new Promise<Reply>((resolve, reject) => this.waiting.push({ resolve, reject })),
    );
    this.socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
    return Promise.all(replies);
  }

  /** Sends commands whose replies nobody waits for (CLIENT REPLY OFF ...): any lands in `pushes`. */
  writeOnly(commands: readonly Arg[][]): void {
    this.socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
  }

  async call(...argv: Arg[]): Promise<Reply> {
    return (await this.pipeline([argv]))[0] as Reply;
  }

  /** One command, alone on the wire: its reply and the exact bytes the server sent for it. */
  async callRaw(...argv: Arg[]): Promise<{ reply: Reply; bytes: string }> {
    this.received = [];
    const reply = await this.call(...argv);
    const bytes = Buffer.concat(this.received).toString('latin1').replaceAll('\r\n', '⏎');
    return { reply, bytes };
  }

  close(): void {
    this.socket.destroy();
  }

  private failAll(error: Error): void {
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}

/** A reply as the RESP3 bytes it arrived as, latin1, CRLF shown as `⏎` for readable diffs. */
export function resp3Text(reply: Reply): string {
  return encodeResp3(reply).toString('latin1').replaceAll('\r\n', '⏎');
}
