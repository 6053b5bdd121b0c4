// lambdactl's Node.js runtime: `node node_bootstrap.js [handler]`, cwd = the task root.
//
// Reads AWS_LAMBDA_RUNTIME_API (host:port), _HANDLER (unless argv[2] names the handler),
// LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_{NAME,VERSION,MEMORY_SIZE}, AWS_LAMBDA_LOG_{GROUP,STREAM}_NAME
// and AWS_LAMBDA_LOG_LEVEL, then loops on the Runtime API like Lambda's Node.js runtime
// (aws-lambda-nodejs-runtime-interface-client): same handler resolution, context, error payloads,
// console line format and exit codes. Node >= 18, no dependencies. CommonJS on purpose.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const [HOST, PORT] = splitAddress(process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001');
const PREFIX = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const USER_AGENT = `aws-lambda-nodejs/${process.version}-lambdactl`;

let currentRequestId; // undefined outside an invocation: log lines then say "undefined", as in Lambda
let currentInvocation = null; // { id, finish } while a handler runs

function splitAddress(address) {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', Number(address.slice(i + 1)) || 9001];
}

// --- Runtime API ------------------------------------------------------------------------------

function request(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      {
        host: HOST,
        port: PORT,
        method,
        path: PREFIX + urlPath,
        agent,
        headers: { 'User-Agent': USER_AGENT, ...headers, ...(data ? { 'Content-Length': data.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function post(urlPath, body, headers) {
  const res = await request('POST', urlPath, body, headers);
  if (res.status !== 202) throw new Error(`POST ${urlPath} answered ${res.status}: ${res.body}`);
}

// --- Errors (Lambda's Node.js runtime shapes) -----------------------------------------------

// One Error subclass per `Runtime.*` type, the name on the prototype (so not in logged JSON), as in Lambda.
const runtimeErrorClasses = {};
function runtimeError(name, message) {
  if (!runtimeErrorClasses[name]) {
    runtimeErrorClasses[name] = class extends Error {};
    runtimeErrorClasses[name].prototype.name = name;
  }
  return new runtimeErrorClasses[name](message);
}

/** A stack as Lambda shows it: the function's code under /var/task, the runtime under /var/runtime
 * (where they are on Lambda; here they may be anywhere on the host). */
function lambdaStack(stack) {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  let text = String(stack);
  if (taskRoot && taskRoot !== '/var/task') text = text.split(taskRoot.replace(/\/$/, '') + '/').join('/var/task/');
  if (__dirname !== '/var/runtime') text = text.split(__dirname + '/').join('/var/runtime/');
  return text.split('\n');
}

/** The payload posted to /error: {errorType, errorMessage, trace}. */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || (error instanceof Object && typeof error.stack === 'string')) {
      return { errorType: error.name, errorMessage: error.message, trace: lambdaStack(error.stack) };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/** The form logged next to "Invoke Error" / "Uncaught Exception": a tab, then the error as JSON. */
function toFormatted(error) {
  const withProperties = (_key, value) => {
    if (!(value instanceof Error)) return value;
    const out = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
    if (typeof value.stack === 'string') out.stack = lambdaStack(value.stack);
    return out;
  };
  try {
    return '\t' + JSON.stringify(error, withProperties);
  } catch (_) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

function xrayCause(error) {
  const response = toRapidResponse(error);
  const stack = (response.trace || [])
    .map((line) => line.match(/^\s+at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/))
    .filter(Boolean)
    .map(([, label, file, line]) => ({ path: file, line: Number(line), label: label || 'anonymous' }));
  const exceptions = [{ type: response.errorType, message: response.errorMessage, stack }];
  return JSON.stringify({ working_directory: process.cwd(), exceptions, paths: [...new Set(stack.map((s) => s.path))] });
}

function errorHeaders(error) {
  const cause = xrayCause(error);
  const headers = { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': toRapidResponse(error).errorType };
  if (Buffer.byteLength(cause) < 1024 * 1024) headers['Lambda-Runtime-Function-XRay-Error-Cause'] = cause;
  return headers;
}

// --- Logging: console.* as "<ISO time>\t<request id>\t<LEVEL>\t<message>" --------------------

function patchConsole() {
  const order = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  const wanted = (process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase();
  const min = Math.max(order.indexOf(wanted), 0);
  const write = (level) => (message, ...params) => {
    if (order.indexOf(level) < min) return;
    const line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${util.format(message, ...params)}`;
    process.stdout.write(line.replace(/\n/g, '\r') + '\n');
  };
  console.trace = write('TRACE');
  console.debug = write('DEBUG');
  console.info = write('INFO');
  console.log = write('INFO');
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.fatal = write('FATAL');
}

// --- Handler loading --------------------------------------------------------------------------

function fileExists(file) {
  try {
    return fs.statSync(file).isFile();
  } catch (_) {
    return false;
  }
}

function packageTypeIsModule(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    const pj = path.join(d, 'package.json');
    if (fileExists(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
      } catch (_) {
        return false;
      }
    }
    if (path.dirname(d) === d) return false;
  }
}

// ES modules ignore NODE_PATH. As on Lambda, an ES module handler can still import what the layers
// and the bundled SDK provide (NODE_PATH's dirs): a resolve hook retries a bare specifier Node could
// not find as if imported from inside each of those node_modules dirs. The hook starts a loader
// thread (~150 ms), so it is registered only when an import failed for a missing package, and the
// handler is then imported afresh (Node >= 20.6; static imports fail before any code runs).
function resolveEsmFromNodePath() {
  const dirs = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);
  const { register } = require('module');
  if (!dirs.length || typeof register !== 'function') return false;
  const parents = dirs.map((dir) => pathToFileURL(path.join(dir, 'lambdactl-resolve.mjs')).href);
  const hook = `const parents = ${JSON.stringify(parents)};
export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || /^([./]|[a-z]+:)/.test(specifier)) throw err;
    for (const parentURL of parents) {
      try { return await next(specifier, { ...context, parentURL }); } catch (_) {}
    }
    throw err;
  }
}`;
  register('data:text/javascript,' + encodeURIComponent(hook));
  return true;
}

async function importEsm(file) {
  const url = pathToFileURL(file).href;
  try {
    return await import(url);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !resolveEsmFromNodePath()) throw err;
    return import(url + '?node-path');
  }
}

async function loadModule(taskRoot, moduleRoot, moduleName) {
  const base = path.resolve(taskRoot, moduleRoot, moduleName);
  if (fileExists(base)) return require(base);
  const esmDefault = packageTypeIsModule(path.dirname(base));
  if (fileExists(base + '.js')) return esmDefault ? importEsm(base + '.js') : require(base + '.js');
  if (fileExists(base + '.mjs')) return importEsm(base + '.mjs');
  if (fileExists(base + '.cjs')) return require(base + '.cjs');
  // Fall back to Node's own resolution (node_modules, directories): its error is Lambda's message.
  return require(require.resolve(moduleName, { paths: [path.resolve(taskRoot, moduleRoot)] }));
}

async function loadHandler(taskRoot, fullHandler) {
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.slice(0, fullHandler.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match) throw runtimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const [, moduleName, handlerPath] = match;
  if (moduleRoot.includes('..')) throw runtimeError('Runtime.MalformedHandlerName', "'..' is not allowed in handler name");

  let mod;
  try {
    mod = await loadModule(taskRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) {
      const err = runtimeError('Runtime.UserCodeSyntaxError', String(e));
      err.stack = e.stack;
      throw err;
    }
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw runtimeError('Runtime.ImportModuleError', String(e));
    }
    throw e;
  }
  let fn = handlerPath.split('.').reduce((obj, key) => (obj == null ? undefined : obj[key]), mod);
  if (fn === undefined && mod && mod.default != null) {
    fn = handlerPath.split('.').reduce((obj, key) => (obj == null ? undefined : obj[key]), mod.default);
  }
  if (fn === undefined) throw runtimeError('Runtime.HandlerNotFound', `${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw runtimeError('Runtime.HandlerNotFound', `${fullHandler} is not a function`);
  return fn;
}

// --- Response streaming: awslambda.streamifyResponse / HttpResponseStream ----------------------
//
// As the runtime interface client: a streaming handler is `async (event, responseStream, context)`;
// its response goes to /response as it is written, `Lambda-Runtime-Function-Response-Mode: streaming`,
// chunked, and an error met on the way ends it with the trailers Lambda-Runtime-Function-Error-Type and
// Lambda-Runtime-Function-Error-Body (the error JSON, base64).

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';
const HTTP_INTEGRATION_TYPE = 'application/vnd.awslambda.http-integration-response';

globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[HANDLER_STREAMING] = STREAM_RESPONSE;
    if (options && Number.isInteger(options.highWaterMark)) handler[HANDLER_HIGHWATERMARK] = options.highWaterMark;
    return handler;
  },
  HttpResponseStream: class HttpResponseStream {
    // The function URL's status, headers and cookies: a JSON prelude and 8 NUL bytes before the body.
    static from(underlyingStream, prelude) {
      underlyingStream.setContentType(HTTP_INTEGRATION_TYPE);
      const metadata = JSON.stringify(prelude);
      underlyingStream._onBeforeFirstWrite = (write) => {
        write(metadata);
        write(new Uint8Array(8));
      };
      return underlyingStream;
    }
  },
};

/** The POST of a streamed response: {stream (what the handler writes to), answered, fail(error)}. */
function responseStream(id) {
  const req = http.request({
    host: HOST,
    port: PORT,
    method: 'POST',
    path: `${PREFIX}/invocation/${id}/response`,
    agent,
    headers: {
      'User-Agent': USER_AGENT,
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Transfer-Encoding': 'chunked',
      Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
      'Content-Type': 'application/octet-stream',
    },
  });
  const answered = new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  answered.catch(() => {}); // awaited once the handler is done; a refusal must not be an unhandled rejection
  let started = false;
  const write = req.write.bind(req);
  const end = req.end.bind(req);
  req.setContentType = (type) => {
    if (started) throw runtimeError('Runtime.InvalidStreamingOperation', 'Cannot set content-type, too late.');
    req.setHeader('Content-Type', type);
  };
  req.write = function (chunk, encoding, callback) {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) chunk = JSON.stringify(chunk);
    if (!started && typeof this._onBeforeFirstWrite === 'function') this._onBeforeFirstWrite((c) => write(c));
    started = true;
    return write(chunk, encoding, callback);
  };
  req.end = function (chunk, encoding, callback) {
    if (typeof chunk === 'function') return end(chunk);
    if (chunk != null) req.write(chunk, encoding);
    return end(callback);
  };
  const fail = (error) => {
    const response = toRapidResponse(error);
    req.addTrailers({
      'Lambda-Runtime-Function-Error-Type': response.errorType,
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(response)).toString('base64'),
    });
    if (!req.writableEnded) end();
  };
  return { stream: req, answered, fail };
}

async function invokeStreaming(handler, headers, body, id) {
  const { stream, answered, fail } = responseStream(id);
  let error;
  try {
    const event = JSON.parse(body.toString('utf8'));
    const result = handler(event, stream, makeContext(headers, () => {}));
    if (!result || typeof result.then !== 'function') {
      error = 'Streaming does not support non-async handlers.';
    } else {
      if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
      if (!stream.writableEnded) error = 'Response stream is not finished.';
    }
  } catch (e) {
    error = e == null ? new Error(String(e)) : e;
  }
  currentInvocation = null;
  if (error != null) {
    console.error('Invoke Error', toFormatted(error));
    if (!stream.writableEnded) fail(error); // else it ended before the error: the response stands as sent
  }
  const res = await answered;
  if (res.status !== 202) throw new Error(`POST /invocation/${id}/response answered ${res.status}: ${res.body}`);
}

// --- Invocation -------------------------------------------------------------------------------

function parseHeaderJson(value) {
  return value ? JSON.parse(value) : undefined;
}

function makeContext(headers, finish) {
  const env = process.env;
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  let waits = true;
  return {
    get callbackWaitsForEmptyEventLoop() {
      return waits;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waits = value;
    },
    succeed: (result) => finish(null, result),
    fail: (error) => finish(error == null ? 'handled' : error),
    done: (error, result) => finish(error, result),
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseHeaderJson(headers['lambda-runtime-client-context']),
    identity: parseHeaderJson(headers['lambda-runtime-cognito-identity']),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

/** Run the handler; resolves with [error, result] once it answers by promise, callback or context.*. */
function runHandler(handler, event, headers) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error, result) => {
      if (settled) return;
      settled = true;
      currentInvocation.onEmptyLoop = null;
      resolve([error, result]);
    };
    const context = makeContext(headers, finish);
    // A non-async handler that never answers gets `null` once the event loop is empty, as in Lambda.
    currentInvocation.onEmptyLoop = () => finish(null, null);
    const callback = (error, result) => {
      if (context.callbackWaitsForEmptyEventLoop) currentInvocation.onEmptyLoop = () => finish(error, result);
      else finish(error, result);
    };
    try {
      const result = handler(event, context, callback);
      if (result && typeof result.then === 'function') {
        result.then((value) => finish(null, value), (error) => finish(error == null ? new Error(String(error)) : error));
      }
    } catch (error) {
      finish(error);
    }
  });
}

async function invoke(handler, headers, body) {
  const id = headers['lambda-runtime-aws-request-id'];
  currentRequestId = id;
  if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  currentInvocation = { id, onEmptyLoop: null };
  if (handler[HANDLER_STREAMING] === STREAM_RESPONSE) return invokeStreaming(handler, headers, body, id);

  let error;
  let result;
  try {
    const event = JSON.parse(body.toString('utf8'));
    [error, result] = await runHandler(handler, event, headers);
  } catch (e) {
    error = e; // unparsable event or client context
  }
  let payload;
  if (error == null) {
    try {
      payload = JSON.stringify(result === undefined ? null : result);
    } catch (_) {
      error = new Error('Unable to stringify response body');
    }
  }
  currentInvocation = null;
  if (error != null) {
    console.error('Invoke Error', toFormatted(error));
    await post(`/invocation/${id}/error`, JSON.stringify(toRapidResponse(error)), errorHeaders(error));
  } else {
    await post(`/invocation/${id}/response`, payload === undefined ? 'null' : payload, { 'Content-Type': 'application/json' });
  }
}

async function failInit(error, exitCode) {
  console.error('Uncaught Exception', toFormatted(error));
  const body = JSON.stringify(toRapidResponse(error));
  const target = currentInvocation ? `/invocation/${currentInvocation.id}/error` : '/init/error';
  try {
    await post(target, body, errorHeaders(error));
  } finally {
    process.exit(exitCode);
  }
}

async function main() {
  patchConsole();
  process.on('beforeExit', () => currentInvocation && currentInvocation.onEmptyLoop && currentInvocation.onEmptyLoop());
  process.on('uncaughtException', (error) => failInit(error, 129));
  process.on('unhandledRejection', (reason) => {
    const error = runtimeError('Runtime.UnhandledPromiseRejection', reason && reason.message ? reason.message : String(reason));
    if (reason && reason.stack) error.stack = reason.stack;
    failInit(error, 128);
  });

  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(taskRoot, process.argv[2] || process.env._HANDLER || '');
  } catch (error) {
    return failInit(error, 129);
  }
  for (;;) {
    const next = await request('GET', '/invocation/next');
    if (next.status !== 200) throw new Error(`GET /invocation/next answered ${next.status}: ${next.body}`);
    await invoke(handler, next.headers, next.body);
  }
}

main().catch((error) => {
  process.stderr.write(`lambdactl node runtime: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
