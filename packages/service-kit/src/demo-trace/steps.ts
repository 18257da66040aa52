import type { Party, TraceExchange } from './store.ts';

/*
 * The step table: which message of a launch is which step of docs/protocol.md (docs/decisions.md
 * I140). 3a-W numbers its messages W0–W18 (docs/protocol.md §3.1.1, docs/option-3a.md); the other
 * options by the steps of their section: 1 §3.2, 2a §3.3 ("2a-4" is its step 4), 2b §3.4 (sharing
 * 2a's steps 1–8), 3b §3.5. 3a-P (§3.1.2) is recorded but not numbered.
 * Each row describes the exchange (who asked whom, method, path, parameters, where a redirect
 * went) and which of its two messages (request or response) is the step. First match wins.
 * `phase` limits a row to messages after the named steps (oidc-provider's interaction hops and
 * DigiD belong to W4 or W13 by when they happen). Messages no row matches, and error answers
 * (4xx, 5xx), carry no number.
 */

export interface TraceMessage {
  kind: 'request' | 'response';
  from: Party;
  to: Party;
  at: number;
  exchange: TraceExchange;
  step?: string;
}

interface StepRow {
  options: readonly string[];
  kind: 'request' | 'response';
  from?: Party;
  to?: Party | readonly Party[];
  method?: string;
  path?: RegExp;
  /** A parameter the query or form body carries. */
  param?: string;
  grant?: 'token-exchange' | 'authorization_code';
  location?: { party: Party; path: RegExp };
  phase?: readonly string[];
  step: string;
}

const CHAIN = /\/(Task|ActivityDefinition|Endpoint)(\/|$)/;
const START = /^\/dossier\/[^/]+\/tasks\/[^/]+\/start$/;
const MODULE_LAUNCH = /^\/m\/[^/]+\/launch$/;
const MODULE_CALLBACK = /^\/m\/[^/]+\/callback$/;
const INTERACTION = /^\/(interaction|as\/interaction|authorize|digid|auth)\b/;
const A3 = ['3a'];
const A2 = ['2a', '2b'];

