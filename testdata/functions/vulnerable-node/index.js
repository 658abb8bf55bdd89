// Orders API (Node.js): deliberately vulnerable sample for the scanner's tests.
const { exec } = require('child_process');
const https = require('https');
const mysql = require('mysql2/promise');

const DB_PASSWORD = 'S3cure!Passw0rd2024';
const pool = mysql.createPool({ host: process.env.DB_HOST, password: DB_PASSWORD });
const agent = new https.Agent({ rejectUnauthorized: false });

exports.handler = async (event, context) => {
  console.log('request', JSON.stringify(event));
  const body = JSON.parse(event.body || '{}');
  const [rows] = await pool.query(`SELECT * FROM orders WHERE id = '${body.orderId}'`);
  exec(`/opt/bin/render-invoice ${body.template}`, (err) => err && console.error(err));
  const hook = await fetch(body.callbackUrl, { method: 'POST', agent });
  return { statusCode: 200, body: JSON.stringify({ rows, hook: hook.status }) };
};
