// Bearer-token authentication and role checks (DESIGN §8). Tokens are compared in constant time: each
// configured token is hashed once and every presented token is compared against all of them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Actor, Role } from '../domain/types.js';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';

export interface Principal {
  name: string;
  role: Role;
}

export interface TokenConfig {
  name: string;
  role: Role;
  token: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Fixed-time comparison of two strings of any length: hashing first makes the lengths equal. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export class TokenAuthenticator {
  private readonly entries: Array<{ hash: Buffer; principal: Principal }>;

  constructor(tokens: readonly TokenConfig[]) {
    this.entries = tokens.map((t) => ({ hash: digest(t.token), principal: { name: t.name, role: t.role } }));
  }

  get configured(): boolean {
    return this.entries.length > 0;
  }

  authenticate(token: string): Principal | null {
    const presented = digest(token);
    let found: Principal | null = null;
    // No early exit: the time taken does not depend on which entry matched.
    for (const entry of this.entries) if (timingSafeEqual(entry.hash, presented)) found = entry.principal;
    return found;
  }
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** What each role may do. `admin` may do everything a person may; `ingest` only feeds data in. */
const ROLE_RANK: Record<Role, number> = { viewer: 0, l1: 1, l2: 2, l3: 3, admin: 9, ingest: -1 };

export function roleAtLeast(role: Role, minimum: Exclude<Role, 'ingest'>): boolean {
  return role !== 'ingest' && ROLE_RANK[role] >= ROLE_RANK[minimum];
}

/** The principal an Authorization header names, or the error the request ends with; `roles` as requireAuth's. */
export function authorize(auth: TokenAuthenticator, authorization: string | undefined, roles: readonly Role[] = []): Principal | UnauthorizedError | ForbiddenError {
  const token = bearerToken(authorization);
  const principal = token ? auth.authenticate(token) : null;
  if (!principal) return new UnauthorizedError();
  if (roles.length > 0 && !roles.includes(principal.role)) {
    return new ForbiddenError(`role "${principal.role}" may not do this; allowed: ${roles.join(', ')}`);
  }
  return principal;
}

/** Authenticates the request; `roles` lists who may pass (empty = any authenticated principal). */
export function requireAuth(auth: TokenAuthenticator, roles: readonly Role[] = []): RequestHandler {
  return (req, _res, next) => {
    const principal = authorize(auth, req.headers.authorization, roles);
    if (principal instanceof Error) return next(principal);
    req.principal = principal;
    next();
  };
}

export function actorOf(req: Request): Actor {
  const p = req.principal;
  return p ? { kind: 'user', name: p.name, role: p.role } : { kind: 'system', name: 'anonymous' };
}

export const STAFF_ROLES: readonly Role[] = ['l1', 'l2', 'l3', 'admin'];
export const READ_ROLES: readonly Role[] = ['viewer', 'l1', 'l2', 'l3', 'admin'];
