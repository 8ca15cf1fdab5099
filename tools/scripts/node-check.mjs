// npm scripts run on the Node from the `node` devDependency (Node 24 LTS). Say so clearly if not.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(
    `street-chief needs Node 24 LTS; this is ${process.version}. Run it through npm (npm start), which uses the node devDependency.`,
  );
  process.exit(1);
}
