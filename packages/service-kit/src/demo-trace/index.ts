export { installDemoTrace, currentTraceId, traceOfBrowser, traceNote, TRACE_HEADER, type RecorderOptions } from './recorder.ts';
export { demoTraces, TraceStore, type Party, type Trace, type TraceExchange } from './store.ts';
export { numberedMessages, STEP_TABLE, type TraceMessage } from './steps.ts';
export { registerTraceRoutes, type TraceRoutesOptions } from './view.ts';
export { loadDemoSwitches, type DemoSwitches } from './switches.ts';
