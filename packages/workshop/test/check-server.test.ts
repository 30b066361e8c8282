// The test runner `pnpm stack` keeps for `pnpm check <n>` (src/check-server.ts), on a throwaway
// repo: one lesson whose test file reports what it imported, run through the socket the stack's
// lock file names. What it must do: run only lesson folders, see every edit, answer only this
// user, and leave nothing behind when the stack stops. stack-checks.test.ts runs it end to end.

import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CheckServer, checkThroughStack, startCheckServer } from '../src/check-server.ts';
import { REPO_ROOT, temporaryFolder, writeFiles } from './cli.ts';

const servers: CheckServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

function repo() {
  const root = temporaryFolder('workshop-check-server-');
  const files: Record<string, string> = {
    // No imports: `vitest` resolves through the symlinked node_modules, but keep it plain.
    'vitest.config.ts': [
      'export default { test: { projects: [{ test: {',
      "  name: 'main', include: ['lessons/*/test/*.test.ts'], isolate: false, globals: true,",
      '} }] } };',
      '',
    ].join('\n'),
    'lessons/01-demo/src/value.ts': "export const value = 'one';\n",
    'lessons/01-demo/test/value.test.ts': [
      "import { writeFileSync } from 'node:fs';",
      "import { value } from '../src/value.ts';",
      "it('reports', () => {",
      "  writeFileSync(new URL('../../../seen.txt', import.meta.url), value);",
      "  expect(value).not.toBe('broken');",
      '});',
      '',
    ].join('\n'),
    'packages/README.md': 'Nothing here: the server looks for packages/*/src.\n',
  };
  writeFiles(root, files);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** A raw request on the socket: the replies, as sent. */
function request(path: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let replies = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(line));
    socket.on('data', (chunk: string) => {
      replies += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(replies));
  });
}

describe.runIf(process.platform !== 'win32')('the stack’s test runner for checks', () => {
  it('runs a lesson’s checkpoints, sees each edit, refuses anything but a lesson folder, and goes away with the stack', async () => {
    const root = repo();
    const data = temporaryFolder('workshop-check-data-');
    const server = await startCheckServer(root, data);
    if (!server) throw new Error('the check server did not start');
    servers.push(server);
    expect(server.path).toBe(join(data, 'check.sock'));
    expect(statSync(server.path).mode & 0o777, 'only this user may connect').toBe(0o600);

    let output = '';
    const write = (text: string) => {
      output += text;
    };
    const seen = () => readFileSync(join(root, 'seen.txt'), 'utf8');
    expect(await checkThroughStack(server.path, ['lessons/01-demo/'], write), output).toBe(0);
    expect(seen()).toBe('one');
    expect(output).toContain('keeps warm');
    expect(output).toMatch(/1 passed/);

    // An edit between two checks: the next one runs the code as saved, both ways.
    writeFileSync(join(root, 'lessons/01-demo/src/value.ts'), "export const value = 'broken';\n");
    expect(await checkThroughStack(server.path, ['lessons/01-demo/'], write)).toBe(1);
    expect(seen()).toBe('broken');
    writeFileSync(join(root, 'lessons/01-demo/src/value.ts'), "export const value = 'two';\n");
    expect(await checkThroughStack(server.path, ['lessons/01-demo/'], write), output).toBe(0);
    expect(seen()).toBe('two');

    // Only lesson folders run: a package, a path out of the repo, a malformed line.
    for (const line of [
      '{"filters":["packages/"]}\n',
      '{"filters":["lessons/01-demo/../../"]}\n',
      '{"filters":[]}\n',
      'not json\n',
    ]) {
      writeFileSync(join(root, 'seen.txt'), 'untouched');
      expect(await request(server.path, line)).toBe(
        '{"out":"Not a check request.\\n"}\n{"code":2}\n',
      );
      expect(seen()).toBe('untouched');
    }

    await server.close();
    expect(existsSync(server.path), 'the socket is removed').toBe(false);
    expect(await checkThroughStack(server.path, ['lessons/01-demo/'], write)).toBeUndefined();
  }, 120_000);
});
