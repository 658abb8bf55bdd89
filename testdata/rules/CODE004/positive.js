const mysql = require('mysql2/promise');

const pool = mysql.createPool({ host: process.env.DB_HOST });

exports.handler = async (event) => {
  const id = event.pathParameters.id;
  const [rows] = await pool.query(`SELECT * FROM orders WHERE id = '${id}'`);
  const sql = 'DELETE FROM carts WHERE user = ' + event.requestContext.authorizer.user;
  await pool.execute(sql);
  return { statusCode: 200, body: JSON.stringify(rows) };
};
