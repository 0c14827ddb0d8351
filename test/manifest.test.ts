import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPTION_ARITY, type OptionName, SUBCOMMANDS } from '../src/commands/grammar.js';
import { ACTIONS, BOT_SCOPES, EVENTS_PATH, SLASH_COMMAND, WORKFLOW_STEPS } from '../src/slack/ids.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = path.join(repoRoot, 'manifest.yml');
const schemaPath = path.resolve(repoRoot, '..', 'shared', 'schemas', 'slack-app-manifest.schema.1.0.0.json');

/** The bot scopes the code uses (src/slack/ids.ts): the manifest must ask for exactly these. */
const EXPECTED_BOT_SCOPES = [...BOT_SCOPES];

interface SlashCommand {
  command?: string;
  url?: string;
  description?: string;
  usage_hint?: string;
  should_escape?: boolean;
}

interface StepParameter {
  type: string;
  is_required?: boolean;
}

interface Manifest {
  functions?: Record<
    string,
    { input_parameters: Record<string, StepParameter>; output_parameters: Record<string, StepParameter> }
  >;
  display_information?: { name?: string; description?: string };
  features?: { bot_user?: { display_name?: string }; slash_commands?: SlashCommand[] };
  oauth_config?: { scopes?: { bot?: string[]; user?: string[] } };
  settings?: {
    interactivity?: { is_enabled?: boolean; request_url?: string };
    event_subscriptions?: unknown;
    org_deploy_enabled?: boolean;
    function_runtime?: string;
    socket_mode_enabled?: boolean;
    token_rotation_enabled?: boolean;
  };
}

function loadManifest(): Manifest {
  return parse(readFileSync(manifestPath, 'utf8')) as Manifest;
}

// ajv and ajv-formats are CommonJS: under NodeNext the plugin function sits on `.default`
// (Node's CJS interop), while some loaders hand back the function itself.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  typeof ajvFormats.default === 'function'
    ? (ajvFormats.default as unknown as FormatsPlugin)
    : ((ajvFormats.default as unknown as { default: FormatsPlugin }).default ?? (ajvFormats as unknown as FormatsPlugin));

const AJV_BY_DRAFT: Record<string, new (options: ConstructorParameters<typeof Ajv>[0]) => Ajv> = {
  'http://json-schema.org/draft-07/schema': Ajv,
  'https://json-schema.org/draft/2019-09/schema': Ajv2019,
  'https://json-schema.org/draft/2020-12/schema': Ajv2020,
};

let compiled: ValidateFunction | undefined;

