// A proxied server for the proxy suites: HTTP answers describe the request it saw; websockets echo.
// Usage: node echo-server.js <port>
const http = require('node:http');
const crypto = require('node:crypto');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
const PROTOCOLS = ['echo.v2', 'echo.v1'];

function describe(req, body) {
  const hash = crypto.createHash('sha256').update(body).digest('hex');
  return {
    method: req.method,
    url: req.url,
    headers: req.headers,
    bodyLength: body.length,
    bodySha256: hash,
  };
}

const server = http.createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  if (req.url.startsWith('/redirect') || req.url.startsWith('/proxy/echoabs/redirect')) {
    res.writeHead(302, { location: '/target', 'set-cookie': ['a=1', 'b=2'] });
    return res.end();
  }
  const bytes = /[?&]bytes=(\d+)/.exec(req.url);
  if (bytes) {
    // Written in chunks with no Content-Length: the proxy must stream it.
    let left = Number(bytes[1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 120);
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(chunk.subarray(0, n))) return res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = JSON.stringify(describe(req, Buffer.concat(chunks)));
    res.writeHead(200, { 'content-type': 'application/json', connection: 'x-private', 'x-private': 'hop' });
    res.end(text);
  });
});

const wss = new WebSocketServer({
  server,
  // Prefer the newest protocol this server speaks, whatever order the client offered them in.
  handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
});
wss.on('connection', (ws, req) => {
  console.log(`WS ${req.url}`);
  ws.send(JSON.stringify({ hello: { url: req.url, headers: req.headers, protocol: ws.protocol } }));
  ws.on('close', (code, reason) => console.log(`WS closed ${code} ${reason}`));
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '' : data.toString();
    if (text.startsWith('close:')) return ws.close(Number(text.slice(6)), 'bye');
    ws.send(data, { binary: isBinary });
  });
});

server.listen(port, '127.0.0.1', () => console.log(`echo listening on ${port}`));
