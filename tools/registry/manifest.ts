/**
 * Writes libs/services/registry.json: the registry (libs/services) as plain data for the places that
 * cannot import TypeScript — the ESLint module-boundary rules (eslint.config.mjs) and the build.
 *   npm run registry            write the file
 *   npm run registry -- --check fail if the committed file is out of date (CI)
 */
import fs from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@sc/services';

const target = path.resolve(__dirname, '../../libs/services/registry.json');

/** Which service publishes each topic. */
const producerOf = new Map<string, string>();
for (const s of SERVICES) for (const t of s.produces?.topics ?? []) producerOf.set(t.name, s.name);

const manifest = SERVICES.map((s) => ({
  name: s.name,
  port: s.port,
  title: s.title,
  /** Services whose events it consumes: it may import their contract libraries. */
  consumesFrom: [
    ...new Set(
      s.consumes.flatMap((c) =>
        c.topics.map((t) => {
          const producer = producerOf.get(t.name);
          if (!producer)
            throw new Error(`${s.name} consumes ${t.name}, which no registered service produces`);
          return producer;
        }),
      ),
    ),
  ].sort(),
}));

const content = JSON.stringify(manifest, null, 2) + '\n';
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== content) {
    process.stderr.write('libs/services/registry.json is out of date: run npm run registry and commit it\n');
    process.exit(1);
  }
  process.stderr.write(`registry: ${manifest.length} service(s); libs/services/registry.json is current\n`);
} else {
  fs.writeFileSync(target, content);
  process.stderr.write(`wrote ${path.relative(process.cwd(), target)}\n`);
}
