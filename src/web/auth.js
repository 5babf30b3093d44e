/* global sessionStorage, history */
// Where the bearer token lives and who it belongs to. The token stays in this tab (sessionStorage) unless
// the user asks to be remembered on this device (localStorage).

const KEY = 'escalatord.token';

/** Roles that may act on incidents; the daemon still decides per request and answers 403 otherwise. */
export const ACTING_ROLES = new Set(['l1', 'l2', 'l3', 'admin']);

/**
 * The highest incident level each role may act on, as the daemon's lifecycle rule has it (an incident's
 * own level or anyone above; the vendor's l3 role covers L3 and L4). The page offers only buttons the
 * daemon would accept, so an L2 engineer watching a vendor-held incident is not handed a 403.
 */
const ROLE_LEVEL = { viewer: 0, ingest: 0, l1: 1, l2: 2, l3: 4, admin: 4 };

export function mayActOn(role, level) {
  return ACTING_ROLES.has(role) && (ROLE_LEVEL[role] ?? 0) >= level;
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
