#!/usr/bin/env node
// Drives the EVS emulator with Huawei's official Node.js SDK core (HcClient + BasicCredentials), the same way a
// generated service client (huaweicloud-sdk-evs EvsClient) does: hcClient.sendRequest({method, url with
// {project_id}, contentType, pathParams, queryParams, headers, data}). If the emulator's AK/SK verification or
// its response shapes disagree with what the official SDK sends and expects, a check here fails.
//
// Usage: node sdk-client.js --base-url http://127.0.0.1:PORT [--project-id ID --ak AK --sk SK]
//                           [--temp-ak AK --temp-sk SK --security-token TOKEN]
// Each option can also come from the environment (EVS_BASE_URL, EVS_PROJECT_ID, EVS_AK, EVS_SK, EVS_TEMP_AK,
// EVS_TEMP_SK, EVS_SECURITY_TOKEN). Missing credentials are read from GET {base}/__emulator/info.
//
// Output: one JSON object per line on stdout: {"check": name, "ok": bool, ...details}. Exit code 0 when every
// check passed, 1 otherwise, 2 on a usage or set-up error.
'use strict';

const path = require('path');
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core');
const { ClientBuilder } = require('@huaweicloud/huaweicloud-sdk-core/ClientBuilder');

// The SDK configures log4js to print to stdout (and logs every failed request at ERROR level); stdout is ours,
// so route its log to stderr, and silence it unless EVS_SDK_LOG_LEVEL (e.g. debug) asks for it: the expected
// 401s would otherwise print long error dumps. Every check reports status and error code itself.
function quietSdkLogging() {
  const sdkDir = path.dirname(require.resolve('@huaweicloud/huaweicloud-sdk-core/package.json'));
  const log4js = require(require.resolve('log4js', { paths: [sdkDir] }));
  log4js.configure({
    appenders: { stderr: { type: 'stderr', layout: { type: 'basic' } } },
    categories: { default: { appenders: ['stderr'], level: process.env.EVS_SDK_LOG_LEVEL || 'off' } },
  });
}

const OPTIONS = {
  '--base-url': 'EVS_BASE_URL',
  '--project-id': 'EVS_PROJECT_ID',
  '--ak': 'EVS_AK',
  '--sk': 'EVS_SK',
  '--temp-ak': 'EVS_TEMP_AK',
  '--temp-sk': 'EVS_TEMP_SK',
  '--security-token': 'EVS_SECURITY_TOKEN',
};

function parseArgs(argv) {
  const args = {};
  for (const [flag, env] of Object.entries(OPTIONS)) if (process.env[env]) args[flag] = process.env[env];
  for (let i = 0; i < argv.length; i++) {
    if (!(argv[i] in OPTIONS) || i + 1 >= argv.length) throw new Error(`unknown option or missing value: ${argv[i]}`);
    args[argv[i]] = argv[++i];
  }
  if (!args['--base-url']) throw new Error('--base-url (or EVS_BASE_URL) is required');
  return {
    baseUrl: args['--base-url'].replace(/\/+$/, ''),
    projectId: args['--project-id'],
    ak: args['--ak'],
    sk: args['--sk'],
    tempAk: args['--temp-ak'],
    tempSk: args['--temp-sk'],
    securityToken: args['--security-token'],
  };
}

// Fills in whatever the caller did not pass from the emulator's control plane (no auth needed there).
async function completeFromEmulatorInfo(cfg) {
  if (cfg.projectId && cfg.ak && cfg.sk) return cfg;
  const res = await fetch(`${cfg.baseUrl}/__emulator/info`);
  if (!res.ok) throw new Error(`GET /__emulator/info answered ${res.status}`);
  const info = await res.json();
  return {
    ...cfg,
    projectId: cfg.projectId || info.projectId,
    ak: cfg.ak || info.accessKey,
    sk: cfg.sk || info.secretKey,
    tempAk: cfg.tempAk || info.tempAccessKey,
    tempSk: cfg.tempSk || info.tempSecretKey,
    securityToken: cfg.securityToken || info.securityToken,
  };
}


