import { InvalidGrant } from '../errors/oauth-error.ts';
import { LaunchBindingMismatch, type LaunchCodes, type LaunchRecord } from './launch-codes.ts';

/**
 * The check of a launch code that a client presents in its authorization request (SMART App
 * Launch `launch`; docs/protocol.md §3.1.1 W13, §3.3 step 6), before the interaction takes it with
 * {@link LaunchCodes.redeem}: the code must be live and issued for `client_id` (docs/protocol.md §8 items
 * 11–12). A live code in another client's hands was stolen: it is burned at once (docs/decisions-protocol.md D8),
 * so neither the thief nor the owner can use it afterwards. Every authorization server of the
 * project calls this one function.
 *
 * @throws {LaunchBindingMismatch} `client`: the code was live but issued for another client; it is now burned
 * @throws {InvalidGrant} the code is malformed, unknown, expired or already used
 */
export async function checkPresentedLaunchCode<T>(codes: LaunchCodes<T>, code: string, client_id: string): Promise<LaunchRecord<T>> {
  const record = await codes.peek(code);
  if (record === undefined) throw new InvalidGrant('launch code is invalid, expired or already used');
  if (record.binding.client_id !== client_id) {
    await codes.revoke(code); // docs/decisions-protocol.md D8: burn on a binding mismatch
    throw new LaunchBindingMismatch('client');
  }
  return record;
}
