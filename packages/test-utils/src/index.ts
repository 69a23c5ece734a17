export {
  AGENT_CHART_ID_MAX_BYTES,
  AGENT_LINE_MAX_BYTES,
  AGENT_MAX_WORDS,
  NetdataProtocolChecker,
  agentIntegerValue,
  parseNetdataStream,
  tokenizeNetdataLine,
} from './netdata-protocol.js';
export type {
  NetdataProtocolCheckerOptions,
  ParsedBlock,
  ParsedChart,
  ParsedDimension,
  ParsedStream,
  ProtocolViolation,
  ViolationCode,
  ViolationConsequence,
} from './netdata-protocol.js';
export * from './workloads.js';
export * from './collector-context.js';
export * from './fixtures.js';
export * from './kernel-inspect.js';