// A client built exactly like a generated service client builds one; the init callback returns the HcClient.
function newClient(baseUrl, credential) {
  return new ClientBuilder((hcClient) => hcClient).withEndpoint(baseUrl).withCredential(credential).build();
}

function basicCredentials(ak, sk, projectId, securityToken) {
  const c = new BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId);
  return securityToken ? c.withSecurityToken(securityToken) : c;
}

// Signs through the SDK as usual, then flips one hex digit of the signature: a request that is correct in every
// respect except the signature.
class TamperingCredentials extends BasicCredentials {
  async processAuthRequest(hcClient, httpRequest) {
    const signed = await super.processAuthRequest(hcClient, httpRequest);
    const auth = signed.headers.Authorization;
    const last = auth[auth.length - 1];
    signed.headers.Authorization = auth.slice(0, -1) + (last === '0' ? '1' : '0');
    return signed;
  }
}

// Request options in the shape the generated EvsClient passes to HcClient.sendRequest.
const listVolumes = (query) => ({
  method: 'GET', url: '/v2/{project_id}/cloudvolumes/detail', contentType: 'application/json',
  queryParams: query, pathParams: {}, headers: {},
});
const listSnapshots = (query) => ({
  method: 'GET', url: '/v2/{project_id}/cloudsnapshots/detail', contentType: 'application/json',
  queryParams: query, pathParams: {}, headers: {},
});
const createSnapshot = (body) => ({
  method: 'POST', url: '/v2/{project_id}/cloudsnapshots', contentType: 'application/json;charset=UTF-8',
  queryParams: {}, pathParams: {}, headers: { 'Content-Type': 'application/json;charset=UTF-8' }, data: body,
});
const showSnapshot = (snapshotId) => ({
  method: 'GET', url: '/v2/{project_id}/cloudsnapshots/{snapshot_id}', contentType: 'application/json',
  queryParams: {}, pathParams: { snapshot_id: snapshotId }, headers: {},
});

// Runs one request; an SDK exception (any non-2xx) becomes {status, errorCode, errorMsg} instead of a throw.
async function send(client, options) {
  try {
    const body = await client.sendRequest(options);
    return { status: body.httpStatusCode, body };
  } catch (e) {
    if (e && e.httpStatusCode) return { status: e.httpStatusCode, errorCode: e.errorCode, errorMsg: e.errorMsg };
    throw e;
  }
}

