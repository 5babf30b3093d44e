import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { authorizeUpgrade, extractToken, isOriginAllowed, type Principal } from '../../src/live/upgrade-auth.js';

const principals: Record<string, Principal> = { t1: { name: 'desk', role: 'l2' }, t2: { name: 'am', role: 'ingest' }, t3: { name: 'wall', role: 'viewer' } };
const opts = { authenticate: (t: string) => principals[t] ?? null, allowedOrigins: ['https://dash.example'] };
const req = (headers: Record<string, string>) => ({ headers: { host: 'escalatord.local:8080', ...headers } }) as unknown as IncomingMessage;

describe('extractToken', () => {
  test('reads a bearer Authorization header, whatever the scheme case', () => {
    expect(extractToken('Bearer abc', undefined)).toBe('abc');
    expect(extractToken('bearer  abc ', undefined)).toBe('abc');
  });

  test('reads the token from the subprotocol pair only when escalatord.v1 is offered', () => {
    expect(extractToken(undefined, 'escalatord.v1, bearer.abc')).toBe('abc');
    expect(extractToken(undefined, 'bearer.abc,escalatord.v1')).toBe('abc');
    expect(extractToken(undefined, 'bearer.abc')).toBeNull();
    expect(extractToken(undefined, 'escalatord.v1, bearer.')).toBeNull();
  });

  test('other schemes and empty headers give no token', () => {
    expect(extractToken('Basic dXNlcjpwYXNz', 'escalatord.v1, bearer.abc')).toBeNull();
    expect(extractToken(undefined, undefined)).toBeNull();
  });
});

describe('isOriginAllowed', () => {
  test('requests without Origin (non-browser clients) are allowed', () => {
    expect(isOriginAllowed(undefined, 'x', [])).toBe(true);
  });

  test('listed origins match exactly, ignoring case', () => {
    expect(isOriginAllowed('https://DASH.example', 'other', ['https://dash.example'])).toBe(true);
    expect(isOriginAllowed('http://dash.example', 'other', ['https://dash.example'])).toBe(false);
    expect(isOriginAllowed('https://dash.example.evil', 'other', ['https://dash.example'])).toBe(false);
  });

  test('the daemon’s public URL is allowed, default ports included', () => {
    expect(isOriginAllowed('https://esc.example', 'esc.example:443', [], 'https://esc.example/')).toBe(true);
    expect(isOriginAllowed('https://esc.example:443', 'esc.example', [], 'https://esc.example')).toBe(true);
    expect(isOriginAllowed('http://esc.example', 'esc.example', [], 'https://esc.example')).toBe(false);
  });

  test('an Origin equal to the Host header is not enough for a DNS name: that is what DNS rebinding forges', () => {
    expect(isOriginAllowed('http://rebind.attacker.example:8080', 'rebind.attacker.example:8080', [])).toBe(false);
    expect(isOriginAllowed('https://esc.example', 'esc.example:443', [])).toBe(false);
    expect(isOriginAllowed('http://rebind.attacker.example:8080', 'rebind.attacker.example:8080', ['https://dash.example'], 'https://esc.example')).toBe(false);
  });

  test('an Origin equal to the Host header is allowed when the host is an address or localhost, which no one can rebind', () => {
    expect(isOriginAllowed('http://localhost:8080', 'localhost:8080', [])).toBe(true);
    expect(isOriginAllowed('http://127.0.0.1:8080', '127.0.0.1:8080', [])).toBe(true);
    expect(isOriginAllowed('http://[::1]:8080', '[::1]:8080', [])).toBe(true);
    expect(isOriginAllowed('http://10.1.2.3:8080', '10.1.2.3:8080', [])).toBe(true);
    expect(isOriginAllowed('http://localhost:9999', 'localhost:8080', [])).toBe(false);
  });

  test('opaque origins are refused', () => {
    expect(isOriginAllowed('null', 'localhost:8080', [])).toBe(false);
  });
});

describe('authorizeUpgrade', () => {
  test('viewer and staff roles may watch', () => {
    expect(authorizeUpgrade(req({ authorization: 'Bearer t1' }), opts)).toEqual({ ok: true, principal: principals.t1 });
    expect(authorizeUpgrade(req({ 'sec-websocket-protocol': 'escalatord.v1, bearer.t3' }), opts)).toEqual({ ok: true, principal: principals.t3 });
  });

  test('a missing or unknown token is 401, an ingest token 403', () => {
    expect(authorizeUpgrade(req({}), opts)).toMatchObject({ ok: false, status: 401 });
    expect(authorizeUpgrade(req({ authorization: 'Bearer nope' }), opts)).toMatchObject({ ok: false, status: 401 });
    expect(authorizeUpgrade(req({ authorization: 'Bearer t2' }), opts)).toMatchObject({ ok: false, status: 403 });
  });

  test('a foreign origin is refused before the token is even looked up', () => {
    let lookups = 0;
    const counting = { ...opts, authenticate: (t: string) => { lookups++; return opts.authenticate(t); } };
    expect(authorizeUpgrade(req({ authorization: 'Bearer t1', origin: 'https://evil.example' }), counting)).toMatchObject({ ok: false, status: 403 });
    expect(lookups).toBe(0);
  });
});
