import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { loadContext, UserError, type WorkshopContext } from '../context.ts';
import { findRunningStack, localPortsNeeded, redact } from '../local-stack.ts';
import {
  chooseLocalValkey,
  describeServer,
  ENGINE_NOTE,
  valkeyServerVersion,
} from '../local-valkey.ts';
import { isPortFree, PORT_ROLES, type ServiceKey } from '../ports.ts';
import {
  PROBE_TIMEOUT_MS,
  type ProbeResult,
  probeLocalService,
  probePostgres,
  probeResp,
  probeUpstash,
} from '../probes.ts';
import { readLock, type StackLock } from '../stack-lock.ts';
import { satisfies } from '../version-range.ts';
import { findRepoRoot } from '../workspace.ts';

export const help = `Usage: workshop doctor   (pnpm run doctor: plain "pnpm doctor" is pnpm's own check)

Checks, one line each: Node and pnpm against what the repo pins, .env (present and valid), each
configured service (Postgres SELECT 1, Upstash PING with the token, Valkey PING), and the local
stack's ports. Exit code 1 when something needs fixing; each ✗ line says what to do.`;

interface Check {
  ok: boolean;
  text: string;
  /** Worth knowing, not a problem: printed with "!", not counted (e.g. Valkey for lesson 10 only). */
  note?: boolean;
}

/** Which process: a stack found by asking its port (pid 0) has its lock in another data folder. */
const owner = (lock: StackLock) => (lock.pid ? `pid ${lock.pid}` : 'from another data folder');

const pass = (text: string): Check => ({ ok: true, text });
const fail = (text: string): Check => ({ ok: false, text });

function checkNode(engines: Record<string, string> | undefined): Check {
  const version = process.versions.node;
  const range = engines?.node;
  if (!range) return pass(`Node ${version}`);
  return satisfies(version, range)
    ? pass(`Node ${version} (the repo needs ${range})`)
    : fail(
        `Node ${version} is not supported (the repo needs ${range}): install Node 22 or 24 LTS, e.g. with nvm or fnm.`,
      );
}

function pnpmVersion(): Promise<string | undefined> {
  // Run through pnpm, the user agent names it; otherwise ask the pnpm on the PATH.
  const agent = /^pnpm\/(\S+)/.exec(process.env.npm_config_user_agent ?? '');
  if (agent?.[1]) return Promise.resolve(agent[1]);
  return new Promise((resolvePromise) => {
    // On Windows pnpm is pnpm.cmd, which Node runs only through a shell.
    const shell = process.platform === 'win32';
    execFile('pnpm', ['--version'], { timeout: 2500, shell }, (error, stdout) =>
      resolvePromise(error ? undefined : stdout.trim()),
    );
  });
}

async function checkPnpm(
  packageManager: string | undefined,
  range: string | undefined,
): Promise<Check> {
  const pinned = packageManager?.startsWith('pnpm@') ? packageManager.slice(5) : undefined;
  const install = `npm install -g pnpm@${pinned ?? 'latest'}`;
  const version = await pnpmVersion();
  if (!version) return fail(`pnpm is not installed (or not on the PATH): ${install}`);
  const wanted = range ?? (pinned ? `>=${pinned}` : undefined);
  if (!wanted || satisfies(version, wanted)) {
    return pass(`pnpm ${version}${pinned ? ` (the repo pins ${pinned})` : ''}`);
  }
  return fail(`pnpm ${version} is older than the repo needs (${wanted}): ${install}`);
}