const results = [];
function report(check, ok, details) {
  const line = { check, ok: Boolean(ok), ...details };
  results.push(line);
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// Each check reports itself; an unexpected exception fails only that check.
async function check(name, fn) {
  try {
    await fn();
  } catch (e) {
    report(name, false, { error: String((e && e.stack) || e) });
  }
}

async function main() {
  quietSdkLogging();
  const cfg = await completeFromEmulatorInfo(parseArgs(process.argv.slice(2)));
  for (const k of ['projectId', 'ak', 'sk']) if (!cfg[k]) throw new Error(`no ${k} given and none found in /__emulator/info`);

  const client = newClient(cfg.baseUrl, basicCredentials(cfg.ak, cfg.sk, cfg.projectId));
  let volumes = [];
  let snapshotId = null;
  let volumeId = null;

  await check('list-volumes', async () => {
    const r = await send(client, listVolumes({ limit: 100 }));
    volumes = (r.body && Array.isArray(r.body.volumes)) ? r.body.volumes : [];
    const ok = r.status === 200 && Array.isArray(r.body.volumes) && typeof r.body.count === 'number';
    report('list-volumes', ok, { status: r.status, errorCode: r.errorCode, volumes: volumes.length, count: r.body && r.body.count });
  });

  // Reserved and non-ASCII characters in a query value: the SDK escapes them with querystring.stringify when it
  // sends and with its own encoder when it signs; the emulator must rebuild the same canonical query.
  await check('list-snapshots-escaped-query', async () => {
    const name = 'sdk conformance 快照 &=?/+%#!*()~\'';
    const r = await send(client, listSnapshots({ name, limit: 10, offset: 0 }));
    const ok = r.status === 200 && Array.isArray(r.body.snapshots);
    report('list-snapshots-escaped-query', ok, { status: r.status, errorCode: r.errorCode, errorMsg: r.errorMsg, name });
  });

  // Query names whose UTF-16 order (the SDK's sort) differs from their UTF-8 byte order (the Go SDK's): the
  // emulator must accept the official Node SDK's signature either way.
  await check('list-snapshots-utf16-order', async () => {
    const r = await send(client, listSnapshots({ limit: 10, offset: 0, 'ｚ': '1', '😀': '2' }));
    const ok = r.status === 200 && Array.isArray(r.body.snapshots);
    report('list-snapshots-utf16-order', ok, { status: r.status, errorCode: r.errorCode, errorMsg: r.errorMsg });
  });

  await check('create-snapshot', async () => {
    const volume = volumes.find((v) => v.status === 'available') || volumes.find((v) => v.status === 'in-use');
    if (!volume) {
      report('create-snapshot', false, { error: 'no available or in-use volume in the list' });
      return;
    }
    volumeId = volume.id;
    const r = await send(client, createSnapshot({ snapshot: { volume_id: volumeId, name: 'sdk-conformance' } }));
    const s = (r.body && r.body.snapshot) || {};
    snapshotId = s.id || null;
    const ok = r.status === 202 && typeof s.id === 'string' && s.id.length > 0 && s.status === 'creating';
    report('create-snapshot', ok, { status: r.status, errorCode: r.errorCode, errorMsg: r.errorMsg, volumeId, snapshotId, snapshotStatus: s.status });
  });

  await check('get-snapshot', async () => {
    if (!snapshotId) {
      report('get-snapshot', false, { error: 'no snapshot was created' });
      return;
    }
    const r = await send(client, showSnapshot(snapshotId));
    const s = (r.body && r.body.snapshot) || {};
    const ok = r.status === 200 && s.id === snapshotId && s.volume_id === volumeId && s.name === 'sdk-conformance';
    report('get-snapshot', ok, { status: r.status, errorCode: r.errorCode, snapshotId: s.id, volumeId: s.volume_id, name: s.name, snapshotStatus: s.status });
  });

  // Temporary AK/SK: the SDK adds X-Security-Token before signing, so it is signed.
  await check('temporary-credentials', async () => {
    if (!cfg.tempAk || !cfg.tempSk || !cfg.securityToken) {
      report('temporary-credentials', false, { error: 'no temporary AK/SK/security token given and none found in /__emulator/info' });
      return;
    }
    const tempClient = newClient(cfg.baseUrl, basicCredentials(cfg.tempAk, cfg.tempSk, cfg.projectId, cfg.securityToken));
    const r = await send(tempClient, listVolumes({}));
    report('temporary-credentials', r.status === 200, { status: r.status, errorCode: r.errorCode, errorMsg: r.errorMsg });
  });

  await check('tampered-signature', async () => {
    const credential = new TamperingCredentials().withAk(cfg.ak).withSk(cfg.sk).withProjectId(cfg.projectId);
    const r = await send(newClient(cfg.baseUrl, credential), listVolumes({ limit: 1 }));
    report('tampered-signature', r.status === 401 && r.errorCode === 'APIGW.0301', { status: r.status, errorCode: r.errorCode, errorMsg: r.errorMsg });
  });

  await check('wrong-secret-key', async () => {
    const wrong = newClient(cfg.baseUrl, basicCredentials(cfg.ak, `${cfg.sk}x`, cfg.projectId));
    const r = await send(wrong, createSnapshot({ snapshot: { volume_id: volumeId || 'none', name: 'must-not-exist' } }));
    report('wrong-secret-key', r.status === 401 && r.errorCode === 'APIGW.0301', { status: r.status, errorCode: r.errorCode, errorMsg: r.errorMsg });
  });

  process.exitCode = results.every((x) => x.ok) ? 0 : 1;
}

main().catch((e) => {
  process.stderr.write(`sdk-client: ${(e && e.stack) || e}\n`);
  process.exitCode = 2;
});
