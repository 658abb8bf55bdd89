exports.handler = async (event) => {
  const body = JSON.parse(event.body);
  const total = Number(body.a) + Number(body.b);
  setTimeout(() => console.log('done', total), 10);
  const config = eval('({ retries: 3 })');
  return { statusCode: 200, body: JSON.stringify({ total, config }) };
};
