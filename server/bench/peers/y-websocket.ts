/**
 * A peer server for `npm run bench -- --peers` (bench/peers.ts): the plain y-websocket server
 * (@y/websocket-server's setupWSConnection on a `ws` server), in memory, the document named
 * by the URL path. Forked on its own so its CPU and RSS are read from /proc; listens on PORT.
 */
import http from 'node:http';
import { setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT);
const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (conn, req) => setupWSConnection(conn, req));
server.listen(port, '127.0.0.1', () => process.send?.({ type: 'ready' }));
process.on('disconnect', () => process.exit(0));
