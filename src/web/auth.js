/* global sessionStorage, history */
// Where the bearer token lives and who it belongs to. The token stays in this tab (sessionStorage) unless
// the user asks to be remembered on this device (localStorage).

const KEY = 'escalatord.token';

/**
 * What the signed-in role may do, from the daemon's own table (GET /api/v1/roles): `may(action,
 * incident)` is true when the role may take the action and, where the action checks levels, act at the
 * incident's level. The table is the only source: without it (the daemon did not answer yet) nothing is
 * offered, and the page asks for it again once the daemon answers.
 */
export function permissionsFor(role, table) {
  const row = table && Array.isArray(table.items) ? table.items.find((r) => r && r.role === role) : null;
  if (!row) return { known: false, acts: false, may: () => false };
  const actions = new Set(row.actions || []);
  const levels = new Set(row.levels || []);
  const checked = new Set((table.actions || []).filter((a) => a && a.levelChecked).map((a) => a.action));
  return {
    known: true,
    acts: actions.size > 0,
    may(action, incident) {
      if (!actions.has(action)) return false;
      if (incident && checked.has(action)) return levels.has(incident.level);
      return true;
    },
  };
}

/**
 * Takes `#token=…` from the address once (a link from a runbook or chat), stores it for this tab and
 * removes it from the address bar and history so it is not shared by copying the URL.
 */
export function takeTokenFromHash() {
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : '';
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (!token) return null;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  saveToken(token, false);
  return token;
}

export function loadToken() {
  return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || null;
}

export function saveToken(token, remember) {
  clearToken();
  (remember ? localStorage : sessionStorage).setItem(KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

/**
 * Asks the daemon who the token belongs to. `rejected` means the token is wrong (401); any other
 * failure (an older daemon without the route, a network blip) falls back to a read-only viewer, with
 * `known: false` so the caller can ask again once the daemon is reachable.
 */
export async function whoami(token) {
  try {
    const res = await fetch('/api/v1/whoami', { headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 401) return { rejected: true, known: false, name: '', role: 'viewer' };
    if (!res.ok) return { rejected: false, known: false, name: '', role: 'viewer' };
    const body = await res.json();
    return { rejected: false, known: true, name: String(body.name || ''), role: String(body.role || 'viewer') };
  } catch {
    return { rejected: false, known: false, name: '', role: 'viewer' };
  }
}
