// The smallest fnstack function: `handler(event, context)` gets a CloudEvent and returns any JSON value.
// GREETING is one of the function's variables (`fnstack function update hello --env GREETING=hi`).
exports.handler = async (event, context) => {
  const name = event.data?.name ?? 'world';
  const greeting = process.env.GREETING ?? 'Hello';
  console.log(`saying ${greeting} to ${name} (execution ${context.executionId})`);
  return { greeting: `${greeting}, ${name}!`, runtime: process.version };
};
