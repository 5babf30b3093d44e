/* global history */
// The incident detail panel's behaviour (its markup is render-detail.js): which incident it shows (the
// live one merged with the full one read from the API), opening and closing it with the address
// (`#incident=INC-000042`), reading the incident again after it changes, and posting its actions.

import { ActionError, DONE_TEXT, bodyFor, postAction } from './actions.js';
import { h } from './dom.js';
import { fetchIncident } from './reference.js';
import { renderDetailActions, renderDetailFacts } from './render-detail.js';
import { consoleShowsSoftwareFailure, mergeIncident, upsertIncident } from './state.js';

const $ = (id) => document.getElementById(id);

/** The incident the address names (`#incident=…`), or null. */
export function hashIncident() {
  const params = new URLSearchParams(location.hash.startsWith('#') ? location.hash.slice(1) : '');
  const id = params.get('incident');
  return id && id.length <= 100 ? id : null;
}

/**
 * deps: { state, clock, errors, may, customerName, serverName, queueRender(parts), flash(text, isError),
 * getSession() → the session or null, getReference() → { customers, policy } }.
 */
export function createDetailPanel(deps) {
  const { state, clock, errors, may, customerName, serverName, queueRender, flash } = deps;
  const detail = { id: null, full: null, loading: false, loadError: null, timer: null, diagOpen: false, opener: null };

  function shownIncident() {
    if (!detail.id) return null;
    const live = state.incidents.get(detail.id);
    const full = detail.full && detail.full.id === detail.id ? detail.full : null;
    if (live && full) return live.updatedAt >= full.updatedAt ? mergeIncident(full, live) : mergeIncident(live, full);
    return live || full;
  }

  function detailCtx(incident) {
    return {
      now: clock.now(),
      may,
      customerName,
      customer: (id) => deps.getReference().customers.get(id),
      serverName,
      server: (id) => state.servers.get(id),
      policy: deps.getReference().policy,
      softwareFailed: (serverId) => consoleShowsSoftwareFailure(state, serverId),
      errors,
      loading: detail.loading,
      loadError: detail.loadError,
      diagOpen: detail.diagOpen,
      partial: detail.loading && !(detail.full && detail.full.id === incident.id),
    };
  }

  function renderDetail() {
    if (!detail.id || !deps.getSession()) return;
    const root = $('detail');
    root.hidden = false;
    const incident = shownIncident();
    if (!incident) {
      $('detail-summary').replaceChildren(h('h2', { id: 'detail-title', class: 'detail-title' }, detail.id),
        h('p', { class: detail.loadError ? 'form-error' : 'muted' }, detail.loadError || 'Loading…'));
      $('detail-body').replaceChildren();
      $('detail-actions').replaceChildren();
      $('detail-actions').hidden = true;
      $('detail-actions').dataset.key = '';
      return;
    }
    const ctx = detailCtx(incident);
    renderDetailFacts($('detail-summary'), $('detail-body'), incident, ctx);
    renderDetailActions($('detail-actions'), incident, ctx);
  }

  async function loadDetail(id) {
    detail.loading = true;
    queueRender({ detail: true });
    const full = deps.getSession() ? await fetchIncident(deps.getSession().token, id) : null;
    if (detail.id !== id) return;
    detail.loading = false;
    if (full && full.id === id) {
      detail.full = full;
      detail.loadError = null;
      if (upsertIncident(state, full)) queueRender({ board: true });
    } else if (!shownIncident()) {
      detail.loadError = `${id} could not be read: no such incident, or the daemon did not answer.`;
    }
    queueRender({ detail: true });
  }

  function scheduleDetailFetch() {
    clearTimeout(detail.timer);
    const id = detail.id;
    detail.timer = setTimeout(() => { if (detail.id === id) loadDetail(id); }, 250);
  }

  function openDetail(id) {
    if (detail.id === id) return;
    detail.id = id;
    detail.full = null;
    detail.loadError = null;
    detail.diagOpen = false;
    $('detail-actions').dataset.key = '';
    if (!detail.opener && document.activeElement && document.activeElement !== document.body) detail.opener = document.activeElement;
    renderDetail();
    $('detail').focus();
    loadDetail(id);
  }

  function closeDetail(updateUrl = true) {
    if (updateUrl && hashIncident()) history.pushState(null, '', location.pathname + location.search);
    detail.id = null;
    detail.full = null;
    $('detail').hidden = true;
    const back = detail.opener;
    detail.opener = null;
    if (back && back.isConnected) back.focus();
  }

  function syncDetailToHash() {
    if (!deps.getSession()) return;
    const id = hashIncident();
    if (id) openDetail(id);
    else if (detail.id) closeDetail(false);
  }

  async function submitAction(form) {
    const incident = shownIncident();
    const action = form.dataset.action;
    if (!incident || !action || !deps.getSession()) return;
    const key = `${incident.id}/${action}${action === 'management.acknowledge' ? `/${form.dataset.step}` : ''}`;
    const { body, error } = bodyFor(action, form);
    if (error) {
      errors.set(key, error);
      renderDetail();
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const updated = await postAction(deps.getSession().token, incident.id, action, body);
      errors.delete(key);
      form.reset();
      if (updated) {
        detail.full = detail.full ? mergeIncident(detail.full, updated) : updated;
        upsertIncident(state, updated);
      }
      flash(DONE_TEXT[action](incident.id, updated), false);
      queueRender({ board: true, detail: true });
      scheduleDetailFetch();
    } catch (err) {
      errors.set(key, err instanceof ActionError ? err.message : 'Something went wrong.');
      renderDetail();
    } finally {
      button.disabled = false;
    }
  }

  return {
    detail,
    shown: shownIncident,
    render: renderDetail,
    scheduleFetch: scheduleDetailFetch,
    open: openDetail,
    close: closeDetail,
    syncToHash: syncDetailToHash,
    submit: submitAction,
  };
}
