/* global FormData, Option */
// Staff actions on an incident (DESIGN §8): acknowledge, report progress, escalate. Each is one POST
// with the bearer token; a problem+json answer is turned into a sentence the user can act on.

export class ActionError extends Error {}

async function problemText(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy error page, say); the status line is the best we have.
  }
  const detail = body && (body.detail || body.title);
  return detail ? String(detail) : `The daemon answered ${res.status} ${res.statusText}`.trim();
}

/** Sends one action; resolves to the updated incident when the daemon returns one, else null. */
export async function postAction(token, incidentId, action, body) {
  let res;
  try {
    res = await fetch(`/api/v1/incidents/${encodeURIComponent(incidentId)}/${action}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ActionError('Could not reach the daemon. Check your connection and try again.');
  }
  if (!res.ok) throw new ActionError(await problemText(res));
  try {
    const json = await res.json();
    return json && json.id ? json : null;
  } catch {
    return null;
  }
}

function showError(el, message) {
  el.textContent = message;
  el.hidden = !message;
}

/**
 * Wires the two dialogs. deps: { getToken(), getIncident(id), onDone(message, incident) }.
 * Returns `open(action, incident)` for the card buttons; acknowledge has no dialog.
 */
export function createActionDialogs(deps) {
  const dialogs = {
    progress: document.getElementById('progress-dialog'),
    escalate: document.getElementById('escalate-dialog'),
  };
  let current = null;
  let opener = null;

  for (const [action, dialog] of Object.entries(dialogs)) {
    const form = dialog.querySelector('form');
    const error = form.querySelector('.form-error');
    const submit = form.querySelector('button[type="submit"]');
    form.querySelector('[data-close]').addEventListener('click', () => dialog.close('cancel'));
    // Return focus to the button that opened the dialog, so keyboard users keep their place.
    dialog.addEventListener('close', () => {
      if (opener && opener.isConnected) opener.focus();
      opener = null;
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!current) return;
      const data = new FormData(form);
      let body;
      if (action === 'progress') {
        const note = String(data.get('note') || '').trim();
        if (!note) return showError(error, 'Write a short progress note first.');
        body = { note };
      } else {
        const reason = String(data.get('reason') || '').trim();
        if (!reason) return showError(error, 'Give a reason for the escalation.');
        body = { toLevel: Number(data.get('toLevel')), reason, notes: String(data.get('notes') || '').trim() };
      }
      showError(error, '');
      submit.disabled = true;
      try {
        const updated = await postAction(deps.getToken(), current.id, action, body);
        const id = current.id;
        dialog.close('done');
        deps.onDone(action === 'progress' ? `Progress reported on ${id}.` : `${id} escalated to L${body.toLevel}.`, updated);
      } catch (err) {
        showError(error, err instanceof ActionError ? err.message : 'Something went wrong.');
      } finally {
        submit.disabled = false;
      }
    });
  }

  function open(action, incident, button) {
    const dialog = dialogs[action];
    if (!dialog) return;
    current = incident;
    opener = button || null;
    const form = dialog.querySelector('form');
    form.reset();
    showError(form.querySelector('.form-error'), '');
    form.querySelector('.dialog-target').textContent = `${incident.id} — ${incident.title}`;
    if (action === 'escalate') {
      const select = form.querySelector('select[name="toLevel"]');
      select.replaceChildren();
      for (let level = incident.level + 1; level <= 4; level += 1) {
        const label = level === 2 ? 'L2 — Service Provider, second line' : `L${level} — Vendor Support Team`;
        select.append(new Option(label, String(level)));
      }
    }
    dialog.showModal();
  }

  return { open };
}
