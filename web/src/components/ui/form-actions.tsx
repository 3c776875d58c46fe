/**
 * A form's footer: the submit button (busy while `pending`), Cancel when `onCancel` is given, and
 * below them the errors that belong to no one field: the request's (`requestError`) and the
 * form's own (`formError`, e.g. a schema refinement on the whole body).
 */
export function FormActions({
  submitLabel,
  pending,
  onCancel,
  requestError,
  formError,
}: {
  submitLabel: string;
  pending: boolean;
  onCancel?: () => void;
  requestError?: string | null;
  formError?: string;
}) {
  return (
    <>
      <div className="form-actions-left">
        <button type="submit" className="button primary" disabled={pending} aria-busy={pending}>
          {submitLabel}
        </button>
        {onCancel ? (
          <button type="button" className="button ghost" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {requestError ? <p className="field-error">{requestError}</p> : null}
      {formError ? <p className="field-error">{formError}</p> : null}
    </>
  );
}
