import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of eslint.config.js, run through ESLint itself on fixture files: each
 * fixture's text is linted as if it sat at a path the rule covers (lintText's filePath), so
 * the real tree stays clean and the rules are seen to bite.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../lint-fixtures/${name}`, import.meta.url));
// ignore: false, because eslint.config.js keeps the fixtures out of `npm run lint`.
const eslint = new ESLint({ cwd: root, ignore: false });

async function errorsAt(fixtureName: string, asIf: string): Promise<Array<{ rule: string | null; message: string }>> {
  const [result] = await eslint.lintText(readFileSync(fixture(fixtureName), 'utf8'), { filePath: `${root}${asIf}` });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => ({ rule: m.ruleId, message: m.message }));
}

const restricted = (errors: Array<{ rule: string | null; message: string }>, source: string) =>
  errors.filter((e) => e.rule === 'no-restricted-imports' && e.message.includes(`'${source}'`));

// The first lint loads the parsers and plugins, and a cycle check walks the whole server graph: seconds, not milliseconds.
describe('the import rules in eslint.config.js', { timeout: 120_000 }, () => {
  it('refuses persistence, express and the database in the room core', async () => {
    const errors = await errorsAt('forbidden-imports.ts', 'server/src/rooms/Fixture.ts');
    expect(restricted(errors, '../persistence/UpdateLog.ts')).toHaveLength(1);
    expect(restricted(errors, 'express')).toHaveLength(1);
    expect(restricted(errors, '@menteo/db')).toHaveLength(1);
  });

  it('refuses the database in a route, and express outside transport/', async () => {
    expect(restricted(await errorsAt('forbidden-imports.ts', 'server/src/transport/http/fixture-routes.ts'), '@menteo/db')).toHaveLength(1);
    const service = await errorsAt('forbidden-imports.ts', 'server/src/membership/fixture-service.ts');
    expect(restricted(service, 'express')).toHaveLength(1);
    expect(restricted(service, '@menteo/db')).toHaveLength(0);
  });

  it('refuses the database in the client and the server in a package', async () => {
    expect(restricted(await errorsAt('forbidden-imports.ts', 'client/src/lib/fixture.ts'), '@menteo/db')).toHaveLength(1);
    const [result] = await eslint.lintText(`import { createApp } from '../../../server/src/app.ts';\nexport const f = createApp;\n`, {
      filePath: `${root}packages/room-doc/src/fixture.ts`,
    });
    expect(result!.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
  });

  it('refuses an import cycle', async () => {
    const [result] = await eslint.lintFiles([fixture('cycle-a.ts')]);
    expect(result!.messages.filter((m) => m.ruleId === 'import-x/no-cycle')).toHaveLength(1);
  });

  it('passes a room-core file that imports only its own modules, the protocol and libraries', async () => {
    expect(await errorsAt('clean-room-core.ts', 'server/src/rooms/Fixture.ts')).toEqual([]);
  });
});
