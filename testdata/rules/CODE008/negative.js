exports.handler = async (event, context) => {
  console.log('request', event.requestContext.requestId);
  const apiTokenUrl = process.env.API_TOKEN_URL;
  console.debug(`calling upstream at ${apiTokenUrl}`);
  return { statusCode: 200 };
};
