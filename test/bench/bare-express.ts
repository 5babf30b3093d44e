// The yardstick for the ingest benchmark: express 5 parsing a JSON body and answering 202.
import express from 'express';

const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/ingest', express.json({ limit: '1mb' }), (req, res) => {
  res.status(202).json({ accepted: Array.isArray(req.body?.reports) ? req.body.reports.length : 1 });
});
app.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
