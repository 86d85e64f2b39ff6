import { computed, ref, type Ref } from 'vue';
import type { ErrorInfo } from '@shared/errors';
import { describeError } from '../lib/error-copy';
import { fieldErrorsFrom, type FieldErrors } from '../lib/field-errors';

/** One line of a form's error summary. */
export interface SummaryItem {
  /** The id of the field the message belongs to; absent for form-level messages. */
  fieldId?: string;
  message: string;
}

/** The field-level view of a failed submit, for one form. */
export interface FormErrors<F extends string> {
  /** First message per field. */
  fields: Ref<FieldErrors<F>>;
  /** The summary's heading, or null when there is nothing to show. */
  summaryTitle: Ref<string | null>;
  /** Field messages (in field order, linked) then form-level messages. */
  summaryItems: Ref<SummaryItem[]>;
  /** The error code behind the summary, for tests and styling. */
  code: Ref<string | null>;
  /** The DOM id of a field's control, so labels, links and aria-describedby agree. */
  id(field: F): string;
  /** The id of a field's error message, when it has one (for aria-describedby). */
  errorId(field: F): string | undefined;
  /**
   * Shows a failed Result: validation issues go to their fields by path, anything else to the
   * summary. `aliases` (default: the form's) maps a path the form has no field for to one it has.
   */
  show(error: ErrorInfo, aliases?: Partial<Record<string, F>>): void;
  /** Shows messages found before sending (e.g. a required field left empty). */
  showFields(errors: FieldErrors<F>): void;
  clear(): void;
}

/**
 * Error state of one form. `fields` lists the form's fields in display order; `aliases` maps an
 * issue path the form has no field for to the field that shows it.
 */
export function useFormErrors<F extends string>(
  formId: string,
  fields: readonly F[],
  aliases: Partial<Record<string, F>> = {},
): FormErrors<F> {
  const fieldErrors = ref({}) as Ref<FieldErrors<F>>;
  const formMessages = ref<string[]>([]);
  const title = ref<string | null>(null);
  const code = ref<string | null>(null);
  const id = (field: F) => `${formId}-${field}`;

  const summaryItems = computed<SummaryItem[]>(() => [
    ...fields.flatMap((f) => {
      const message = fieldErrors.value[f];
      return message ? [{ fieldId: id(f), message }] : [];
    }),
    ...formMessages.value.map((message) => ({ message })),
  ]);

  function clear() {
    fieldErrors.value = {};
    formMessages.value = [];
    title.value = null;
    code.value = null;
  }

  function show(error: ErrorInfo, pathAliases: Partial<Record<string, F>> = aliases) {
    clear();
    const described = describeError(error);
    code.value = described.code;
    if (error.code === 'validation' && error.issues?.length) {
      const mapped = fieldErrorsFrom(error.issues, fields, pathAliases);
      fieldErrors.value = mapped.fields;
      formMessages.value = mapped.other;
      title.value = 'There is a problem';
    } else {
      title.value = described.title;
      formMessages.value = [described.message, ...(described.retryHint ? [described.retryHint] : [])];
    }
  }

  function showFields(errors: FieldErrors<F>) {
    clear();
    fieldErrors.value = errors;
    code.value = 'validation';
    title.value = 'There is a problem';
  }

  return {
    fields: fieldErrors,
    summaryTitle: title,
    summaryItems,
    code,
    id,
    errorId: (field: F) => (fieldErrors.value[field] ? `${id(field)}-error` : undefined),
    show,
    showFields,
    clear,
  };
}
