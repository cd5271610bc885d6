/**
 * Start the real backend for a test file: a fresh SQLite database in a temporary folder, the
 * in-process Redis stand-in, the WeChat emulator at /_wechat/, demo data from `seed-demo --json`.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { URL } = require('node:url');
const http = require('node:http');
const { spawn, execFile } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');

/** The Python that runs the backend: $SSC_PYTHON, else the project's .venv, else python3. */
function pythonExecutable() {
  if (process.env.SSC_PYTHON) {
    return process.env.SSC_PYTHON;
  }
  const local = path.join(ROOT, '.venv', process.platform === 'win32' ? 'Scripts' : 'bin', 'python');
  return fs.existsSync(local) ? local : 'python3';
}

/** A TCP port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Run `flask --app wsgi …` to completion (with `input` on stdin); resolves stdout, rejects with stderr. */
function flask(args, env, input) {
  return new Promise((resolve, reject) => {
    const child = execFile(pythonExecutable(), ['-m', 'flask', '--app', 'wsgi', ...args], {
      cwd: ROOT,
      env,
      timeout: 180000,
      maxBuffer: 64 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`flask ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      } else {
        resolve(stdout);
      }
    });
    child.stdin.end(input || '');
  });
}

/** GET a URL; resolves {status, body} (body parsed when JSON), rejects when nothing answers. */
function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body = text;
        try {
          body = JSON.parse(text);
        } catch (err) {
          // Plain text.
        }
        resolve({ status: res.statusCode, body });
      });
    });
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Send JSON with node's http (admin API calls in tests); resolves {status, body}. */
function request(method, url, payload, headers) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const data = payload === undefined ? null : Buffer.from(JSON.stringify(payload));
    const req = http.request({
      hostname: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method,
      headers: Object.assign(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}, headers || {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body = text;
        try {
          body = JSON.parse(text);
        } catch (err) {
          // Plain text.
        }
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('error', reject);
    req.end(data || undefined);
  });
}

/** The JSON document printed by `seed-demo --json` (log lines around it are ignored). */
function parseSeedOutput(stdout) {
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  if (start < 0 || end < start) {
    throw new Error(`seed-demo --json printed no JSON:\n${stdout.slice(0, 2000)}`);
  }
  return JSON.parse(stdout.slice(start, end + 1));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Start the backend. Resolves {baseUrl, emulatorBase, seed, stop(), logs(), flask()}.
 * `seed: false` skips the demo data; `env` adds environment variables (e.g. SESSION_TTL_SECONDS).
 */
async function startBackend(options) {
  const opts = Object.assign({ seed: true }, options || {});
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssc-stub-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = Object.assign({}, process.env, {
    APP_ENV: 'development',
    DATABASE_URL: `sqlite:///${path.join(tmp, 'stub.sqlite3')}`,
    WECHAT_API_BASE: `${baseUrl}/_wechat/`,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    FLASK_DEBUG: '0',
    // The pseudo-locales (en@pseudo, ar@pseudo) are always offered, so a right-to-left locale
    // exists even before the Arabic catalog passes the release gate.
    PSEUDO_LOCALES: '1',
  }, opts.env || {});
  // The embedded defaults: no outside Redis, whatever the caller's shell says.
  delete env.REDIS_URL;
  delete env.FLASK_APP;
  let seed = null;
  try {
    await flask(['db', 'upgrade'], env);
    seed = opts.seed ? parseSeedOutput(await flask(['seed-demo', '--json'], env)) : null;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }

  const output = [];
  const child = spawn(pythonExecutable(), ['-m', 'flask', '--app', 'wsgi', 'run', '--port', String(port), '--with-threads'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => output.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk) => output.push(chunk.toString('utf8')));
  let exited = false;
  const exitedPromise = new Promise((resolve) => child.on('exit', () => {
    exited = true;
    resolve();
  }));
  // If the test process ends without `stop` (a crash, a timeout), the server goes with it.
  const killOnExit = () => {
    if (!exited) {
      child.kill('SIGKILL');
    }
  };
  process.on('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([exitedPromise, sleep(5000)]);
      if (!exited) {
        child.kill('SIGKILL');
        await exitedPromise;
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`the backend exited while starting:\n${output.join('')}`);
    }
    try {
      const res = await get(`${baseUrl}/healthz`);
      if (res.status === 200) {
        break;
      }
    } catch (err) {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the backend did not answer /healthz within 60 s:\n${output.join('')}`);
    }
    await sleep(200);
  }

  return {
    baseUrl,
    emulatorBase: `${baseUrl}/_wechat/`,
    seed,
    stop,
    logs: () => output.join(''),
    // Another command against the same database (e.g. `admin create`), stdin from `input`.
    flask: (args, input) => flask(args, env, input),
  };
}

module.exports = { startBackend, freePort, get, request, pythonExecutable, parseSeedOutput, ROOT };
