// What the REST no-op servers answer (throughput.ts's plain one, and rest-noop-server.ts): the
// JSON kv-server sends for POST / INCR and for a /pipeline of ten INCRs, byte for byte in size.

export const NOOP_SINGLE_REPLY = '{"result":1}';
export const NOOP_PIPELINE_REPLY = `[${Array.from({ length: 10 }, (_, i) => `{"result":${i + 1}}`).join(',')}]`;
