/**
 * Task status changes by the module (docs/protocol.md §4.8): a FHIRPath Patch (FHIR R4 §3.1.0.6.2,
 * "FHIRPath Patch") of which exactly two operations are allowed (docs/protocol.md §8 item 21 [impl]):
 *
 * - `replace` at `Task.status` with a `valueCode`, along the configured lifecycle;
 * - `add` at `Task`, name `output`, a value with parts `type` and `valueReference`.
 *
 * A body that is not a well-formed FHIRPath Patch is 400; a well-formed operation that is not
 * allowed, or a forbidden transition, is 422 `business-rule` (docs/protocol.md §4.8).
 */
import { FhirError } from '@koppelmij/core/errors';
import type { TaskTransitions } from './config.ts';
import { isObject, splitReference, type FhirResource } from './data/resource.ts';

/** FHIR R4 TaskStatus (http://hl7.org/fhir/task-status). */
const TASK_STATUS = new Set([
  'draft', 'requested', 'received', 'accepted', 'rejected', 'ready', 'cancelled',
  'in-progress', 'on-hold', 'failed', 'completed', 'entered-in-error',
]);

/** FHIRPath Patch operation types and the parts an operation may carry. */
const OPERATION_TYPES = new Set(['add', 'insert', 'delete', 'replace', 'move']);
const OPERATION_PARTS = new Set(['type', 'path', 'name', 'value', 'index', 'source', 'destination']);

interface Operation {
  type: string;
  path: string;
  name?: string;
  value?: Record<string, unknown>;
}

const malformed = (diagnostics: string) => new FhirError(400, 'invalid', diagnostics);
const forbidden = (diagnostics: string) => new FhirError(422, 'business-rule', diagnostics);

/**
 * Applies a FHIRPath Patch `body` to `task` and returns the patched copy; `task` is unchanged.
 *
 * @param transitions the allowed status changes, `from → [to, …]`.
 * @throws FhirError 400 `invalid` for a malformed patch; 422 `business-rule` for a disallowed
 *   operation or status transition.
 */
export function applyTaskPatch(task: FhirResource, body: unknown, transitions: TaskTransitions, now: Date = new Date()): FhirResource {
  const patched = structuredClone(task);
  for (const operation of parseOperations(body)) {
    if (operation.type === 'replace' && operation.path === 'Task.status' && operation.name === undefined) {
      replaceStatus(patched, operation, transitions);
    } else if (operation.type === 'add' && operation.path === 'Task' && operation.name === 'output') {
      addOutput(patched, operation);
    } else {
      // docs/protocol.md §8 item 21: nothing but Task.status and Task.output
      throw forbidden(`${operation.type} at ${operation.path} is not allowed`);
    }
  }
  patched.lastModified = now.toISOString();
  return patched;
}

function replaceStatus(task: FhirResource, operation: Operation, transitions: TaskTransitions): void {
  const to = operation.value?.valueCode;
  if (typeof to !== 'string') throw malformed('Task.status takes a valueCode');
  if (!TASK_STATUS.has(to)) throw new FhirError(400, 'value', 'unknown Task status');
  const from = typeof task.status === 'string' ? task.status : '';
  // docs/protocol.md §4.8: "422 for a transition the DVA's business rules forbid"
  const allowed = Object.hasOwn(transitions, from) ? transitions[from]! : [];
  if (!allowed.includes(to)) throw forbidden(`Task status may not change from ${from || '(none)'} to ${to}`);
  task.status = to;
}

function addOutput(task: FhirResource, operation: Operation): void {
  const parts = operation.value?.part;
  if (!Array.isArray(parts)) throw malformed('Task.output takes a value with parts');
  const output: Record<string, unknown> = {};
  for (const part of parts) {
    // FHIRPath Patch: a complex value has one part per child element, each carrying its value as value[x]
    const values = isObject(part) ? Object.keys(part).filter((k) => /^value[A-Z]/.test(k)) : [];
    if (!isObject(part) || typeof part.name !== 'string' || part.name in output || values.length !== 1) {
      throw malformed('Task.output value parts are malformed');
    }
    output[part.name] = part[values[0]!];
  }
  const names = Object.keys(output).sort().join(',');
  if (names !== 'type,valueReference') {
    // docs/protocol.md §4.8: an output is a `type` and a `valueReference` to the result resource
    throw forbidden('Task.output must consist of type and valueReference');
  }
  if (!isObject(output.type)) throw malformed('Task.output.type must be a CodeableConcept');
  const reference = isObject(output.valueReference) ? output.valueReference.reference : undefined;
  if (typeof reference !== 'string' || splitReference(reference) === undefined) {
    throw malformed('Task.output.valueReference must be a relative reference Type/id');
  }
  task.output = [...(Array.isArray(task.output) ? task.output : []), { type: output.type, valueReference: output.valueReference }];
}

/** FHIR R4 §3.1.0.6.2: a Parameters resource, one `operation` parameter per change. */
function parseOperations(body: unknown): Operation[] {
  if (!isObject(body) || body.resourceType !== 'Parameters') throw malformed('a FHIRPath Patch is a Parameters resource');
  const { parameter } = body;
  if (!Array.isArray(parameter) || parameter.length === 0) throw malformed('the patch has no operations');
  return parameter.map((p: unknown) => {
    if (!isObject(p) || p.name !== 'operation' || !Array.isArray(p.part)) throw malformed('every parameter must be an operation');
    const parts = new Map<string, Record<string, unknown>>();
    for (const part of p.part) {
      if (!isObject(part) || typeof part.name !== 'string' || !OPERATION_PARTS.has(part.name) || parts.has(part.name)) {
        throw malformed('an operation part is malformed, unknown or repeated');
      }
      parts.set(part.name, part);
    }
    const type = parts.get('type')?.valueCode;
    const path = parts.get('path')?.valueString;
    if (typeof type !== 'string' || !OPERATION_TYPES.has(type)) throw malformed('an operation needs a type');
    if (typeof path !== 'string' || path === '') throw malformed('an operation needs a path');
    const name = parts.get('name')?.valueString;
    if (name !== undefined && typeof name !== 'string') throw malformed('an operation name is a valueString');
    const value = parts.get('value');
    return { type, path, ...(name !== undefined && { name }), ...(value && { value }) };
  });
}
