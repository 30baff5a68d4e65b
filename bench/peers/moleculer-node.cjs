// One moleculer 0.14 node for bench/startup.ts: a ServiceBroker with the TCP transporter and a
// static list of the other nodes (no UDP discovery), plus a plain HTTP server: /alive answers
// once the broker has started, /ready once it sees all N nodes (moleculer's notion of a formed
// cluster; it has no join-safety wait or agreed membership).
// Usage: node moleculer-node.cjs INDEX HOST,HOST,... BASE_TCP_PORT HTTP_PORT (node k listens on
// HOST k, TCP port BASE_TCP_PORT + k)
const http = require('node:http');
const { ServiceBroker } = require('moleculer');

const [index, hostList, basePort, httpPort] = process.argv.slice(2);
const i = Number(index);
const hosts = hostList.split(',');
const n = hosts.length;
const host = hosts[i];
const urls = hosts.map((h, k) => `${h}:${Number(basePort) + k}/node-${k}`);
const broker = new ServiceBroker({
  nodeID: `node-${i}`,
  logger: false,
  transporter: { type: 'TCP', options: { udpDiscovery: false, urls, port: Number(basePort) + i } },
});
broker.start().then(() => {
  http
    .createServer((req, res) => {
      if (req.url === '/ready') {
        const seen = broker.registry.getNodeList({ onlyAvailable: true }).length;
        res.statusCode = seen >= n ? 200 : 500;
      }
      res.end();
    })
    .listen(Number(httpPort), host);
});
process.on('SIGTERM', () => broker.stop().then(() => process.exit(0)));
