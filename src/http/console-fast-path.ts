// The console ingest route served straight from node's HTTP server, ahead of express. Consoles send
// every report there, and express 5's routing, body reading and response helpers cost the daemon more
// CPU than the rest of a report's work: on the benchmark machine bare node answers about six times the
// requests bare express does, and the daemon spent 0.42 ms of CPU per signed report through express and
// 0.21 ms through this path (README "Performance").
//
// It changes no answer. It takes a request only when every gate of the express route would let it
// through, judged on the headers (ConsoleIngest.admits: POST to the exact path, ready, a Content-Length
// within the limit, no Content-Encoding, a valid ingest token or signature headers), and then runs the
// route's own work (ConsoleIngest.accept) and error mapping (problemFor). Every other request — each one
// a gate refuses, a chunked or compressed body, a query string — goes to express unread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { logRequest } from './app.js';
import { problemAnswer, problemFor, type HttpAnswer } from './problem.js';
import type { ConsoleIngest } from './routes/ingest-routes.js';

export const CONSOLE_INGEST_PATH = '/api/v1/ingest/console';

/** True when it has taken the request (and will answer it); false leaves it to the next listener. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export function consoleFastPath(ingest: ConsoleIngest, logger: Logger): FastPath {
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== CONSOLE_INGEST_PATH) return false;
    const principal = ingest.admits(req.headers);
    if (principal === undefined) return false;
    const started = process.hrtime.bigint();
    // Node's parser delivers exactly Content-Length bytes before 'end' (admits made sure there is one).
    const length = Number(req.headers['content-length']);
    const body = Buffer.allocUnsafe(length);
    let at = 0;
    req.on('data', (chunk: Buffer) => {
      chunk.copy(body, at);
      at += chunk.length;
    });
    // A sender that goes away before the end of its body leaves nothing to answer: no 'end', nothing applied.
    req.on('end', () => {
      ingest.accept(body.subarray(0, at), req.headers, principal)
        .then(
          (answer): HttpAnswer => ({ status: answer.status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(answer.body) }),
          (err: unknown) => problemOf(err, ingest, logger),
        )
        .then((answer) => {
          send(res, answer);
          logRequest(logger, { method: 'POST', path: CONSOLE_INGEST_PATH, url: CONSOLE_INGEST_PATH, status: answer.status, started, principal: principal ?? undefined });
        })
        // Not an unhandled rejection (which ends the process) whatever goes wrong in answering.
        .catch((err: unknown) => logger.error({ err }, 'answering a console delivery failed'));
    });
    return true;
  };
}

/** The problem a failed delivery is answered with, counted as the route counts it. */
function problemOf(err: unknown, ingest: ConsoleIngest, logger: Logger): HttpAnswer {
  ingest.failed(err);
  const answer = problemFor(err);
  if (answer) return answer;
  logger.error({ err, method: 'POST', url: CONSOLE_INGEST_PATH }, 'unhandled error in a request');
  return problemAnswer(500, 'internal error');
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  // The sender may have gone while the store worked: there is no one left to answer.
  if (res.destroyed || res.headersSent) return;
  res.writeHead(answer.status, { ...answer.headers, 'Content-Length': Buffer.byteLength(answer.body), 'X-Content-Type-Options': 'nosniff' });
  res.end(answer.body);
}
