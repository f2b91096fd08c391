import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorBox, html } from '../ui.js';

/** Edit-and-retry of one dead letter: its canonical payload as JSON and a required reason; the bus validates before sending. */
export function EditDialog({ letter, onClose, onDone }) {
  const [text, setText] = useState(JSON.stringify(letter.envelope.payload, null, 2));
  const [reason, setReason] = useState('');
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError(undefined);
    let payload;
    try {
      payload = JSON.parse(text);
    } catch (err) {
      return setError({ code: 'JSON', message: `The payload is not valid JSON: ${err.message}` });
    }
    setBusy(true);
    try {
      onDone(await api(`/dead-letters/${encodeURIComponent(letter.id)}/edit`, { method: 'POST', body: { payload, reason } }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="modal" role="dialog" aria-modal="true" aria-label="Edit and retry">
    <form class="card" onSubmit=${submit}>
      <h2>Edit & retry <code>${letter.type}</code> to ${letter.destination}</h2>
      <p class="muted">Dead letter ${letter.id} · message ${letter.messageId}. The payload is checked against the canonical model before it is sent; the change and your reason go to the audit trail.</p>
      <label>Canonical payload<textarea name="payload" rows="14" spellcheck="false" value=${text} onInput=${(e) => setText(e.target.value)} /></label>
      <label>Reason (required)<input name="reason" required value=${reason} onInput=${(e) => setReason(e.target.value)} /></label>
      <${ErrorBox} error=${error} />
      <div class="actions"><button type="submit" class="primary" disabled=${busy || !reason.trim()}>Validate and send</button><button type="button" onClick=${onClose}>Cancel</button></div>
    </form>
  </div>`;
}
