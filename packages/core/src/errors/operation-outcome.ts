/**
 * FHIR R4 OperationOutcome (https://hl7.org/fhir/R4/operationoutcome.html) for resource-server errors.
 */

/** A subset of the R4 `issue-type` value set used by this project. */
export type IssueType =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'not-found'
  | 'not-supported'
  | 'business-rule'
  | 'conflict'
  | 'processing'
  | 'exception'
  | 'throttled'
  | 'transient';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ severity: 'fatal' | 'error' | 'warning' | 'information'; code: IssueType; diagnostics?: string }>;
}

export function operationOutcome(code: IssueType, diagnostics?: string, severity: 'fatal' | 'error' | 'warning' | 'information' = 'error'): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, ...(diagnostics && { diagnostics }) }] };
}

/** An error a FHIR server answers with `status` and an OperationOutcome body. */
export class FhirError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;

  constructor(status: number, code: IssueType, diagnostics: string) {
    super(diagnostics);
    this.name = 'FhirError';
    this.status = status;
    this.outcome = operationOutcome(code, diagnostics);
  }
}
