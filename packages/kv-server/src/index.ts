// @workshop/kv-server: a local Upstash-compatible REST server and Redis-protocol server, backed
// by an exact in-memory engine or forwarding to a real Redis/Valkey.

export { createLimits, DEFAULT_LIMITS, type ServerLimits } from './limits.ts';
export {
  CommandDecoder,
  encodeCommand,
  encodeReply,
  ReplyDecoder,
  ReplyWriter,
  RespProtocolError,
} from './protocol/resp-codec.ts';
export {
  type KvServer,
  type KvServerOptions,
  PortInUseError,
  startKvServer,
  UNKNOWN_COMMAND_HINT,
} from './start.ts';
