/* global FormData */
// "Log a fault or request": the seed's First Level desk. Pick the customer, then one of its servers; the
// reporter is checked against the customer's authorised contacts as it is typed (the daemon checks it
// again and refuses a stranger: its reason is shown next to the button); symptoms for a fault, a type
// from the catalogue for a request.

import { ActionError, post } from './actions.js';
import { h } from './dom.js';
import { serversOf } from './reference.js';

/**
 * deps: { getToken(), getReference() → { customers: Map, requests }, onLogged(incident, linked, answer) }.
 * Returns { open(opener) }.
 */
export function createLogForm(deps) {
  const dialog = document.getElementById('log-dialog');
  const form = dialog.querySelector('form');
  const $ = (name) => form.querySelector(`[name="${name}"]`);
  const error = form.querySelector('.form-error');
  const authority = document.getElementById('log-authority');
  const submit = form.querySelector('button[type="submit"]');
  let opener = null;
  let serversFor = null;

  const customer = () => deps.getReference().customers.get($('customerId').value) || null;

  function showError(message) {
    error.textContent = message || '';
    error.hidden = !message;
  }

  function syncType() {
    const request = form.querySelector('input[name="type"]:checked').value === 'request';
    form.querySelector('.for-fault').hidden = request;
    form.querySelector('.for-request').hidden = !request;
  }

  function fillCustomers() {
    const list = [...deps.getReference().customers.values()].sort((a, b) => a.name.localeCompare(b.name));
    $('customerId').replaceChildren(h('option', { value: '' }, 'Choose a customer…'), ...list.map((c) => h('option', { value: c.id }, c.name)));
  }

  function fillRequests() {
    const requests = deps.getReference().requests;
    const select = $('requestType');
    if (!requests || requests.length === 0) {
      select.replaceChildren(h('option', { value: '' }, 'No request catalogue from the daemon'));
      return;
    }
    select.replaceChildren(h('option', { value: '' }, 'Choose a request type…'),
      ...requests.map((r) => h('option', { value: r.type }, `${r.type}${r.description ? ` — ${r.description}` : ''} (L${r.level})`)));
  }

  async function fillServers() {
    const id = $('customerId').value;
    const select = $('serverId');
    serversFor = id;
    if (!id) {
      select.replaceChildren(h('option', { value: '' }, 'Choose the customer first'));
      return;
    }
    select.replaceChildren(h('option', { value: '' }, 'Loading servers…'));
    const servers = await serversOf(deps.getToken(), id);
    if (serversFor !== id) return;
    select.replaceChildren(
      h('option', { value: '' }, servers.length ? 'Choose a server…' : 'This customer has no servers the daemon knows'),
      ...servers.map((s) => h('option', { value: s.id }, `${s.name} (${s.id})${s.reachable === false ? ' — unreachable' : ''}`)));
  }

  function fillContacts() {
    const c = customer();
    const select = $('contact');
    const contacts = (c && c.authorisedContacts) || [];
    select.replaceChildren(h('option', { value: '' }, contacts.length ? 'Pick an authorised contact…' : 'No contact list available'),
      ...contacts.map((p, i) => h('option', { value: String(i) }, `${p.name} <${p.email}>`)));
    select.disabled = contacts.length === 0;
  }

  function checkAuthority() {
    const c = customer();
    const email = $('reporterEmail').value.trim().toLowerCase();
    if (!c || !email) {
      authority.textContent = '';
      authority.className = 'small';
      return;
    }
    if (!c.authorisedContacts) {
      authority.textContent = 'The contact list is not available to this role; the daemon checks the reporter when you log.';
      authority.className = 'small muted';
      return;
    }
    const known = c.authorisedContacts.find((p) => String(p.email).toLowerCase() === email);
    authority.textContent = known
      ? `✓ ${known.name} is an authorised contact of ${c.name}.`
      : `✕ Not an authorised contact of ${c.name}: the daemon will refuse the log. Check who is calling.`;
    authority.className = `small ${known ? 'text-ok' : 'text-breach'}`;
  }

  for (const radio of form.querySelectorAll('input[name="type"]')) radio.addEventListener('change', syncType);
  $('customerId').addEventListener('change', () => {
    fillServers();
    fillContacts();
    checkAuthority();
  });
  $('contact').addEventListener('change', () => {
    const c = customer();
    const p = c && c.authorisedContacts ? c.authorisedContacts[Number($('contact').value)] : null;
    if (p) {
      $('reporterName').value = p.name;
      $('reporterEmail').value = p.email;
    }
    checkAuthority();
  });
  $('reporterEmail').addEventListener('input', checkAuthority);
  form.querySelector('[data-close]').addEventListener('click', () => dialog.close('cancel'));
  dialog.addEventListener('close', () => {
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const type = String(data.get('type'));
    const body = {
      type,
      customerId: String(data.get('customerId') || ''),
      serverId: String(data.get('serverId') || ''),
      reporter: { name: String(data.get('reporterName') || '').trim(), email: String(data.get('reporterEmail') || '').trim() },
    };
    const title = String(data.get('title') || '').trim();
    if (title) body.title = title;
    if (type === 'fault') body.symptoms = String(data.get('symptoms') || '').split('\n').map((s) => s.trim()).filter(Boolean);
    else body.requestType = String(data.get('requestType') || '');
    const missing = [];
    if (!body.customerId) missing.push('the customer');
    if (!body.serverId) missing.push('the server');
    if (!body.reporter.name || !body.reporter.email) missing.push('who is reporting it (name and e-mail)');
    if (type === 'fault' && body.symptoms.length === 0) missing.push('at least one symptom');
    if (type === 'request' && !body.requestType) missing.push('the request type');
    if (missing.length) return showError(`Give ${missing.join(', ')}.`);
    showError('');
    submit.disabled = true;
    try {
      const answer = await post(deps.getToken(), '/api/v1/incidents', body);
      const linked = Boolean(answer && answer.linked);
      const incident = linked ? answer.incident : answer;
      dialog.close('done');
      deps.onLogged(incident, linked, answer);
    } catch (err) {
      showError(err instanceof ActionError ? err.message : 'Something went wrong.');
    } finally {
      submit.disabled = false;
    }
  });

  return {
    open(button) {
      opener = button || null;
      form.reset();
      showError('');
      fillCustomers();
      fillRequests();
      fillServers();
      fillContacts();
      checkAuthority();
      syncType();
      dialog.showModal();
    },
  };
}
