const yaml = require('js-yaml');

exports.handler = async (event) => {
  const session = JSON.parse(event.body);
  const settings = yaml.load(event.headers['x-settings']);
  return { statusCode: 200, body: JSON.stringify({ session, settings }) };
};
