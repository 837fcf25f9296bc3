// Uses an npm dependency (ms) shipped inside the package's node_modules.
const ms = require('ms');

exports.handler = async (event) => {
  const millis = Number(event.data?.ms ?? 90061000);
  console.log(`formatting ${millis} ms`);
  return { millis, short: ms(millis), long: ms(millis, { long: true }) };
};