/** Slack's manifest schema, compiled once. A missing file is a failure, never a skip. */
function manifestValidator(): ValidateFunction {
  if (compiled) return compiled;
  if (!existsSync(schemaPath)) {
    throw new Error(
      `Slack's app-manifest schema is missing: expected ${schemaPath} (shared/schemas/ beside the repo). ` +
        'manifest.yml cannot be validated without it.',
    );
  }
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as AnySchemaObject;
  const draft = String(schema.$schema ?? 'http://json-schema.org/draft-07/schema#').replace(/#$/, '');
  const AjvClass = AJV_BY_DRAFT[draft];
  if (!AjvClass) throw new Error(`${schemaPath} declares $schema ${draft}, which this test has no Ajv build for.`);
  // Strict mode stays on for everything except types: Slack's own schema has a `minItems` on a
  // property whose type is not declared as array (strictTypes), which is its issue, not ours.
  const ajv = new AjvClass({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  // Two non-standard keywords in Slack's schema: `_note` is a comment; `regex` (on
  // display_information.background_color) is meant as a pattern, so it is enforced as one.
  ajv.addKeyword({ keyword: '_note', schemaType: 'string' });
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (pattern: string, data: string) => new RegExp(pattern).test(data),
    errors: false,
  });
  compiled = ajv.compile(schema);
  return compiled;
}

function schemaErrors(manifest: unknown): ErrorObject[] {
  const validate = manifestValidator();
  return validate(manifest) ? [] : [...(validate.errors ?? [])];
}

function describeErrors(errors: readonly ErrorObject[]): string {
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`).join('\n');
}

/** The single `/s3x` command of a manifest (asserted elsewhere that there is exactly one). */
function slashCommand(manifest: Manifest): SlashCommand {
  const command = manifest.features?.slash_commands?.[0];
  if (!command) throw new Error('manifest.yml has no slash command');
  return command;
}

/**
 * Words of a usage hint that name subcommands, and the --options it names. Placeholders are
 * `<lowercase>` or an UPPERCASE word after an option (`--bucket B`); separators are punctuation.
 */
function hintTerms(hint: string): { subcommands: string[]; options: string[] } {
  const options = [...hint.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1] as string);
  const rest = hint.replace(/<[^>]*>/g, ' ').replace(/--[a-z][a-z-]*(\s+[A-Z][A-Z0-9_-]*)?/g, ' ');
  const subcommands = [...rest.matchAll(/[a-z][a-z0-9-]*/g)].map((m) => m[0]);
  return { subcommands, options };
}

describe("manifest.yml against Slack's app-manifest schema", () => {
  it('finds the schema file (shared/schemas beside the repo)', () => {
    expect(existsSync(schemaPath), `missing ${schemaPath}`).toBe(true);
  });

  it('is valid YAML and valid under the schema', () => {
    const errors = schemaErrors(loadManifest());
    expect(errors, describeErrors(errors)).toEqual([]);
  });

  it('rejects a slash command without `command` (the check can fail)', () => {
    const broken = structuredClone(loadManifest());
    delete slashCommand(broken).command;
    const errors = schemaErrors(broken);
    expect(errors.length).toBeGreaterThan(0);
    expect(
      errors.some((e) => e.keyword === 'required' && e.params.missingProperty === 'command'),
      describeErrors(errors),
    ).toBe(true);
  });

  it('rejects an unknown field and a malformed colour', () => {
    const unknownField = structuredClone(loadManifest()) as Manifest & { settings: Record<string, unknown> };
    unknownField.settings.socket_mode = true; // the real key is socket_mode_enabled
    expect(schemaErrors(unknownField).some((e) => e.keyword === 'additionalProperties')).toBe(true);

    const badColour = structuredClone(loadManifest()) as Manifest & { display_information: Record<string, unknown> };
    badColour.display_information.background_color = 'blue!!';
    expect(schemaErrors(badColour).some((e) => e.keyword === 'regex')).toBe(true);
  });
});

describe('manifest.yml matches the code', () => {
  const manifest = loadManifest();

  it('declares exactly one slash command, and it is /s3x', () => {
    const commands = manifest.features?.slash_commands ?? [];
    expect(commands.map((c) => c.command)).toEqual([SLASH_COMMAND]);
  });

  it("sends the command and interactivity to Bolt's events path", () => {
    const url = slashCommand(manifest).url;
    expect(url, 'slash command url').toMatch(/^https:\/\//);
    expect(url?.endsWith(EVENTS_PATH), `${url} should end with ${EVENTS_PATH}`).toBe(true);
    expect(manifest.settings?.interactivity?.is_enabled).toBe(true);
    expect(manifest.settings?.interactivity?.request_url).toBe(url);
  });

  it('names every subcommand of the grammar in the usage hint, and nothing else', () => {
    const hint = slashCommand(manifest).usage_hint ?? '';
    const { subcommands, options } = hintTerms(hint);
    expect(subcommands.length, `no subcommand found in usage hint "${hint}"`).toBeGreaterThan(0);
    expect(subcommands).toContain('who-deleted');
    const known = new Map(SUBCOMMANDS.map((spec) => [spec.name as string, spec]));
    for (const name of subcommands) {
      const spec = known.get(name);
      expect(spec, `usage hint names "${name}", which is not in SUBCOMMANDS`).toBeDefined();
    }
    expect([...new Set(subcommands)].sort(), 'usage hint and SUBCOMMANDS differ').toEqual(SUBCOMMANDS.map((s) => s.name).sort());
    for (const option of options) {
      expect(Object.keys(OPTION_ARITY), `usage hint names --${option}, which is not an option`).toContain(option);
      const takers = subcommands.filter((name) => known.get(name)?.options.includes(option as OptionName));
      expect(takers.length, `--${option} is taken by none of the subcommands in the hint`).toBeGreaterThan(0);
    }
  });

  it('asks for exactly the expected bot scopes and no user scopes', () => {
    expect(manifest.oauth_config?.scopes?.bot).toEqual(EXPECTED_BOT_SCOPES);
    expect(manifest.oauth_config?.scopes?.user ?? []).toEqual([]);
  });

  it('runs in HTTP mode, subscribed to function_executed only (the workflow steps), without token rotation', () => {
    // The only events s3x listens to are its Workflow Builder steps (app.function); no app.event() listener.
    expect(manifest.settings?.event_subscriptions).toEqual({
      request_url: slashCommand(manifest).url,
      bot_events: ['function_executed'],
    });
    expect(manifest.settings?.socket_mode_enabled).toBe(false);
    expect(manifest.settings?.token_rotation_enabled).toBe(false);
    expect(manifest.features?.bot_user?.display_name).toBeTruthy();
    expect(slashCommand(manifest).should_escape).toBe(false);
  });
});

describe('manifest.yml against the code', () => {
  it('enables interactivity because the code registers button actions', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const text = readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8');
    const parsed = parse(text) as { settings?: { interactivity?: { is_enabled?: boolean } } };
    expect(Object.values(ACTIONS).length).toBeGreaterThan(0);
    expect(parsed.settings?.interactivity?.is_enabled).toBe(true);
  });

  it('lists in ids.ts every action id a listener registers, and each is handled once', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../src/slack/listeners/actions/', import.meta.url);
    const sources = readdirSync(dir)
      .map((f) => readFileSync(new URL(f, dir), 'utf8'))
      .join('\n');
    const registered = [...sources.matchAll(/app\.action<[^>]*>\(\s*(?:new RegExp\(`\^\$\{)?ACTIONS\.(\w+)/g)].map((m) => m[1]);
    expect([...registered].sort()).toEqual(Object.keys(ACTIONS).sort());
  });
});

describe('manifest.yml declares the Workflow Builder steps the code registers', () => {
  const manifest = loadManifest();

  it('declares exactly the steps of WORKFLOW_STEPS, as an org-ready app with a remote function runtime', () => {
    expect(Object.keys(manifest.functions ?? {}).sort()).toEqual(Object.values(WORKFLOW_STEPS).sort());
    expect(manifest.settings?.org_deploy_enabled).toBe(true);
    expect(manifest.settings?.function_runtime).toBe('remote');
  });

  it('declares every input the steps read, and requires the requester the access check needs', () => {
    const source = readFileSync(path.join(repoRoot, 'src', 'slack', 'functions', 'workflow-steps.ts'), 'utf8');
    const read = new Set([...source.matchAll(/textInput\(inputs, '(\w+)'\)/g)].map((m) => m[1]));
    const declared = new Set(Object.values(manifest.functions ?? {}).flatMap((f) => Object.keys(f.input_parameters)));
    expect([...declared].sort()).toEqual([...read].sort());
    for (const step of Object.values(manifest.functions ?? {})) {
      expect(step.input_parameters.requester).toEqual(
        expect.objectContaining({ type: 'slack#/types/user_id', is_required: true }),
      );
    }
  });
});
