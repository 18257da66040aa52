/**
 * The broken links of the launch chain (docs/protocol.md §6.6), each named for the person who sees it
 * (docs/protocol.md §8 item 25).
 */

export type LaunchChainErrorCode =
  | 'task_not_found'
  | 'task_without_activity_definition'
  | 'activity_definition_not_found'
  | 'activity_definition_without_endpoint'
  | 'endpoint_not_found'
  | 'endpoint_inactive'
  | 'endpoint_without_address'
  | 'endpoint_address_not_allowed'
  | 'endpoint_without_client_id';

/** A missing or unusable link between a Task and its module (docs/protocol.md §6.6, §8 item 25). */
export class LaunchChainError extends Error {
  readonly code: LaunchChainErrorCode;

  constructor(code: LaunchChainErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}
