// The smallest fnstack function: `handler(event, context)` gets a CloudEvent and returns any JSON value.
exports.handler = async (event, context) => {
  const name = event.data?.name ?? 'world';
  console.log(`saying hello to ${name} (execution ${context.executionId})`);
  return { greeting: `Hello, ${name}!`, runtime: process.version };
};
