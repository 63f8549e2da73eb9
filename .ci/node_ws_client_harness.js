#!/usr/bin/env node
// An echo client on npm's `ws` (Node.js), for a fuzzing server's URL protocol: a client from
// another ecosystem for .ci/ecosystem_oracle.sh and benches/ecosystem_full_run.sh.
//
// Asks for the case count (`/getCaseCount`), runs every case (`/runCase?case=N&agent=A`, N = 1
// … count), or only the case ids given with -i (`/runCase?casetuple=ID&agent=A`), echoing each
// message back, then asks for the reports (`/updateReports?agent=A`) and, with --stop, stops
// the server (`/stopServer`). permessage-deflate is offered (ws's default offer) unless
// --no-compression is given. No message size limit beyond the testsuite's 16 MiB cases.
//
//   NODE_PATH=DIR/node_modules node .ci/node_ws_client_harness.js --url ws://127.0.0.1:PORT
//       --agent NAME [--no-compression] [--jobs N] [--stop] [-i CASE ...]
// (`npm install --prefix DIR ws@8`)
'use strict';
const WebSocket = require('ws');

function parse(argv) {
  const o = { url: null, agent: null, compression: true, jobs: 1, stop: false, cases: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') o.url = argv[++i];
    else if (a === '--agent') o.agent = argv[++i];
    else if (a === '--no-compression') o.compression = false;
    else if (a === '--jobs') o.jobs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--stop') o.stop = true;
    else if (a === '-i') { while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) o.cases.push(argv[++i]); }
    else { console.error(`node_ws_client_harness: unknown argument ${a}`); process.exit(2); }
  }
  if (!o.url || !o.agent) { console.error('node_ws_client_harness: --url and --agent are needed'); process.exit(2); }
  o.url = o.url.replace(/\/+$/, '');
  return o;
}

// One case: echo every message until the connection ends (at most 5 minutes).
function echo(url, compression) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: compression, maxPayload: 64 * 1024 * 1024 });
    const guard = setTimeout(() => ws.terminate(), 300000);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    // a case that breaks the protocol ends the connection: the server's report says how
    ws.on('error', (e) => console.error(`${url}: ${e.message}`));
    ws.on('close', () => { clearTimeout(guard); resolve(); });
  });
}

// A URL-protocol request whose answer (if any) is one text message.
function control(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let answer = null;
    const guard = setTimeout(() => ws.terminate(), 30000);
    ws.on('message', (data) => { answer = data.toString(); });
    ws.on('error', (e) => console.error(`${url}: ${e.message}`));
    ws.on('close', () => { clearTimeout(guard); resolve(answer); });
  });
}

async function main() {
  const o = parse(process.argv.slice(2));
  let urls;
  if (o.cases.length) {
    urls = o.cases.map((c) => `${o.url}/runCase?casetuple=${c}&agent=${encodeURIComponent(o.agent)}`);
  } else {
    const count = Number(await control(`${o.url}/getCaseCount`));
    if (!Number.isInteger(count) || count < 1) { console.error(`node_ws_client_harness: case count ${count}`); process.exit(1); }
    urls = Array.from({ length: count }, (_, n) => `${o.url}/runCase?case=${n + 1}&agent=${encodeURIComponent(o.agent)}`);
  }
  let next = 0;
  const worker = async () => { while (next < urls.length) await echo(urls[next++], o.compression); };
  await Promise.all(Array.from({ length: o.jobs }, worker));
  await control(`${o.url}/updateReports?agent=${encodeURIComponent(o.agent)}`);
  if (o.stop) await control(`${o.url}/stopServer`);
  console.error(`${o.agent}: ${urls.length} cases run`);
}

main();
