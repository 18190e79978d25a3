#!/usr/bin/env node
// Compose an Apollo Federation v2 supergraph from running subgraphs, offline.
//
// Usage: node compose.mjs OUT.graphql name1=http://127.0.0.1:P1/graphql name2=http://127.0.0.1:P2/graphql ...
//
// For each subgraph: POST { _service { sdl } } to its URL, parse the SDL, then
// compose all of them with @theguild/federation-composition and write the
// supergraph SDL to OUT. Exits non-zero with a readable message on any failure.
import { writeFileSync, renameSync } from 'node:fs';
import { parse } from 'graphql';
import { composeServices } from '@theguild/federation-composition';

const FETCH_TIMEOUT_MS = Number(process.env.COMPOSE_FETCH_TIMEOUT_MS ?? 10_000);

function die(msg) {
  process.stderr.write(`compose.mjs: ${msg}\n`);
  process.exit(1);
}

const [out, ...specs] = process.argv.slice(2);
if (!out || specs.length === 0) {
  die('usage: node compose.mjs OUT.graphql name1=http://127.0.0.1:P1/graphql [name2=URL ...]');
}

const subgraphs = specs.map((spec) => {
  const eq = spec.indexOf('=');
  if (eq <= 0) die(`bad subgraph spec "${spec}" (expected name=url)`);
  const name = spec.slice(0, eq);
  const url = spec.slice(eq + 1);
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) die(`bad subgraph name "${name}"`);
  let u;
  try {
    u = new URL(url);
  } catch {
    die(`bad url for subgraph "${name}": "${url}"`);
  }
  // Offline harness: the gateway will call these URLs too, so refuse anything
  // that is not loopback unless explicitly allowed.
  const loopback = /^127\.\d+\.\d+\.\d+$/.test(u.hostname) || u.hostname === '[::1]' || u.hostname === 'localhost';
  if (!loopback && process.env.COMPOSE_ALLOW_REMOTE !== '1') {
    die(`subgraph "${name}": ${url} is not a loopback address (set COMPOSE_ALLOW_REMOTE=1 to allow)`);
  }
  return { name, url };
});

const names = new Set();
for (const { name } of subgraphs) {
  if (names.has(name)) die(`duplicate subgraph name "${name}"`);
  names.add(name);
}

async function fetchSdl({ name, url }) {
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (e) {
    die(`subgraph "${name}" (${url}): request failed: ${e?.cause?.message ?? e?.message ?? e}`);
  }
  const text = await res.text();
  if (!res.ok) die(`subgraph "${name}" (${url}): HTTP ${res.status}: ${text.slice(0, 500)}`);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    die(`subgraph "${name}" (${url}): response is not JSON: ${text.slice(0, 500)}`);
  }
  if (body.errors?.length) {
    die(`subgraph "${name}" (${url}): GraphQL errors: ${body.errors.map((e) => e.message).join('; ')}`);
  }
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string' || sdl.trim() === '') {
    die(`subgraph "${name}" (${url}): no _service.sdl in response (is it a federation subgraph?)`);
  }
  let typeDefs;
  try {
    typeDefs = parse(sdl);
  } catch (e) {
    die(`subgraph "${name}" (${url}): SDL does not parse: ${e.message}`);
  }
  return { name, url, typeDefs };
}

const services = await Promise.all(subgraphs.map(fetchSdl));
const result = composeServices(services);

if (result.errors && result.errors.length > 0) {
  const lines = result.errors.map((e, i) => {
    const code = e.extensions?.code ? `[${e.extensions.code}] ` : '';
    return `  ${i + 1}. ${code}${e.message.replace(/\n/g, '\n     ')}`;
  });
  die(`composition failed with ${result.errors.length} error(s):\n${lines.join('\n')}`);
}
if (typeof result.supergraphSdl !== 'string' || result.supergraphSdl === '') {
  die('composition returned no supergraph SDL');
}

// Write atomically (tmp + rename) so nobody reads a half-written file. Note: a Hive
// Gateway already serving OUT reloads once on this rename, then stops watching OUT.
const tmp = `${out}.tmp-${process.pid}`;
writeFileSync(tmp, result.supergraphSdl);
renameSync(tmp, out);
process.stderr.write(
  `compose.mjs: wrote ${out} (${result.supergraphSdl.length} bytes) from ${services.map((s) => s.name).join(', ')}\n`,
);