function describe(result: Exclude<ProbeResult, { ok: true }>): string {
  return result.kind === 'timeout'
    ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s`
    : result.detail;
}

async function checkPostgres(
  context: WorkshopContext,
  stack: StackLock | undefined,
): Promise<Check> {
  const { config } = context;
  if (config.databaseSource === 'embedded') {
    if (stack?.postgresPort === undefined) {
      return pass(
        'Postgres: embedded (no DATABASE_URL); `pnpm stack` or `pnpm lesson <n>` starts it',
      );
    }
    const url = PORT_ROLES.postgres.url(stack.host, stack.postgresPort);
    const result = await probeLocalService(PORT_ROLES.postgres, stack.host, stack.postgresPort, '');
    return result.ok
      ? pass(`Postgres: embedded, running at ${url} (${owner(stack)})`)
      : fail(
          `Postgres: the embedded one at ${url} does not answer (${describe(result)}): stop it (Ctrl-C in its terminal, ${owner(stack)}) and run \`pnpm stack\` again.`,
        );
  }
  const where = redact(config.databaseUrl);
  const result = await probePostgres(config.databaseUrl);
  if (result.ok) return pass(`Postgres at ${where} answers SELECT 1 (DATABASE_URL)`);
  const fix = {
    unreachable:
      'start that Postgres or fix the host/port in DATABASE_URL (or remove it to use the embedded one).',
    timeout:
      'check the host in DATABASE_URL and your network (or remove it to use the embedded one).',
    auth: 'fix the user name / password in DATABASE_URL.',
    error: 'fix DATABASE_URL in .env (or remove it to use the embedded one).',
  }[result.kind];
  return fail(`Postgres at ${where} (DATABASE_URL): ${describe(result)}: ${fix}`);
}

async function checkUpstash(
  context: WorkshopContext,
  stack: StackLock | undefined,
): Promise<Check> {
  const { upstash } = context.config;
  if (upstash.source === 'local') {
    if (stack?.restPort === undefined) {
      return pass(
        `Upstash: the local kv-server (no UPSTASH_REDIS_REST_URL); \`pnpm stack\` or \`pnpm lesson <n>\` starts it; ${tokenNote(upstash.token)}`,
      );
    }
    const url = PORT_ROLES.rest.url(stack.host, stack.restPort);
    const result = await probeLocalService(
      PORT_ROLES.rest,
      stack.host,
      stack.restPort,
      upstash.token,
    );
    return result.ok
      ? pass(
          `Upstash: the local kv-server, running at ${url} (${owner(stack)}); ${tokenNote(upstash.token)}`,
        )
      : fail(`Upstash: ${result.detail}`);
  }
  const result = await probeUpstash(upstash);
  if (result.ok) return pass(`Upstash at ${upstash.url} answers PING with your token`);
  return fail(
    result.kind === 'auth'
      ? `Upstash at ${upstash.url}: wrong token. ${result.detail}`
      : `Upstash at ${upstash.url}: ${result.detail}`,
  );
}

async function checkValkey(context: WorkshopContext, stack: StackLock | undefined): Promise<Check> {
  const { config } = context;
  if (config.valkeySource === 'local') {
    if (stack?.respPort === undefined) {
      // What `pnpm stack` would run on the port: valkey-server when installed, else the engine.
      const { server, note } = chooseLocalValkey(process.env, context.envFile);
      const version = server ? await valkeyServerVersion(server) : undefined;
      return pass(
        server
          ? `Valkey: no VALKEY_URL, so \`pnpm stack\` or \`pnpm lesson <n>\` starts valkey-server${version ? ` ${version}` : ''} (${server}) on port ${context.ports.resp}`
          : `Valkey: no VALKEY_URL, so \`pnpm stack\` or \`pnpm lesson <n>\` serves the workshop's own Redis-compatible engine on port ${context.ports.resp}, not Valkey: ${note === ENGINE_NOTE ? 'valkey-server is not installed (the ! line says how to install it)' : 'WORKSHOP_VALKEY=engine is set'}`,
      );
    }
    const url = PORT_ROLES.resp.url(stack.host, stack.respPort);
    const result = await probeLocalService(PORT_ROLES.resp, stack.host, stack.respPort, '');
    return result.ok
      ? pass(
          `Valkey: ${await describeServer(url)}, the local stack's, running at ${url} (${owner(stack)})`,
        )
      : fail(
          `Valkey: the local stack's Redis port at ${url} does not answer PING (${describe(result)}): stop it (Ctrl-C in its terminal, ${owner(stack)}) and run \`pnpm stack\` again.`,
        );
  }
  const where = redact(config.valkeyUrl);
  const result = await probeResp(config.valkeyUrl);
  if (result.ok) return pass(`Valkey at ${where} answers PING (VALKEY_URL)`);
  const fix = {
    auth: 'wrong or missing password: put it in VALKEY_URL as redis://:password@host:port.',
    unreachable:
      'nothing answers there: start that server (valkey-server --port <port>) or fix VALKEY_URL (or remove it to use the local stack).',
    timeout: 'check the host in VALKEY_URL and your network.',
    error: 'check VALKEY_URL points at a Valkey or Redis server.',
  }[result.kind];
  return fail(`Valkey at ${where}: ${describe(result)}: ${fix}`);
}

