export { createTerminalOutput } from './output.js';
export { fit, formatValue, renderFrame, renderScreen, screenUpdate } from './render.js';
export { applyFrame, createTerminalState, forgetChart } from './state.js';
export type { ChartView, TerminalState } from './state.js';
export type { RenderOptions, TerminalOutputOptions } from './types.js';
