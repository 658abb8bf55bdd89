const AWS_ACCESS_KEY = 'AKIA2E0A8F3B244C9986';
const dbPassword = 'S3cure!Passw0rd2024';

const client = {
  apiToken: '9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  region: 'eu-west-1',
};

exports.handler = async () => ({ statusCode: 200, body: String(!!client) });
