#!/usr/bin/env node
// An echo server on npm's `ws` (Node.js), permessage-deflate on unless --no-compression: a
// server from another ecosystem for .ci/run_oracle.sh and benches/full_run.sh.
//
// Usage: NODE_PATH=DIR/node_modules node benches/node_ws_echo.js PORT [--no-compression]
// (`npm install --prefix DIR ws@8`). Listens on 127.0.0.1:PORT; no message size limit beyond
// the testsuite's 16 MiB cases; UTF-8 is checked by ws itself. Example:
//
//   benches/full_run.sh --server 'env NODE_PATH=/tmp/node/node_modules node benches/node_ws_echo.js {port}'
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
const compression = !process.argv.includes('--no-compression');
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port,
  maxPayload: 64 * 1024 * 1024,
  perMessageDeflate: compression,
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {}); // a case that breaks the protocol ends the connection
});
