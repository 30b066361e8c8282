import { describe, expect, it } from 'vitest';
import { ErrorReply, NULL_ARRAY, type Reply, SimpleString } from '../../src/protocol/reply.ts';
import {
  CommandDecoder,
  DEFAULT_RESP_LIMITS,
  encodeCommand,
  encodeReply,
  ReplyDecoder,
  RespProtocolError,
  splitInlineArgs,
} from '../../src/protocol/resp-codec.ts';

const b = (s: string) => Buffer.from(s, 'latin1');
const strings = (argv: Buffer[] | undefined) => argv?.map((a) => a.toString('latin1'));

describe('CommandDecoder', () => {
  it('decodes pipelined multibulk commands delivered one byte at a time', () => {
    const wire = Buffer.concat([encodeCommand(['SET', 'k', 'v']), encodeCommand(['GET', 'k'])]);
    const decoder = new CommandDecoder();
    const out: string[][] = [];
    for (const byte of wire) {
      decoder.push(Buffer.from([byte]));
      for (let argv = decoder.next(); argv !== undefined; argv = decoder.next()) {
        out.push(strings(argv)!);
      }
    }
    expect(out).toEqual([
      ['SET', 'k', 'v'],
      ['GET', 'k'],
    ]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('keeps binary arguments byte for byte', () => {
    const value = Buffer.from([0, 13, 10, 255, 128, 36]);
    const decoder = new CommandDecoder();
    decoder.push(encodeCommand(['SET', 'k', value]));
    expect(decoder.next()?.[2]).toEqual(value);
  });

  it('decodes inline commands with quotes, as telnet and redis-cli send them', () => {
    const decoder = new CommandDecoder();
    decoder.push(b('PING\r\n\r\nset "a b" \'c\\\'d\' "\\x41\\n"\n'));
    expect(strings(decoder.next())).toEqual(['PING']);
    expect(strings(decoder.next())).toEqual([]);
    expect(strings(decoder.next())).toEqual(['set', 'a b', "c'd", 'A\n']);
    expect(decoder.next()).toBeUndefined();
    expect(() => splitInlineArgs('get "unclosed')).toThrow(/unbalanced quotes/);
  });

  it('refuses oversized declared lengths before buffering anything', () => {
    const huge = new CommandDecoder();
    huge.push(b('*1\r\n$99999999999\r\n'));
    expect(() => huge.next()).toThrow(RespProtocolError);
    const many = new CommandDecoder();
    many.push(b('*99999999\r\n'));
    expect(() => many.next()).toThrow(/invalid multibulk length/);
    const notBulk = new CommandDecoder();
    notBulk.push(b('*1\r\n:1\r\n'));
    expect(() => notBulk.next()).toThrow(/expected '\$', got ':'/);
    const tooMuch = new CommandDecoder({ ...DEFAULT_RESP_LIMITS, maxCommandBytes: 200 });
    tooMuch.push(encodeCommand(['SET', 'key', 'a value longer than that']));
    expect(() => tooMuch.next()).toThrow(/command too large/);
    const longLine = new CommandDecoder();
    longLine.push(Buffer.alloc(70 * 1024, 'a'));
    expect(() => longLine.next()).toThrow(/too big inline request/);
  });

  it('reads a command of many arguments spread over many reads', () => {
    const argv = Array.from({ length: 20_000 }, (_, i) => `member:${i}`);
    const wire = encodeCommand(['SADD', 'k', ...argv]);
    const decoder = new CommandDecoder();
    let result: Buffer[] | undefined;
    for (let i = 0; i < wire.length; i += 997) {
      decoder.push(wire.subarray(i, i + 997));
      result = decoder.next() ?? result;
    }
    expect(result?.length).toBe(20_002);
    expect(result?.[20_001]?.toString()).toBe('member:19999');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('waits for a large bulk string without re-parsing every chunk', () => {
    const value = Buffer.alloc(1024 * 1024, 7);
    const wire = encodeCommand(['SET', 'k', value]);
    const decoder = new CommandDecoder();
    for (let i = 0; i < wire.length; i += 1000) {
      decoder.push(wire.subarray(i, i + 1000));
      const argv = decoder.next();
      if (i + 1000 < wire.length) expect(argv).toBeUndefined();
      else expect(argv?.[2]?.equals(value)).toBe(true);
    }
  });
});

describe('ReplyDecoder and encodeReply', () => {
  it('round-trips every reply type exactly', () => {
    const replies: Reply[] = [
      new SimpleString('OK'),
      new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'),
      42,
      -7,
      9007199254740993n,
      b('bulk \r\n with CRLF'),
      Buffer.alloc(5000, 1),
      null,
      NULL_ARRAY,
      [],
      [1, [b('x'), null, [new SimpleString('QUEUED')]], NULL_ARRAY],
    ];
    const decoder = new ReplyDecoder();
    const wire = Buffer.concat(replies.map(encodeReply));
    // Split at an awkward point to exercise partial reads.
    decoder.push(wire.subarray(0, 37));
    decoder.push(wire.subarray(37));
    for (const expected of replies) expect(decoder.next()).toEqual(expected);
    expect(decoder.next()).toBeUndefined();
  });

  it('resumes nested replies fed one byte at a time', () => {
    const replies: Reply[] = [
      [[1, [b('a'), [null, NULL_ARRAY, []]]], new SimpleString('OK')],
      b('x'.repeat(3000)),
      [new ErrorReply('ERR inside'), -1],
    ];
    const wire = Buffer.concat(replies.map(encodeReply));
    const decoder = new ReplyDecoder();
    const out: Reply[] = [];
    for (const byte of wire) {
      decoder.push(Buffer.from([byte]));
      for (let reply = decoder.next(); reply !== undefined; reply = decoder.next()) out.push(reply);
    }
    expect(out).toEqual(replies);
  });

  it('refuses replies nested deeper than the limit', () => {
    const decoder = new ReplyDecoder();
    decoder.push(b('*1\r\n'.repeat(100)));
    expect(() => decoder.next()).toThrow(/nesting too deep/);
  });

  it('keeps status lines on one line', () => {
    expect(encodeReply(new ErrorReply('ERR a\r\nb')).toString()).toBe('-ERR a b\r\n');
  });
});
