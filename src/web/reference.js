// Reference data the page needs before its first paint: customer names (and authorised contacts for the
// desks), the SLA policy (calendars, targets), the role table and the request catalogue. Each comes from
// its own read-only route; a daemon without one (404) leaves a gap the page works around, never a crash.

async function getJson(token, path) {
  try {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
    if (!res.ok) return null;
    return await res.json();
  } catch {
    return null;
  }
}

/** Pages of 500 servers; a fleet larger than this many pages keeps ids for the rest, which still work. */
const MAX_SERVER_PAGES = 20;

/** Customer names from the servers API (`customerName` on each), for a daemon without /api/v1/customers. */
async function customerNamesFromServers(token) {
  const names = new Map();
  let cursor = null;
  for (let page = 0; page < MAX_SERVER_PAGES; page += 1) {
    const query = new URLSearchParams({ limit: '500' });
    if (cursor) query.set('cursor', cursor);
    const body = await getJson(token, `/api/v1/servers?${query}`);
    if (!body) break;
    for (const s of body.items || []) if (s && s.customerId && s.customerName) names.set(s.customerId, s.customerName);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return names;
}

/**
 * Loads everything at once. Resolves to `{ customers: Map id → {id, name, authorisedContacts|null},
 * policy|null, roles|null, requests|null }`.
 */
export async function loadReference(token) {
  const [customers, policy, roles, requests] = await Promise.all([
    getJson(token, '/api/v1/customers'),
    getJson(token, '/api/v1/sla/policy'),
    getJson(token, '/api/v1/roles'),
    getJson(token, '/api/v1/requests'),
  ]);
  const byId = new Map();
  if (customers && Array.isArray(customers.items)) {
    for (const c of customers.items) {
      if (c && typeof c.id === 'string') {
        byId.set(c.id, { id: c.id, name: String(c.name || c.id), authorisedContacts: Array.isArray(c.authorisedContacts) ? c.authorisedContacts : null });
      }
    }
  } else {
    for (const [id, name] of await customerNamesFromServers(token)) byId.set(id, { id, name, authorisedContacts: null });
  }
  return {
    customers: byId,
    policy: policy && typeof policy === 'object' ? policy : null,
    roles: roles && Array.isArray(roles.items) ? roles : null,
    requests: requests && Array.isArray(requests.items) ? requests.items : null,
  };
}

/** The servers of one customer, for the log form's server picker. */
export async function serversOf(token, customerId) {
  const body = await getJson(token, `/api/v1/servers?${new URLSearchParams({ customerId, limit: '500' })}`);
  return body && Array.isArray(body.items) ? body.items : [];
}

/** One incident in full (timeline, diagnostics), or null when it cannot be read. */
export async function fetchIncident(token, id) {
  return getJson(token, `/api/v1/incidents/${encodeURIComponent(id)}`);
}

/**
 * The open incidents in full, newest first, up to `maxPages` pages of 500: `{ items, complete }`, where
 * `complete` is false when the pages ran out or a page could not be read.
 */
export async function fetchOpenIncidents(token, filter, maxPages = 4) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const query = new URLSearchParams({ status: 'open', limit: '500' });
    if (filter && filter.customerIds && filter.customerIds.length === 1) query.set('customerId', filter.customerIds[0]);
    if (cursor) query.set('cursor', cursor);
    const body = await getJson(token, `/api/v1/incidents?${query}`);
    if (!body || !Array.isArray(body.items)) return { items, complete: false };
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) return { items, complete: true };
  }
  return { items, complete: false };
}
