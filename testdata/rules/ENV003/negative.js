const dbPasswordParam = '/prod/orders/db-password';
const tokenUrl = 'https://auth.example.com/oauth/token';
const apiKey = process.env.API_KEY;
const password = 'changeme';

exports.handler = async () => ({
  statusCode: 200,
  body: JSON.stringify({ dbPasswordParam, tokenUrl, ok: !!apiKey && !!password }),
});
