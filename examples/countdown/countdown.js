// Prints one line a second for a while: watch it live with `fnstack execution logs ID --follow`.
exports.handler = async (event) => {
  const seconds = Math.min(Number(event.data?.seconds ?? 5), 25);
  for (let left = seconds; left > 0; left--) {
    console.log(`${left}…`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log('lift-off');
  return { seconds };
};
