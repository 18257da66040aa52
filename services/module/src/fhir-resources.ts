import { z } from 'zod';

/* What the module reads: only the members it shows or decides on. */

const humanName = z.object({ text: z.string().optional(), family: z.string().optional(), given: z.array(z.string()).optional() });

export const patientSchema = z.object({
  resourceType: z.literal('Patient'),
  id: z.string(),
  name: z.array(humanName).optional(),
});
export type Patient = z.infer<typeof patientSchema>;

export const taskSchema = z.object({
  resourceType: z.literal('Task'),
  id: z.string(),
  status: z.string(),
  description: z.string().optional(),
  code: z.object({ text: z.string().optional() }).optional(),
});
export type Task = z.infer<typeof taskSchema>;

/** The patient's display name: `HumanName.text`, else given names and family name. */
export function patientDisplayName(patient: Patient): string {
  const name = patient.name?.[0];
  if (!name) return `Patient/${patient.id}`;
  return name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

/* What the module writes. */

/** A FHIR resource as JSON. */
export type FhirResource<T extends string = string> = { resourceType: T; [member: string]: unknown };

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

/** The blood-pressure form (spec: "Bloeddruk meten"); plausible ranges in mmHg, systolic above diastolic. */
export const bloodPressureForm = z
  .object({
    systolic: z.coerce.number().int().min(60).max(260),
    diastolic: z.coerce.number().int().min(30).max(160),
  })
  .refine((v) => v.systolic > v.diastolic, { message: 'systolic must exceed diastolic', path: ['systolic'] });

/** A FHIR R4 vital-signs blood pressure panel: LOINC 85354-9 with 8480-6 (systolic) and 8462-4 (diastolic). */
export function bloodPressureObservation(patientId: string, values: z.infer<typeof bloodPressureForm>, now: Date): FhirResource<'Observation'> {
  const component = (code: string, display: string, value: number) => ({
    code: { coding: [{ system: LOINC, code, display }] },
    valueQuantity: { value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
  });
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }],
      },
    ],
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }], text: 'Bloeddruk' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: now.toISOString(),
    component: [component('8480-6', 'Systolic blood pressure', values.systolic), component('8462-4', 'Diastolic blood pressure', values.diastolic)],
  };
}

/** The short questionnaire of the client_secret_basic identity: a 1–5 score and an optional remark. */
export const questionnaireForm = z.object({
  score: z.coerce.number().int().min(1).max(5),
  remark: z.string().trim().max(500).optional().default(''),
});

/** The answers as a FHIR R4 QuestionnaireResponse (status completed, authored now). */
export function questionnaireResponse(patientId: string, values: z.infer<typeof questionnaireForm>, now: Date): FhirResource<'QuestionnaireResponse'> {
  const items: object[] = [{ linkId: 'score', text: 'Hoe gaat het vandaag? (1–5)', answer: [{ valueInteger: values.score }] }];
  if (values.remark !== '') items.push({ linkId: 'remark', text: 'Toelichting', answer: [{ valueString: values.remark }] });
  return {
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    subject: { reference: `Patient/${patientId}` },
    authored: now.toISOString(),
    item: items,
  };
}

/** A FHIRPath Patch (FHIR R4 "FHIRPath Patch") replacing `Task.status` (docs/protocol.md §4.8). */
export function taskStatusPatch(status: string): { resourceType: 'Parameters'; parameter: object[] } {
  return {
    resourceType: 'Parameters',
    parameter: [
      {
        name: 'operation',
        part: [
          { name: 'type', valueCode: 'replace' },
          { name: 'path', valueString: 'Task.status' },
          { name: 'value', valueCode: status },
        ],
      },
    ],
  };
}

/**
 * Terugkeer step 1 (docs/protocol.md §4.6, §4.8): one FHIRPath Patch that completes the Task and adds a
 * `Task.output` referencing the recorded result.
 */
export function taskCompletionPatch(outputReference: string, outputType: string): { resourceType: 'Parameters'; parameter: object[] } {
  const patch = taskStatusPatch('completed');
  patch.parameter.push({
    name: 'operation',
    part: [
      { name: 'type', valueCode: 'add' },
      { name: 'path', valueString: 'Task' },
      { name: 'name', valueString: 'output' },
      {
        name: 'value',
        part: [
          { name: 'type', valueCodeableConcept: { text: outputType } },
          { name: 'valueReference', valueReference: { reference: outputReference } },
        ],
      },
    ],
  });
  return patch;
}
