// hello-node: the smallest Node.js function (ES module). Handler: index.handler, runtime: nodejs20.x.
//   lambdactl create-function --function-name hello-node --runtime nodejs20.x --handler index.handler \
//       --zip-file fileb://hello-node.zip --role arn:aws:iam::123456789012:role/lambda

export const handler = async (event, context) => {
  console.log(`hello from ${context.functionName} (${context.awsRequestId})`);
  return { hello: event.name ?? "world" };
};
