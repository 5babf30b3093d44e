/* global FormData */
// Staff actions (DESIGN §8): one POST each, with the bearer token. A refusal (problem+json) becomes the
// sentence shown next to the control that was used, naming the fields the daemon named.

export class ActionError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function problemText(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy error page, say); the status line is the best we have.
  }
  if (res.status === 404 && body && /^no route for /.test(String(body.detail || ''))) {
    return `This daemon does not offer this action (${body.detail}).`;
  }
  const fields = body && Array.isArray(body.errors) ? body.errors.filter((e) => e && e.field).map((e) => `${e.field}: ${e.message}`) : [];
  if (fields.length) return fields.join('; ');
  const detail = body && (body.detail || body.title);
  return detail ? String(detail) : `The daemon answered ${res.status} ${res.statusText}`.trim();
}

/** POSTs `body` as JSON; resolves to the parsed answer (or null), throws ActionError with the reason. */
export async function post(token, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ActionError('Could not reach the daemon. Check your connection and try again.', 0);
  }
  if (!res.ok) throw new ActionError(await problemText(res), res.status);
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/** Where each action is sent, relative to the incident. */
const PATHS = {
  acknowledge: 'acknowledge',
  progress: 'progress',
  status: 'status',
  escalate: 'escalate',
  resolve: 'resolve',
  complaint: 'complaint',
  'management.acknowledge': 'management/acknowledge',
  'ticket.retry': 'ticket/retry',
};

/** Sends one action on an incident; resolves to the updated incident when the daemon returns one. */
export async function postAction(token, incidentId, action, body) {
  const path = PATHS[action];
  if (!path) throw new ActionError(`unknown action ${action}`, 0);
  const json = await post(token, `/api/v1/incidents/${encodeURIComponent(incidentId)}/${path}`, body);
  return json && json.id ? json : null;
}

const text = (data, name) => String(data.get(name) || '').trim();

/**
 * The request body for an action form, or `{ error }` when something the daemon would refuse is missing
 * (said here first, so the user is not sent round a 400 for an empty note).
 */
export function bodyFor(action, form) {
  const data = new FormData(form);
  switch (action) {
    case 'acknowledge':
    case 'ticket.retry':
      return { body: {} };
    case 'progress':
      return text(data, 'note') ? { body: { note: text(data, 'note') } } : { error: 'Write a short progress note first.' };
    case 'status':
      return { body: { status: text(data, 'status') } };
    case 'escalate': {
      const notes = text(data, 'notes');
      const reason = text(data, 'reason');
      const notesRequired = form.querySelector('textarea[name="notes"]')?.required;
      if (notesRequired && !notes) return { error: 'Give the reproduction and isolation notes: the console shows no software failure on this server.' };
      return { body: { toLevel: Number(text(data, 'toLevel')), ...(reason ? { reason } : {}), ...(notes ? { notes } : {}) } };
    }
    case 'resolve': {
      const rootCause = text(data, 'rootCause');
      if (!rootCause) return { error: 'Choose the root cause: where the fault lay.' };
      const note = text(data, 'note');
      return { body: { rootCause, ...(note ? { note } : {}) } };
    }
    case 'complaint':
      return text(data, 'note') ? { body: { note: text(data, 'note') } } : { error: 'Say what the complaint is about.' };
    case 'management.acknowledge':
      return { body: { step: Number(form.dataset.step) } };
    default:
      return { error: `unknown action ${action}` };
  }
}

export const DONE_TEXT = {
  acknowledge: (id) => `${id} acknowledged.`,
  progress: (id) => `Progress reported on ${id}.`,
  status: (id) => `Status of ${id} changed.`,
  escalate: (id, inc) => `${id} escalated${inc ? ` to L${inc.level}` : ''}.`,
  resolve: (id) => `${id} resolved.`,
  complaint: (id) => `Complaint filed on ${id}.`,
  'management.acknowledge': (id) => `Management step acknowledged on ${id}.`,
  'ticket.retry': (id) => `Ticket creation for ${id} is being retried.`,
};
