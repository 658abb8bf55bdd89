const { exec } = require('child_process');
const cp = require('node:child_process');

exports.handler = async (event, context) => {
  const { host } = JSON.parse(event.body);
  exec(`ping -c 1 ${host}`, (err, out) => console.log(out));
  cp.spawnSync('sh', ['-c', 'nslookup ' + event.queryStringParameters.name]);
  return { statusCode: 200 };
};
