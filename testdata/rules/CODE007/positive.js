const fs = require('fs');
const path = require('path');

exports.handler = async (event) => {
  const name = event.queryStringParameters.file;
  const body = fs.readFileSync(path.join('/tmp/reports', name), 'utf8');
  fs.writeFileSync(`/tmp/cache/${event.pathParameters.key}`, body);
  return { statusCode: 200, body };
};
