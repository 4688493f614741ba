/**
 * `npm run bench:vault`: PiiVault.encrypt + decrypt of one value, against bare AES-256-GCM from
 * node:crypto sealing and opening the same bytes (same plaintext length, same AAD length, a random
 * 12-byte IV each time), in the same run, for a small, a medium and a large value.
 *
 * Hot: the (subject, category) data key is in the vault's cache, as for every field after the
 * first of a subject. Cold, with CONCURRENCY callers as on a busy API:
 * - first use: a new (subject, category), so the vault makes a key, wraps it and stores it unless
 *   one exists (vault_create_data_keys: one statement, a commit that does not wait for the WAL
 *   flush) before sealing;
 * - after a restart: a vault with an empty cache opens a value sealed earlier, so it SELECTs and
 *   unwraps the key first.
 *
 * Options: --slices N hot slices per contender and value (BENCH_SLICES, default 16, order
 * alternating), --slice-ms N (BENCH_SLICE_MS, default 250), --cold-seconds N per cold phase
 * (BENCH_COLD_SECONDS, default 3).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import pino from 'pino';
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { JsonValue } from '@pi-ledger/event-store/event-store.port';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import { aad, FIELD_AAD_LABEL } from '@pi-ledger/pii-vault/envelope';
import { openPiiVault } from '@pi-ledger/pii-vault/open-pii-vault';
import { EncryptedValue, FieldContext, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import {
  BenchDatabase,
  Defer,
  environmentNote,
  formatCount,
  formatMs,
  formatRatio,
  intOption,
  loadAverage,
  loadNote,
  log,
  markdownTable,
  openBenchDatabase,
  percentileOf,
  progress,
  runBench,
  sum,
  timedRun,
  writeDocSection,
} from './bench-support';

/** Concurrent callers of the cold phases: autocannon's connections in bench:commands. */
const CONCURRENCY = 16;
const WARM_UP_MS = 500;
/** Distinct events per hot run: the AAD changes from value to value, as it does in the ledger. */
const EVENTS = 256;
/** Operations between two looks at the clock in the hot loops. */
const STRIDE = 32;

interface Settings {
  /** Hot: short slices, bare AES and the vault taking turns, so that other work on the machine hits both alike. */
  slices: number;
  sliceMs: number;
  coldSeconds: number;
}

interface Sample {
  readonly name: string;
  readonly description: string;
  readonly category: string;
  readonly field: string;
  readonly value: JsonValue;
}

interface Rate {
  values: number;
  seconds: number;
}

interface HotResult {
  sample: Sample;
  plaintextBytes: number;
  aadBytes: number;
  /** Per contender (bare AES first, then the vault): one rate per slice. */
  slices: Rate[][];
}

interface ColdRun extends Rate {
  latenciesMs: number[];
}

interface ColdResult {
  sample: Sample;
  firstUse: ColdRun;
  afterRestart: ColdRun;
}

