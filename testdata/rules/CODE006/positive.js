const axios = require('axios');

exports.handler = async (event) => {
  const body = JSON.parse(event.body);
  const preview = await fetch(body.url);
  const meta = await axios.get(`https://${body.host}/meta.json`);
  return { statusCode: 200, body: JSON.stringify({ s: preview.status, meta: meta.data }) };
};
