const https = require('https');
const fs = require('fs');
const axios = require('axios');

const agent = new https.Agent({
  rejectUnauthorized: true,
  ca: fs.readFileSync('/opt/certs/internal-ca.pem'),
});

exports.handler = async () => {
  const res = await axios.get('https://internal.example.com/health', { httpsAgent: agent });
  return { statusCode: res.status };
};