runBench(async (defer) => {
  const startLoad = loadAverage();
  const settings: Settings = {
    slices: intOption('slices', 'BENCH_SLICES', 16),
    sliceMs: intOption('slice-ms', 'BENCH_SLICE_MS', 250),
    coldSeconds: intOption('cold-seconds', 'BENCH_COLD_SECONDS', 3),
  };
  const database = await openBenchDatabase(defer);
  const pool = await database.ledgerPool(CONCURRENCY);
  const masterKey = randomBytes(32);
  const vault = await openVault(pool, masterKey, defer);
  const samples = sampleValues();

  const hot: HotResult[] = [];
  for (const sample of samples) hot.push(await measureHot(vault, sample, settings));
  // the first inserts into a fresh table and its indexes are slower than the rest: not for the first sample only
  await concurrently('cold, warm-up', 1, async () => {
    await vault.encrypt({ eventId: uuidv7(), subjectId: uuidv7(), category: 'contact', field: 'phone' }, '+8613812345678');
    return true;
  });
  const cold: ColdResult[] = [];
  for (const sample of samples) cold.push(await measureCold(vault, pool, masterKey, sample, settings, defer));
  await assertKeysStored(database, cold);

  const report = renderReport(hot, cold, settings, startLoad, database);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('vault', report)}`);
});

/** The vault as the API opens it (openPiiVault), minus the LISTEN connection nobody here needs. */
async function openVault(pool: Pool, masterKey: Buffer, defer: Defer): Promise<PiiVault> {
  const logger = pino({ level: 'warn', base: { component: 'bench-vault' } }, process.stderr);
  // the master key is given, so nothing is generated into the data dir
  const config = { ...loadConfig({}), dataDir: '/nonexistent', masterKey };
  const vault = await openPiiVault(pool, config, logger, { listenForShreds: false });
  defer(() => vault.close());
  return vault;
}

// ---------------------------------------------------------------------------------------------
// The values

function sampleValues(): Sample[] {
  return [
    { name: 'small', description: 'a phone number', category: 'contact', field: 'phone', value: '+8613812345678' },
    { name: 'medium', description: 'a health record', category: 'health', field: 'lifestyle', value: healthRecord() },
    { name: 'large', description: 'an exam record', category: 'health_records', field: 'exams', value: examRecord() },
  ];
}

/** Lifestyle and history as a health-management centre keeps them: ≈300 bytes of UTF-8 JSON. */
function healthRecord(): JsonValue {
  return {
    conditions: ['2型糖尿病', '高血压'],
    allergies: ['青霉素'],
    surgeries: [{ name: '阑尾切除术', date: '2010-03-15' }],
    medications: ['二甲双胍 500mg 每日两次'],
    lifestyle: { smoking: '不吸烟', alcohol: '偶尔', exercise: '每周跑步三次', sleep: '每晚约7小时' },
    goals: ['控制血糖'],
  };
}

/** One annual check-up with its findings and 60 lab results: ≈4 KB of UTF-8 JSON. */
function examRecord(): JsonValue {
  const results: Record<string, number | string> = {};
  const analytes = ['GLU', 'HbA1c', 'TC', 'TG', 'HDL-C', 'LDL-C', 'ALT', 'AST', 'GGT', 'ALP', 'TBIL', 'DBIL', 'TP', 'ALB', 'BUN', 'CREA', 'UA', 'eGFR', 'WBC', 'RBC'];
  for (let index = 0; index < 60; index++) {
    const name = `${analytes[index % analytes.length]}${index < analytes.length ? '' : `-${Math.floor(index / analytes.length)}`}`;
    results[name] = index % 7 === 0 ? '阴性' : Math.round(((index * 37) % 1000) / 7) / 10;
  }
  const findings = [
    '血压 142/91 mmHg，较去年升高，建议低盐饮食并复查。',
    '空腹血糖 7.8 mmol/L，糖化血红蛋白 7.2%，血糖控制欠佳，建议内分泌科随访，调整用药。',
    '腹部超声：脂肪肝（轻度），胆囊、胰腺、脾脏、双肾未见明显异常。',
    '心电图：窦性心律，偶发房性早搏。胸部 CT：双肺未见明显异常。',
    '眼底检查：双眼视网膜动脉硬化 I 期，未见糖尿病视网膜病变。',
    '颈动脉超声：右侧颈动脉分叉处内中膜增厚，未见斑块。',
    '骨密度：T 值 -1.2，骨量减少，建议补充钙剂与维生素 D，增加户外活动。',
  ];
  return {
    date: '2026-09-18',
    type: '年度体检',
    findings: Array.from({ length: 5 }, () => findings.join('')).join(''),
    results,
  };
}

// ---------------------------------------------------------------------------------------------
// Hot: the key is cached

/** The i-th operation: bare AES is synchronous and runs in a plain loop, the vault's is awaited. */
type Contender = { sync: (index: number) => void } | { async: (index: number) => Promise<void> };

/**
 * One caller, back to back. Bare AES and the vault are warmed up, then run in slices of
 * `settings.sliceMs`, taking turns and alternating which goes first.
 */
async function measureHot(vault: PiiVault, sample: Sample, settings: Settings): Promise<HotResult> {
  const subjectId = uuidv7();
  const contexts: FieldContext[] = Array.from({ length: EVENTS }, () => ({ eventId: uuidv7(), subjectId, category: sample.category, field: sample.field }));
  const aadBytes = aad(FIELD_AAD_LABEL, [contexts[0].eventId, subjectId, sample.category, sample.field]).length;
  const plaintext = Buffer.from(JSON.stringify(sample.value), 'utf8');

  // the baseline: the same bytes, AADs of the same length, a fresh key (a data key is 32 random bytes)
  const key = randomBytes(32);
  const aads = contexts.map(() => randomBytes(aadBytes));
  const bare: Contender = {
    sync: (index) => {
      const opened = bareSealAndOpen(key, plaintext, aads[index % EVENTS]);
      if (opened.length !== plaintext.length) throw new Error('bare AES-GCM returned another length');
    },
  };
  if (!bareSealAndOpen(key, plaintext, aads[0]).equals(plaintext)) throw new Error('bare AES-GCM does not round-trip');

  // the vault: seals, then opens what it sealed; the first call made the key, the rest find it cached
  const sealed = await vault.encrypt(contexts[0], sample.value);
  if (!isDeepStrictEqual(await vault.decrypt(contexts[0], sealed), sample.value)) throw new Error('the vault does not round-trip');
  const viaVault: Contender = {
    async: async (index) => {
      const context = contexts[index % EVENTS];
      await vault.decrypt(context, await vault.encrypt(context, sample.value));
    },
  };

  const contenders = [bare, viaVault];
  for (const contender of contenders) await timed(contender, WARM_UP_MS);
  const slices: Rate[][] = contenders.map(() => []);
  const bar = progress(`hot, ${sample.name} value (${plaintext.length} B)`, settings.slices * contenders.length, 'slices');
  for (let slice = 0; slice < settings.slices; slice++) {
    for (let turn = 0; turn < contenders.length; turn++) {
      const index = (slice + turn) % contenders.length;
      slices[index].push(await timed(contenders[index], settings.sliceMs));
      bar.update(slice * contenders.length + turn + 1);
    }
  }
  bar.stop();
  return { sample, plaintextBytes: plaintext.length, aadBytes, slices };
}

/** AES-256-GCM as node:crypto offers it, nothing around it: seal with a random IV, then open. */
function bareSealAndOpen(key: Buffer, plaintext: Buffer, additional: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(additional);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  decipher.setAAD(additional);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

async function timed(contender: Contender, ms: number): Promise<Rate> {
  const started = performance.now();
  const deadline = started + ms;
  let values = 0;
  if ('sync' in contender) {
    while (performance.now() < deadline) {
      for (let step = 0; step < STRIDE; step++) contender.sync(values++);
    }
  } else {
    while (performance.now() < deadline) {
      for (let step = 0; step < STRIDE; step++) await contender.async(values++);
    }
  }
  return { values, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Cold: the key is not in memory

interface Sealed {
  context: FieldContext;
  envelope: EncryptedValue;
}

/**
 * First use: CONCURRENCY callers each seal a value for a new subject (the vault makes and stores
 * its data key) and open it again, for `coldSeconds`. After a restart: a second vault on the same
 * database, its cache empty, opens those values and seals them again, for at most as long.
 */
async function measureCold(vault: PiiVault, pool: Pool, masterKey: Buffer, sample: Sample, settings: Settings, defer: Defer): Promise<ColdResult> {
  const stored: Sealed[] = [];
  const firstUse = await concurrently(`cold, first use, ${sample.name} value`, settings.coldSeconds, async () => {
    const context: FieldContext = { eventId: uuidv7(), subjectId: uuidv7(), category: sample.category, field: sample.field };
    const envelope = await vault.encrypt(context, sample.value);
    await vault.decrypt(context, envelope);
    stored.push({ context, envelope });
    return true;
  });

  const restarted = await openVault(pool, masterKey, defer);
  let next = 0;
  const afterRestart = await concurrently(`cold, after a restart, ${sample.name} value`, settings.coldSeconds, async () => {
    const value = stored[next++];
    if (!value) return false;
    if (!isDeepStrictEqual(await restarted.decrypt(value.context, value.envelope), sample.value)) throw new Error('a stored value does not open');
    await restarted.encrypt(value.context, sample.value);
    return true;
  });
  return { sample, firstUse, afterRestart };
}

/** `operation` from CONCURRENCY callers until the time is up or it returns false; times each call. */
async function concurrently(title: string, seconds: number, operation: () => Promise<boolean>): Promise<ColdRun> {
  const run: ColdRun = { values: 0, seconds: 0, latenciesMs: [] };
  const timed = await timedRun(title, seconds, (deadline) =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          const sent = performance.now();
          if (!(await operation())) return;
          run.latenciesMs.push(performance.now() - sent);
          run.values++;
        }
      }),
    ),
  );
  run.seconds = timed.seconds;
  return run;
}

/** Guards the cold figures: every first use measured left a data key in the database. */
async function assertKeysStored(database: BenchDatabase, cold: readonly ColdResult[]): Promise<void> {
  const owner = await database.ownerClient();
  const { rows } = await owner.query<{ keys: number }>('SELECT count(*)::int AS keys FROM vault_data_keys');
  const measured = cold.reduce((total, result) => total + result.firstUse.values, 0);
  if (rows[0].keys < measured) throw new Error(`${measured} first uses measured but only ${rows[0].keys} data keys stored`);
}

// ---------------------------------------------------------------------------------------------
// Reporting

const rateOf = (rates: readonly Rate[]): number => sum(rates.map((rate) => rate.values)) / sum(rates.map((rate) => rate.seconds));

function renderReport(hot: readonly HotResult[], cold: readonly ColdResult[], settings: Settings, startLoad: number, database: BenchDatabase): string {
  const hotTable = markdownTable(
    ['value', 'plaintext', 'AAD', 'bare AES-256-GCM values/s', 'vault values/s', 'vault vs bare', 'slice pairs: median (p10–p90)'],
    hot.map((result) => {
      const [bare, vault] = result.slices;
      const pairs = vault.map((rate, slice) => rate.values / rate.seconds / (bare[slice].values / bare[slice].seconds));
      return [
        `${result.sample.name}: ${result.sample.description}`,
        `${formatCount(result.plaintextBytes)} B`,
        `${result.aadBytes} B`,
        formatCount(rateOf(bare)),
        formatCount(rateOf(vault)),
        formatRatio(rateOf(vault) / rateOf(bare)),
        `${percentileOf(pairs, 0.5).toFixed(2)} (${percentileOf(pairs, 0.1).toFixed(2)}–${percentileOf(pairs, 0.9).toFixed(2)})`,
      ];
    }),
    ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const hotRate = new Map(hot.map((result) => [result.sample.name, rateOf(result.slices[1])]));
  const bareRate = new Map(hot.map((result) => [result.sample.name, rateOf(result.slices[0])]));
  const coldTable = markdownTable(
    ['value', 'key', 'values', 'values/s', 'p50', 'p99', 'vs bare AES', 'vs vault hot'],
    cold.flatMap((result) =>
      (
        [
          ['first use (key made and inserted)', result.firstUse],
          ['after a restart (key selected and unwrapped)', result.afterRestart],
        ] as const
      ).map(([path, run]) => {
        const rate = run.values / run.seconds;
        return [
          result.sample.name,
          path,
          formatCount(run.values),
          formatCount(rate),
          formatMs(percentileOf(run.latenciesMs, 0.5)),
          formatMs(percentileOf(run.latenciesMs, 0.99)),
          formatRatio(rate / (bareRate.get(result.sample.name) ?? NaN)),
          formatRatio(rate / (hotRate.get(result.sample.name) ?? NaN)),
        ];
      }),
    ),
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const hotRatios = hot.map((result) => rateOf(result.slices[1]) / rateOf(result.slices[0]));
  return [
    '## PII vault throughput',
    '',
    `${environmentNote(database)} ${loadNote(startLoad)}`,
    '',
    '```sh',
    'npm run bench:vault   # options: --slices N (BENCH_SLICES), --slice-ms N, --cold-seconds N',
    '```',
    '',
    'A value here is one `PiiVault.encrypt` followed by `PiiVault.decrypt` of what it returned (values/s = round ' +
      'trips per second), on a vault opened with `openPiiVault` on a fresh database; the baseline seals and opens ' +
      'the same UTF-8 bytes with bare AES-256-GCM from node:crypto (`createCipheriv`/`createDecipheriv`, a random ' +
      "12-byte IV each time, random AAD of the vault's AAD length, a 16-byte tag). Both run in one caller, back to " +
      `back, warmed up for ${WARM_UP_MS} ms, then in ${settings.slices} slices of ${settings.sliceMs} ms each, taking turns ` +
      `and alternating which goes first, so that other work on the machine weighs on both alike; the ratio is that of ` +
      `the total rates, the median and spread are those of the ratios of paired slices. The vault's AAD names a different event every time (${EVENTS} events rotate).`,
    '',
    "**Hot path**: the (subject, category) data key is in the vault's cache, as for every value of a subject after " +
      'its first. On top of the cipher the vault does JSON serialisation and parsing, builds the AAD, looks the key ' +
      'up, base64-encodes the envelope and decodes it again, and awaits twice.',
    '',
    hotTable,
    '',
    `**Cold path**: ${CONCURRENCY} concurrent callers for up to ${settings.coldSeconds} s each, after 1 s of first ` +
      `uses to warm the table up. *First use*: every ` +
      'value is for a new subject, so `encrypt` makes a data key, wraps it under the master key and stores it unless one ' +
      'exists (`vault_create_data_keys`: one statement, whose commit does not wait for the WAL flush, as the events sealed ' +
      'under the key are committed later and flush it) before sealing; `decrypt` then finds it cached. *After a ' +
      'restart*: a second vault with an empty cache opens those values (SELECT and unwrap of the key), then seals ' +
      'them again (cached). The ratios set these against the single-caller hot figures above. (The first events of a ' +
      'subject, its registration, do without that statement: their keys are stored by the append itself, see the ' +
      'command benchmark.)',
    '',
    coldTable,
    '',
    `- Hot path: the vault reaches ${hot.map((result, index) => `${formatRatio(hotRatios[index])} (${result.sample.name})`).join(', ')} ` + 'of bare AES-256-GCM.',
    `- Cold path: a first use costs one database round trip and a commit that does not wait for the WAL flush; at ${CONCURRENCY} callers it runs at ` +
      `${cold.map((result) => `${formatCount(result.firstUse.values / result.firstUse.seconds)}/s (${result.sample.name})`).join(', ')}, ` +
      `after a restart at ${cold.map((result) => `${formatCount(result.afterRestart.values / result.afterRestart.seconds)}/s`).join(', ')}.`,
  ].join('\n');
}
