const { Pool } = require('pg');

const pool = new Pool();

exports.handler = async (event) => {
  const id = event.pathParameters.id;
  const { rows } = await pool.query('SELECT * FROM orders WHERE id = $1', [id]);
  await pool.query({ text: 'DELETE FROM carts WHERE user_id = $1', values: [event.user] });
  const params = {
    TableName: 'Orders',
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': id },
  };
  await docClient.query(params).promise();
  return { statusCode: 200, body: JSON.stringify(rows) };
};
