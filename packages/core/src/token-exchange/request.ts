import { z } from 'zod';
import { InvalidRequest, InvalidScope, InvalidTarget, UnsupportedGrantType } from '../errors/oauth-error.ts';
import { GRANT_TYPE_TOKEN_EXCHANGE } from './constants.ts';

/** A form body as `URLSearchParams`, or as Fastify's formbody / oidc-provider give it (repeats as arrays). */
export type FormParameters = URLSearchParams | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What this endpoint accepts; the lists are allowlists (docs/security-checklists.md §2 (4), (7)). */
export interface TokenExchangePolicy {
  subjectTokenTypes: readonly string[];
  actorTokenTypes: readonly string[];
  requestedTokenTypes: readonly string[];
  /** RFC 8693 §2.1 requires `subject_token_type`; 3a-P omits it (docs/protocol.md §3.1.2 step 2, switch in §7.4). Default true. */
  requireSubjectTokenType?: boolean;
  /** Most `resource` values accepted (docs/security-checklists.md §2 (8)). Default 10. */
  maxResources?: number;
}

/** A syntactically valid RFC 8693 §2.1 request. Token contents are not validated here. */
export interface TokenExchangeRequest {
  grant_type: typeof GRANT_TYPE_TOKEN_EXCHANGE;
  subject_token: string;
  /** Absent only when the policy sets `requireSubjectTokenType: false`. */
  subject_token_type?: string;
  actor_token?: string;
  actor_token_type?: string;
  requested_token_type?: string;
  audience: string[];
  resource: string[];
  /** RFC 6749 §3.3 scope tokens, in request order, without repeats. */
  scope?: string[];
  /** Every other parameter, e.g. `client_id`, `code_verifier`, `return_url`, `client_assertion`. */
  extra: Record<string, string>;
}

// RFC 8693 §2.1: only `resource` and `audience` may be sent more than once.
const REPEATABLE = new Set(['resource', 'audience']);
const KNOWN = new Set([
  'grant_type', 'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type',
  'requested_token_type', 'scope', ...REPEATABLE,
]);

const MALFORMED = 'request parameter is malformed';
const single = z.string({ error: MALFORMED });
const multiple = z.array(z.string({ error: MALFORMED })).default([]);

// The form as `collect` leaves it: one string per parameter, `resource` and `audience` as arrays.
const TokenExchangeForm = z
  .object({
    grant_type: single.optional(),
    subject_token: single.optional(),
    subject_token_type: single.optional(),
    actor_token: single.optional(),
    actor_token_type: single.optional(),
    requested_token_type: single.optional(),
    scope: single.optional(),
    audience: multiple,
    resource: multiple,
  })
  .catchall(single);

// RFC 6749 §3.3: scope = scope-token *( SP scope-token ); scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/**
 * Parses and checks a token-exchange request body (RFC 8693 §2.1) against `policy`:
 * repeated parameters, `grant_type`, required parameters, the token-type allowlists and
 * the number of `resource` values. It does not look inside any token.
 *
 * @throws {UnsupportedGrantType} `grant_type` is not token exchange
 * @throws {InvalidRequest} any other malformed request (RFC 8693 §2.2.2, docs/decisions-protocol.md D5)
 * @throws {InvalidScope} `scope` is not RFC 6749 §3.3 syntax
 * @throws {InvalidTarget} more `resource` values than `policy.maxResources`
 */
export function parseTokenExchangeRequest(params: FormParameters, policy: TokenExchangePolicy): TokenExchangeRequest {
  const parsed = TokenExchangeForm.safeParse(collect(params));
  if (!parsed.success) throw new InvalidRequest(MALFORMED);
  const form = parsed.data;

  // docs/security-checklists.md §2 (3)
  if (form.grant_type === undefined) throw new InvalidRequest('grant_type is missing'); // RFC 6749 §5.2
  if (form.grant_type !== GRANT_TYPE_TOKEN_EXCHANGE) throw new UnsupportedGrantType('grant_type is not supported');
  if (form.subject_token === undefined) throw new InvalidRequest('subject_token is missing'); // RFC 8693 §2.1
  if (form.subject_token_type === undefined && (policy.requireSubjectTokenType ?? true)) {
    throw new InvalidRequest('subject_token_type is missing'); // RFC 8693 §2.1; docs/protocol.md §7.4 requireSubjectTokenType
  }
  // RFC 8693 §2.1: actor_token_type is "REQUIRED when the actor_token parameter is present in the request
  // but MUST NOT be included otherwise".
  if ((form.actor_token === undefined) !== (form.actor_token_type === undefined)) {
    throw new InvalidRequest('actor_token and actor_token_type must be sent together');
  }

  // docs/security-checklists.md §2 (4)
  if (form.subject_token_type !== undefined && !policy.subjectTokenTypes.includes(form.subject_token_type)) {
    throw new InvalidRequest('subject_token_type is not supported');
  }
  if (form.actor_token_type !== undefined && !policy.actorTokenTypes.includes(form.actor_token_type)) {
    throw new InvalidRequest('actor_token_type is not supported');
  }
  // docs/security-checklists.md §2 (7)
  if (form.requested_token_type !== undefined && !policy.requestedTokenTypes.includes(form.requested_token_type)) {
    throw new InvalidRequest('requested_token_type is not supported');
  }

  // docs/security-checklists.md §2 (8); RFC 8693 §2.2.2
  if (form.resource.length > (policy.maxResources ?? 10)) throw new InvalidTarget('too many resource values');

  // RFC 6749 §5.2: invalid_scope covers a "malformed" scope.
  if (form.scope !== undefined && !SCOPE.test(form.scope)) throw new InvalidScope('scope is malformed');

  const extra = Object.fromEntries(
    Object.entries(form).filter((entry): entry is [string, string] => !KNOWN.has(entry[0]) && typeof entry[1] === 'string'),
  );

  return {
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: form.subject_token,
    ...(form.subject_token_type !== undefined && { subject_token_type: form.subject_token_type }),
    ...(form.actor_token !== undefined && { actor_token: form.actor_token, actor_token_type: form.actor_token_type }),
    ...(form.requested_token_type !== undefined && { requested_token_type: form.requested_token_type }),
    audience: form.audience,
    resource: form.resource,
    ...(form.scope !== undefined && { scope: [...new Set(form.scope.split(' '))] }),
    extra,
  };
}

/** Groups the form's values by name: a string each, `resource` and `audience` an array. */
function collect(params: FormParameters): Record<string, unknown> {
  const pairs: Array<[string, unknown]> =
    params instanceof URLSearchParams
      ? [...params]
      : Object.entries(params).flatMap(([name, v]): Array<[string, unknown]> =>
          Array.isArray(v) ? v.map((one: unknown) => [name, one]) : v === undefined ? [] : [[name, v]],
        );
  const values = new Map<string, unknown[]>();
  for (const [name, value] of pairs) {
    if (value === '') continue; // RFC 6749 §3.1: "sent without a value MUST be treated as if they were omitted"
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  // RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once."
  // docs/security-checklists.md §2 (1)
  for (const [name, list] of values) {
    if (list.length > 1 && !REPEATABLE.has(name)) throw new InvalidRequest('request parameters must not be repeated');
  }
  // Object.fromEntries defines own properties, so a `__proto__` parameter cannot touch the prototype.
  return Object.fromEntries([...values].map(([name, list]) => [name, REPEATABLE.has(name) ? list : list[0]]));
}
