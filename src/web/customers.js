// Customer names for the page. The live snapshot carries customer ids only; the servers API answers
// with each server's `customerName` from configuration, so one pass over it names every customer.

/** Pages of 500 servers; a fleet larger than this many pages keeps ids for the rest, which still work. */
const MAX_PAGES = 20;

/** Resolves to a Map of customer id → name; an error or a refusal gives whatever was read so far. */
export async function fetchCustomerNames(token) {
  const names = new Map();
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const query = new URLSearchParams({ limit: '500' });
    if (cursor) query.set('cursor', cursor);
    let body;
    try {
      const res = await fetch(`/api/v1/servers?${query}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) break;
      body = await res.json();
    } catch {
      break;
    }
    for (const s of body.items || []) if (s && s.customerId && s.customerName) names.set(s.customerId, s.customerName);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return names;
}