export const STEP_TABLE: readonly StepRow[] = [
  // option 3a-W (docs/protocol.md §3.1.1)
  { options: A3, kind: 'request', from: 'browser', to: 'pgo', method: 'POST', path: START, step: 'W0' },
  { options: [...A3, ...A2, '1', '3b'], kind: 'request', from: 'pgo', to: 'dvaFhir', method: 'GET', path: CHAIN, step: 'W0' },
  { options: A3, kind: 'request', from: 'pgo', to: 'dvaAuth', method: 'POST', path: /^\/par$/, step: 'W1' },
  { options: A3, kind: 'response', from: 'pgo', to: 'dvaAuth', method: 'POST', path: /^\/par$/, step: 'W2' },
  { options: A3, kind: 'response', from: 'browser', to: 'pgo', path: START, location: { party: 'dvaAuth', path: /^\/authorize$/ }, step: 'W3' },
  { options: A3, kind: 'request', from: 'browser', to: 'dvaAuth', path: /^\/authorize$/, param: 'request_uri', step: 'W4' },
  { options: A3, kind: 'response', from: 'browser', to: 'dvaAuth', location: { party: 'pgo', path: /^\/callback_stepup$/ }, step: 'W5' },
  { options: A3, kind: 'request', from: 'browser', to: 'dvaAuth', path: INTERACTION, phase: ['W3', 'W4'], step: 'W4' },
  { options: A3, kind: 'request', from: 'browser', to: 'pgo', path: /^\/callback_stepup$/, step: 'W6' },
  { options: A3, kind: 'request', from: 'pgo', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'token-exchange', step: 'W7' },
  { options: A3, kind: 'response', from: 'pgo', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'token-exchange', step: 'W8' },
  { options: A3, kind: 'response', from: 'browser', to: 'pgo', path: /^\/callback_stepup$/, step: 'W9' },
  { options: A3, kind: 'request', from: 'browser', to: 'module', path: MODULE_LAUNCH, step: 'W10' },
  { options: A3, kind: 'request', from: 'module', to: 'dvaFhir', path: /\/\.well-known\/smart-configuration$/, step: 'W11' },
  { options: A3, kind: 'response', from: 'browser', to: 'module', path: MODULE_LAUNCH, location: { party: 'dvaAuth', path: /^\/authorize$/ }, step: 'W12' },
  { options: A3, kind: 'request', from: 'browser', to: 'dvaAuth', path: /^\/authorize$/, param: 'launch', step: 'W13' },
  { options: A3, kind: 'response', from: 'browser', to: 'dvaAuth', location: { party: 'module', path: MODULE_CALLBACK }, step: 'W14' },
  { options: A3, kind: 'request', from: 'browser', to: ['dvaAuth', 'digid'], phase: ['W12', 'W13'], step: 'W13' },
  { options: A3, kind: 'request', from: 'browser', to: 'module', path: MODULE_CALLBACK, step: 'W15' },
  { options: A3, kind: 'request', from: 'module', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'authorization_code', step: 'W16' },
  { options: A3, kind: 'response', from: 'module', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'authorization_code', step: 'W17' },
  { options: A3, kind: 'request', from: 'module', to: 'dvaFhir', path: /^\/fhir\/(?!\.well-known)/, step: 'W18' },

  // options 2a/2b (docs/protocol.md §3.3, §3.4): "{o}-4" is step 4 of the launch's option; 2b shares steps 1–8 with 2a
  { options: A2, kind: 'request', from: 'browser', to: 'pgo', method: 'POST', path: START, step: '{o}-3' },
  { options: A2, kind: 'response', from: 'browser', to: 'pgo', path: START, location: { party: 'module', path: MODULE_LAUNCH }, step: '{o}-4' },
  { options: A2, kind: 'request', from: 'browser', to: 'module', path: MODULE_LAUNCH, step: '{o}-4' },
  { options: A2, kind: 'request', from: 'module', to: 'pgo', path: /\/\.well-known\/smart-configuration$/, step: '{o}-4' },
  { options: A2, kind: 'response', from: 'browser', to: 'module', path: MODULE_LAUNCH, location: { party: 'pgo', path: /^\/authorize$/ }, step: '{o}-6' },
  { options: A2, kind: 'response', from: 'browser', to: 'pgo', location: { party: 'module', path: MODULE_CALLBACK }, step: '{o}-7' },
  { options: A2, kind: 'request', from: 'browser', to: 'pgo', path: INTERACTION, phase: ['{o}-6', '{o}-7'], step: '{o}-7' },
  { options: A2, kind: 'request', from: 'browser', to: 'module', path: MODULE_CALLBACK, step: '{o}-8' },
  { options: A2, kind: 'request', from: 'module', to: 'pgo', method: 'POST', path: /^\/token$/, step: '{o}-8' },
  { options: ['2a'], kind: 'request', from: 'pgo', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'token-exchange', step: '2a-9' },
  { options: ['2a'], kind: 'response', from: 'pgo', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'token-exchange', step: '2a-10' },
  { options: ['2a'], kind: 'response', from: 'module', to: 'pgo', method: 'POST', path: /^\/token$/, step: '2a-11' },
  { options: ['2a'], kind: 'request', from: 'module', to: 'dvaFhir', path: /^\/fhir\/(?!\.well-known)/, step: '2a-12' },
  { options: ['2b'], kind: 'request', from: 'pgo', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'token-exchange', step: '2b-9' },
  { options: ['2b'], kind: 'response', from: 'module', to: 'pgo', method: 'POST', path: /^\/token$/, step: '2b-10' },
  { options: ['2b'], kind: 'request', from: 'module', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'token-exchange', step: '2b-11' },
  { options: ['2b'], kind: 'response', from: 'module', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'token-exchange', step: '2b-12' },
  { options: ['2b'], kind: 'request', from: 'module', to: 'dvaFhir', path: /^\/fhir\/(?!\.well-known)/, step: '2b-13' },

  // option 1 (docs/protocol.md §3.2): "1-4" is its step 4
  { options: ['1'], kind: 'request', from: 'browser', to: 'pgo', method: 'POST', path: START, step: '1-3' },
  { options: ['1'], kind: 'response', from: 'browser', to: 'pgo', path: START, location: { party: 'dvaAuth', path: /^\/authorize$/ }, step: '1-4' },
  { options: ['1'], kind: 'response', from: 'browser', to: 'dvaAuth', location: { party: 'pgo', path: /^\/callback_option1$/ }, step: '1-6' },
  { options: ['1'], kind: 'request', from: 'browser', to: ['dvaAuth', 'digid'], phase: ['1-4', '1-5'], step: '1-5' },
  { options: ['1'], kind: 'request', from: 'pgo', to: 'dvaAuth', method: 'POST', path: /^\/token$/, step: '1-7' },
  { options: ['1'], kind: 'response', from: 'browser', to: 'pgo', path: /^\/callback_option1$/, step: '1-8' },
  { options: ['1', '3b'], kind: 'response', from: 'browser', to: 'dvaAuth', location: { party: 'module', path: MODULE_CALLBACK }, step: '{o}-10' },
  { options: ['1', '3b'], kind: 'request', from: 'browser', to: 'module', path: MODULE_LAUNCH, step: '{o}-8' },
  { options: ['1', '3b'], kind: 'response', from: 'browser', to: 'module', path: MODULE_LAUNCH, location: { party: 'dvaAuth', path: /^\/authorize$/ }, step: '{o}-9' },
  { options: ['1', '3b'], kind: 'request', from: 'browser', to: ['dvaAuth', 'digid'], phase: ['{o}-9'], step: '{o}-9' },
  { options: ['1', '3b'], kind: 'request', from: 'module', to: 'dvaAuth', method: 'POST', path: /^\/token$/, grant: 'authorization_code', step: '{o}-11' },
  { options: ['3b'], kind: 'request', from: 'module', to: 'dvaFhir', path: /^\/fhir\/(?!\.well-known)/, step: '3b-11' },

  // option 3b (docs/protocol.md §3.5)
  { options: ['3b'], kind: 'request', from: 'browser', to: 'pgo', method: 'POST', path: START, step: '3b-3' },
  { options: ['3b'], kind: 'response', from: 'browser', to: 'pgo', path: START, step: '3b-4' },
  { options: ['3b'], kind: 'request', from: 'browser', to: 'dvaAuth', path: /^\/launch-module$/, step: '3b-5' },
  { options: ['3b'], kind: 'request', from: 'browser', to: ['dvaAuth', 'digid'], phase: ['3b-5'], step: '3b-5' },
  { options: ['3b'], kind: 'response', from: 'browser', to: 'dvaAuth', location: { party: 'module', path: MODULE_LAUNCH }, step: '3b-7' },
];

