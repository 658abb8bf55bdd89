exports.handler = async (event, context) => {
  console.log('request', JSON.stringify(event));
  const apiToken = process.env.API_TOKEN;
  console.debug(`calling upstream with ${apiToken}`);
  return { statusCode: 200 };
};
