const fs = require('fs/promises');
const path = require('path');

const BASE = '/tmp/reports/';

exports.handler = async (event) => {
  const body = await fs.readFile(path.join(BASE, path.basename(event.queryStringParameters.file)), 'utf8');
  const target = path.resolve(BASE, event.pathParameters.key);
  if (!target.startsWith(BASE)) {
    return { statusCode: 400 };
  }
  await fs.writeFile(target, body);
  return { statusCode: 200, body };
};
