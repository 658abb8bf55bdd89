const { execFile, exec } = require('child_process');

const ALLOWED_TOOLS = ['uptime', 'df'];

exports.handler = async (event, context) => {
  const { host, tool } = JSON.parse(event.body);
  // An argument list without a shell: the host cannot inject commands.
  execFile('ping', ['-c', '1', host], (err, out) => console.log(out));
  if (!ALLOWED_TOOLS.includes(tool)) {
    return { statusCode: 400 };
  }
  exec(tool);
  const count = parseInt(event.queryStringParameters.count, 10);
  exec(`ping -c ${count} localhost`);
  return { statusCode: 200 };
};
