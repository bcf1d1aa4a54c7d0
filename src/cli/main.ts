#!/usr/bin/env node
// Entry point of the `albatross` command. It checks the Node.js version before loading
// anything else: the AWS SDK and the Kubernetes client fail obscurely on older ones.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `albatross: needs Node.js 22 or newer, and this is ${process.version}. In the project, \`npx albatross\` runs it on the Node 24 that \`npm install\` put in node_modules/.bin.\n`,
  );
  process.exit(1);
}
const { main } = await import('./run.js');
process.exitCode = await main(process.argv.slice(2), process.env);
