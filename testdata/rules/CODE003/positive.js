const serialize = require('node-serialize');

exports.handler = async (event) => {
  const raw = Buffer.from(event.body, 'base64').toString();
  const session = serialize.unserialize(raw);
  return { statusCode: 200, body: JSON.stringify(session) };
};