async function checkPort(
  context: WorkshopContext,
  key: ServiceKey,
  holder: StackLock | undefined,
): Promise<Check> {
  const { host } = context.ports;
  const port = context.ports[key];
  const role = PORT_ROLES[key];
  const held = { postgres: holder?.postgresPort, rest: holder?.restPort, resp: holder?.respPort }[
    key
  ];
  if (holder && held === port) {
    const who = holder.kind === 'stack' ? 'the running local stack' : 'a running `pnpm lesson`';
    return pass(`port ${port} (${role.label}) is held by ${who} (${owner(holder)})`);
  }
  if (await isPortFree(host, port)) return pass(`port ${port} (${role.label}) is free`);
  return fail(
    `port ${port} (${role.label}) is taken by another program: stop it (\`lsof -i :${port}\` shows which), or set ${role.envVar} in .env to use another service.`,
  );
}

/** valkey-server and valkey-cli, which only lesson 10's cluster needs: a note when missing. */
async function checkClusterTools(dataDirectory: string | undefined): Promise<Check> {
  const { findValkeyTools, readClusterLock, valkeyMissingMessage } = await import('../cluster.ts');
  const tools = findValkeyTools();
  const missing = valkeyMissingMessage(tools);
  if (missing || !tools.server) return { ok: true, note: true, text: missing ?? '' };
  const version = await new Promise<string>((resolvePromise) => {
    execFile(tools.server as string, ['--version'], { timeout: 2500 }, (error, stdout) =>
      resolvePromise(error ? '' : (/v=(\S+)/.exec(stdout)?.[1] ?? '')),
    );
  });
  const running = dataDirectory ? readClusterLock(join(dataDirectory, 'cluster')) : undefined;
  const cli = tools.cli?.replace(/.*[\\/]/, '') ?? 'valkey-cli';
  return pass(
    `valkey-server${version ? ` ${version}` : ''} and ${cli} are installed (lesson 10's cluster, \`pnpm stack --cluster\`)${running ? `; a cluster runs on ports ${running.ports.join(', ')} (pid ${running.pid})` : ''}`,
  );
}

export async function run(args: string[]): Promise<number> {
  parseCommandArgs(args, { command: 'workshop doctor', help });
  const root = findRepoRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    engines?: Record<string, string>;
    packageManager?: string;
  };
  const checks: Promise<Check>[] = [
    Promise.resolve(checkNode(pkg.engines)),
    checkPnpm(pkg.packageManager, pkg.engines?.pnpm),
  ];

  let context: WorkshopContext | undefined;
  try {
    context = await loadContext();
    checks.push(
      Promise.resolve(
        existsSync(context.envFile)
          ? pass('.env is present and valid')
          : pass(
              'no .env: the embedded defaults are used (copy .env.example to .env to use real services)',
            ),
      ),
    );
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    checks.push(Promise.resolve(fail(`.env: ${error.message}`)));
  }

  if (context) {
    // Ours: this data folder's lock, or a stack of another folder answering with our token.
    const stack = await findRunningStack(context.dataDir, context.ports, context.token);
    const holder = readLock(context.dataDir) ?? stack;
    checks.push(
      checkPostgres(context, stack),
      checkUpstash(context, stack),
      checkValkey(context, stack),
    );
    for (const key of localPortsNeeded(context.config)) {
      checks.push(checkPort(context, key, holder));
    }
  }
  checks.push(checkClusterTools(context?.dataDir));

  let problems = 0;
  for (const check of await Promise.all(checks)) {
    if (!check.ok) problems++;
    console.log(`${check.note ? '!' : check.ok ? '✓' : '✗'} ${check.text}`);
  }
  console.log(
    problems === 0
      ? '\nAll good.'
      : `\n${problems} problem${problems > 1 ? 's' : ''} to fix (see ✗ above).`,
  );
  return problems === 0 ? 0 : 1;
}

/** The local stack's token is random (see localStackToken): say what it is and where it lives. */
function tokenNote(token: string): string {
  return `token ${token} (kept in .data/kv-token)`;
}