const GRANTS = { 'token-exchange': 'urn:ietf:params:oauth:grant-type:token-exchange', authorization_code: 'authorization_code' };

function matches(row: StepRow, message: TraceMessage, option: string, phase: string | undefined): boolean {
  const e = message.exchange;
  if (!row.options.includes(option) || row.kind !== message.kind) return false;
  // a refusal (a DPoP nonce challenge, an error) is shown, but it is no step of the protocol
  if (message.kind === 'response' && e.status >= 400) return false;
  if (row.from !== undefined && row.from !== e.from) return false;
  if (row.to !== undefined && ![row.to].flat().includes(e.to)) return false;
  if (row.method !== undefined && row.method !== e.method) return false;
  if (row.path !== undefined && !row.path.test(e.path)) return false;
  if (row.param !== undefined && !e.facts.params.includes(row.param)) return false;
  if (row.grant !== undefined && e.facts.grant_type !== GRANTS[row.grant]) return false;
  if (row.location !== undefined && !(e.facts.locationParty === row.location.party && row.location.path.test(e.facts.locationPath ?? ''))) return false;
  return row.phase === undefined || (phase !== undefined && row.phase.map((p) => p.replace('{o}', option)).includes(phase));
}

/** The messages of a trace in the order they were sent, each with its step where the table knows it. */
export function numberedMessages(exchanges: readonly TraceExchange[], option: string | undefined): TraceMessage[] {
  const messages: TraceMessage[] = exchanges.flatMap((exchange) => [
    { kind: 'request' as const, from: exchange.from, to: exchange.to, at: exchange.startedAt, exchange },
    { kind: 'response' as const, from: exchange.to, to: exchange.from, at: exchange.endedAt, exchange },
  ]);
  messages.sort((a, b) => a.at - b.at || a.exchange.seq - b.exchange.seq);
  let phase: string | undefined;
  for (const message of messages) {
    const row = option === undefined ? undefined : STEP_TABLE.find((r) => matches(r, message, option, phase));
    if (row !== undefined) {
      message.step = row.step.replace('{o}', option!);
      phase = message.step;
    }
  }
  return messages;
}
