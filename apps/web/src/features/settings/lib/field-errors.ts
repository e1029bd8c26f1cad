/**
 * A failed mutation's messages by input field, as the API sends them (a 400's `data.zodError.fieldErrors`,
 * from zod or an `InputError` such as "this is the last admin" on `role`), and the rest as one form-level
 * message. Forms show each field's message beside that field.
 */
export interface FormErrors {
  fields: Record<string, string>;
  form: string | null;
}

const NONE: FormErrors = { fields: {}, form: null };

export function formErrors(error: unknown): FormErrors {
  if (error === null || error === undefined) return NONE;
  const data = (error as { data?: { zodError?: { fieldErrors?: Record<string, unknown>; formErrors?: unknown } | null } }).data;
  const fields: Record<string, string> = {};
  for (const [field, messages] of Object.entries(data?.zodError?.fieldErrors ?? {})) {
    const list = Array.isArray(messages) ? messages.filter((m): m is string => typeof m === "string") : [];
    if (list.length > 0) fields[field] = list.join("; ");
  }
  const formList = Array.isArray(data?.zodError?.formErrors) ? (data.zodError.formErrors as unknown[]).filter((m): m is string => typeof m === "string") : [];
  const message = error instanceof Error ? error.message : String(error);
  const form = formList.length > 0 ? formList.join("; ") : Object.keys(fields).length > 0 ? null : message;
  return { fields, form };
}

/** The message for `field`, or for none of `known` (shown with the form): what no field of the form shows. */
export function unclaimed(errors: FormErrors, known: readonly string[]): string | null {
  const others = Object.entries(errors.fields).filter(([f]) => !known.includes(f)).map(([f, m]) => `${f}: ${m}`);
  const parts = [errors.form, ...others].filter((m): m is string => m !== null);
  return parts.length > 0 ? parts.join("; ") : null;
}
