// Shared set-up for the ticketing adapter tests: no real network, nock cleared between tests, and a
// helper that expects a promise to fail with a classified TicketError.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { TicketError } from '../../src/tickets/ticket-error.js';

export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());
}

export async function rejection(promise: Promise<unknown>): Promise<TicketError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TicketError);
  return err as TicketError;
}
