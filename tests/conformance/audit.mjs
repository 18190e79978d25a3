// Runs the GraphQL-over-HTTP server audits of graphql-http (pinned in package.json) against the URL
// given as argument and prints one JSON line per audit: { id, name, status, reason }.
// Exit code: 0 when no audit ends in "error" or "warn" (the MUSTs and SHOULDs), 1 otherwise; "notice"
// (a MAY) is printed but does not fail.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}
let bad = 0;
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  if (result.status === 'error' || result.status === 'warn') bad++;
  console.log(JSON.stringify({ id: audit.id, name: audit.name, status: result.status, reason: result.reason }));
}
process.exit(bad === 0 ? 0 : 1);
