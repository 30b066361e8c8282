// RESP3 in the codec: every type Redis 7 sends decodes to the engine's reply types and encodes
// back to the same bytes (forwarding passes RESP3 through unchanged), whatever the read sizes;
// a RESP2 writer sends each type's RESP2 form.

import { describe, expect, it } from 'vitest';
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  PushReply,
  type Reply,
  SetReply,
  VerbatimReply,
} from '../../src/protocol/reply.ts';
import {
  encodeReply,
  encodeResp3,
  ReplyDecoder,
  RespProtocolError,
} from '../../src/protocol/resp-codec.ts';

const WIRE = [
  '_\r\n',
  '%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n%1\r\n$1\r\na\r\n~2\r\n:1\r\n,2.5\r\n',
  '~0\r\n',
  ',1.1000000000000001\r\n',
  ',-inf\r\n',
  ',nan\r\n',
  '#t\r\n',
  '#f\r\n',
  '=15\r\ntxt:Some string\r\n',
  '>3\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n_\r\n',
  '*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n',
  '(3492890328409238509324850943850943825024385\r\n',
  '!21\r\nSYNTAX invalid syntax\r\n',
  '%0\r\n',
];

function decodeAll(wire: Buffer, chunk: number): Reply[] {
  const decoder = new ReplyDecoder();
  const out: Reply[] = [];
  for (let i = 0; i < wire.length; i += chunk) {
    decoder.push(wire.subarray(i, i + chunk));
    for (let r = decoder.next(); r !== undefined; r = decoder.next()) out.push(r);
  }
  return out;
}

describe('RESP3 codec', () => {
  it('decodes every RESP3 type and re-encodes the same bytes, in any chunking', () => {
    const wire = Buffer.from(WIRE.join(''), 'latin1');
    for (const chunk of [1, 3, 7, wire.length]) {
      const replies = decodeAll(wire, chunk);
      expect(replies).toHaveLength(WIRE.length);
      // The blob error and the big number have no engine type of their own: they come back as
      // a simple error and an integer, the forms Redis uses for them in RESP2.
      const expected = WIRE.map((w) =>
        w.startsWith('!')
          ? '-SYNTAX invalid syntax\r\n'
          : w.startsWith('(')
            ? ':3492890328409238509324850943850943825024385\r\n'
            : w,
      );
      expect(replies.map((r) => encodeResp3(r).toString('latin1'))).toEqual(expected);
    }
  });

  it('gives the engine types', () => {
    const [nil, map, , double, , , yes, no, verbatim, push] = decodeAll(
      Buffer.from(WIRE.join(''), 'latin1'),
      64,
    );
    expect(nil).toBeNull();
    expect(map).toBeInstanceOf(MapReply);
    expect(((map as MapReply).entries[1]![1] as MapReply).entries[0]![1]).toBeInstanceOf(SetReply);
    expect((double as DoubleReply).value).toBeCloseTo(1.1);
    expect(yes).toEqual(new BoolReply(true, 1));
    expect(no).toEqual(new BoolReply(false, 0));
    expect((verbatim as VerbatimReply).text.toString()).toBe('Some string');
    expect(push).toBeInstanceOf(PushReply);
  });

  it('a RESP2 writer sends the RESP2 forms', () => {
    const map = new MapReply([[Buffer.from('f'), new DoubleReply(2.5, Buffer.from('2.5'))]]);
    expect(encodeReply(map).toString()).toBe('*2\r\n$1\r\nf\r\n$3\r\n2.5\r\n');
    expect(encodeReply(new SetReply([1])).toString()).toBe('*1\r\n:1\r\n');
    expect(encodeReply(new BoolReply(false, null)).toString()).toBe('$-1\r\n');
    expect(encodeReply(new VerbatimReply(Buffer.from('hi'))).toString()).toBe('$2\r\nhi\r\n');
    expect(encodeReply(null).toString()).toBe('$-1\r\n');
    expect(encodeResp3(new ErrorReply('ERR x')).toString()).toBe('-ERR x\r\n');
  });

  it('refuses malformed RESP3', () => {
    for (const bad of ['#x\r\n', '%-1\r\n', '(12a\r\n']) {
      const decoder = new ReplyDecoder();
      decoder.push(Buffer.from(bad));
      expect(() => decoder.next(), bad).toThrow(RespProtocolError);
    }
  });
});
