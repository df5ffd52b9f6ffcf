// Runs one service of the test bed's Bluesky stack, bound to 127.0.0.1 only.
// internal/testbed/pds.go starts it twice, as two child processes:
//
//   node server.mjs plc   the PLC directory (@did-plc/server, in-memory
//                         Database.mock()) on $PLC_PORT
//   node server.mjs pds   the PDS (@atproto/pds) configured from the PDS_*
//                         environment (readEnv/envToCfg/envToSecrets) on
//                         $PDS_PORT, plus a control port ($PDS_CONTROL_PORT)
//                         that shifts the server's clock
//
// The packages come from $SOCIALOMM_PDS_APP/node_modules, which
// scripts/pds-deps.sh installs (npm ci of package.json and
// package-lock.json beside this file).
//
// Both packages' own start() call app.listen(port), which binds every
// interface; this script listens on 127.0.0.1 itself instead.
//
// Each service prints one line "<name> listening on <url>" once it answers,
// and stops cleanly on SIGTERM or SIGINT.
import { once } from 'node:events'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const HOST = '127.0.0.1'

function fail(msg) {
  console.error(`testbed pds: ${msg}`)
  process.exit(2)
}

// The clock: every `new Date()` and `Date.now()` in this process runs
// `offsetMs` ahead of the wall clock. Tests move it forward through the
// control port to let tokens expire without waiting hours (jose, which
// checks JWT expiry, and the PDS's refresh-token grace period both read
// `new Date()`/`Date.now()`).
let offsetMs = 0
const RealDate = Date
class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) {
      super(RealDate.now() + offsetMs)
    } else {
      super(...args)
    }
  }
  static now() {
    return RealDate.now() + offsetMs
  }
}
globalThis.Date = ShiftedDate

const appDir = process.env.SOCIALOMM_PDS_APP
if (!appDir) {
  fail('SOCIALOMM_PDS_APP is not set: it must name the folder scripts/pds-deps.sh installed (.cache/pds/app)')
}
const require = createRequire(path.join(appDir, 'package.json'))
async function load(name) {
  let file
  try {
    file = require.resolve(name)
  } catch (err) {
    fail(`${name} is not installed in ${appDir}: run scripts/pds-deps.sh (make test does): ${err.message}`)
  }
  return import(pathToFileURL(file).href)
}

function port(name) {
  const v = Number.parseInt(process.env[name] ?? '', 10)
  if (!Number.isInteger(v) || v <= 0 || v > 65535) {
    fail(`${name} must be a TCP port, got ${JSON.stringify(process.env[name])}`)
  }
  return v
}

async function listen(app, p) {
  const server = app.listen(p, HOST)
  await once(server, 'listening')
  return server
}

function onStop(stop) {
  let stopping = false
  const handler = async (sig) => {
    if (stopping) return
    stopping = true
    try {
      await stop()
    } catch (err) {
      console.error(`testbed pds: stopping after ${sig}: ${err?.stack ?? err}`)
      process.exit(1)
    }
    process.exit(0)
  }
  process.on('SIGTERM', handler)
  process.on('SIGINT', handler)
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

async function runPLC() {
  const p = port('PLC_PORT')
  const { PlcServer, Database } = await load('@did-plc/server')
  const db = Database.mock()
  const plc = PlcServer.create({ db, port: p })
  const server = await listen(plc.app, p)
  plc.server = server
  onStop(async () => {
    await closeServer(server)
    await db.close()
  })
  console.log(`plc listening on http://${HOST}:${p}`)
}

// The control port answers POST /clock?offset_ms=N (sets the shift) and
// GET /clock, both with {"offsetMs": N, "now": "<ISO time>"}.
async function startControl(p) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${HOST}`)
    if (url.pathname !== '/clock') {
      res.writeHead(404).end()
      return
    }
    if (req.method === 'POST') {
      const v = Number(url.searchParams.get('offset_ms'))
      if (!Number.isSafeInteger(v) || v < 0) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('offset_ms must be a whole number of milliseconds, not negative')
        return
      }
      offsetMs = v
    } else if (req.method !== 'GET') {
      res.writeHead(405).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ offsetMs, now: new Date().toISOString() }))
  })
  server.listen(p, HOST)
  await once(server, 'listening')
  return server
}

async function runPDS() {
  const controlPort = port('PDS_CONTROL_PORT')
  if (process.env.PDS_CLOCK_OFFSET_MS) {
    offsetMs = Number(process.env.PDS_CLOCK_OFFSET_MS) || 0
  }
  const { PDS, envToCfg, envToSecrets, readEnv } = await load('@atproto/pds')
  const env = readEnv()
  if (!env.port) fail('PDS_PORT is not set')
  const pds = await PDS.create(envToCfg(env), envToSecrets(env))
  // What pds.start() does, but listening on loopback only.
  await pds.ctx.sequencer.start()
  const server = await listen(pds.app, env.port)
  pds.server = server
  const control = await startControl(controlPort)
  onStop(async () => {
    await closeServer(control)
    await closeServer(server)
    await pds.ctx.destroy()
  })
  console.log(`pds listening on http://${HOST}:${env.port}`)
}

const mode = process.argv[2]
if (mode === 'plc') {
  await runPLC()
} else if (mode === 'pds') {
  await runPDS()
} else {
  fail(`usage: node server.mjs plc|pds (got ${JSON.stringify(mode)})`)
}
