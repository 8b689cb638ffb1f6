/**
 * The status page: one node (served by its agent) or the fleet (served by `mcp ui`). It asks
 * the API for the node's status, services and events, and renders again whenever the agent's
 * event stream says something happened: no polling. On an agent the read token is typed once
 * and kept in sessionStorage, sent as a bearer token, never put in a URL; under `mcp ui` the
 * local proxy adds the operator's token and the page needs none.
 */
import type { EventRecord, ServicesAnswer, StatusAnswer, Suspension } from '../wire/api.js';

interface PageConfig {
  mode: 'node' | 'fleet';
  nodes: string[];
}

type Answer<T> = { ok: true; body: T } | { ok: false; status: number; message: string };

const TOKEN_KEY = 'mcp-read-token';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let config: PageConfig = { mode: 'node', nodes: [] };

/** The API base of a node: the agent itself, or the fleet proxy's path for it. */
const base = (node: string) => (config.mode === 'fleet' ? `/nodes/${encodeURIComponent(node)}` : '');

const headers = (): Record<string, string> => {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return config.mode === 'node' && token ? { authorization: `Bearer ${token}` } : {};
};

const ask = async <T>(node: string, path: string): Promise<Answer<T>> => {
  try {
    const res = await fetch(`${base(node)}${path}`, { headers: headers(), cache: 'no-store' });
    const body = await res.json().catch(() => ({}));
    if (res.ok) return { ok: true, body: body as T };
    return { ok: false, status: res.status, message: body?.error?.message ?? `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, status: 0, message: (err as Error).message };
  }
};

/** An element with text and attributes; text is always text, never markup. */
const el = (tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
};

const ago = (iso: string): string => {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120
    ? `${s} s ago`
    : s < 7200
      ? `${Math.round(s / 60)} min ago`
      : `${Math.round(s / 3600)} h ago`;
};

const untilText = (iso: string): string =>
  `in ${Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 1000))} s`;

/**
 * "service wiki suspended since T by ops: why", as domain/suspension.ts words it (the page is
 * one script served alone: it imports types only).
 */
const suspensionText = (x: Suspension): string =>
  `${x.scope} ${x.target} suspended since ${x.since} by ${x.by}${x.reason ? `: ${x.reason}` : ''}`;

/** The VMs' accelerator, or why there is none yet, as `mcp status -v` words it. */
const accelText = (vm: NonNullable<StatusAnswer['vm']>): string => {
  if ('probing' in vm) return 'probing the accelerator';
  if ('undecided' in vm) return `accelerator not decided (${vm.reason})`;
  const cached =
    vm.source === 'cache' && vm.key
      ? `; from the cache for boot ${vm.key.bootId}, ${vm.key.qemuVersion}${vm.probedAt ? `, probed ${vm.probedAt}` : ''}`
      : '';
  return `${vm.accel} (${vm.reason}${cached})`;
};

const BAD_STATES = new Set(['missing', 'exited', 'unknown', 'created', 'paused']);

/** Everything on the node that needs a person, in words. */
const troubles = (status: StatusAnswer, services: ServicesAnswer): string[] => {
  const out: string[] = [];
  const pass = status.lastPass;
  if (pass && (pass.result === 'degraded' || pass.result === 'failed'))
    out.push(`last pass ${pass.result}: ${pass.errors[0]?.message ?? pass.summary}`);
  for (const u of pass?.unhealthy ?? [])
    if (u.state === 'crash-looping' || u.state === 'rolled-back' || !u.pending)
      out.push(`${u.name} ${u.state}${u.reason ? `: ${u.reason}` : ''}`);
  if (status.newest && status.newest.fate === 'rejected')
    out.push(
      `revision ${status.newest.commit?.slice(0, 7) ?? '(directory)'} rejected: ${status.newest.errors.map((e) => e.message).join('; ')}`,
    );
  if (status.newest && status.newest.fate === 'held')
    out.push(`revision held: it would remove ${status.newest.wouldRemove.join(', ')}`);
  for (const s of services.services)
    for (const c of s.components)
      if (s.active && BAD_STATES.has(c.state) && !c.activity) out.push(`drift: ${c.instance} is ${c.state}`);
  if (services.runtimeError) out.push(`the runtime cannot be observed: ${services.runtimeError}`);
  for (const x of status.suspensions ?? [])
    out.push(`${suspensionText(x)}: MCP repairs and changes nothing there until mcp resume`);
  return out;
};

const HEALS = new Set(['created', 'recreated', 'started', 'adopted']);

/** " (drift, healed)" on the event that put a drifted instance back, " (drift)" on one that did not. */
const driftNote = (e: EventRecord): string =>
  e.data?.drift !== true ? '' : HEALS.has(e.kind) ? ' (drift, healed)' : ' (drift)';

const facts = (pairs: [string, string][]): HTMLElement =>
  el('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

const renderNode = (
  node: string,
  status: StatusAnswer,
  services: ServicesAnswer,
  events: EventRecord[],
): HTMLElement => {
  const section = el('section', { class: 'node', 'aria-labelledby': `node-${node}` });
  const pass = status.lastPass;
  const nodeSuspended = (status.suspensions ?? []).some((x) => x.scope === 'node');
  section.append(
    el(
      'h2',
      { id: `node-${node}` },
      `${node}: ${pass?.result ?? 'no pass yet'}${nodeSuspended ? ' (suspended)' : ''}`,
    ),
  );
  const problems = troubles(status, services);
  if (problems.length)
    section.append(
      el(
        'div',
        { class: 'alert', role: 'alert' },
        el('strong', {}, 'Needs attention'),
        el('ul', {}, ...problems.map((p) => el('li', {}, p))),
      ),
    );
  const newest = status.newest;
  section.append(
    facts([
      ['revision in force', status.revision?.slice(0, 12) ?? (status.applied ? '(directory)' : 'none yet')],
      ['newest seen', newest ? `${newest.commit?.slice(0, 12) ?? '(directory)'}: ${newest.fate}` : '-'],
      ['last pass', pass ? `${pass.result}, ${ago(pass.at)}, ${pass.durationMs} ms: ${pass.summary}` : '-'],
      ['next pass', status.nextPass ? `${untilText(status.nextPass)} (periodic; sooner on a change)` : '-'],
      [
        'applying',
        status.applying
          ? `${status.applying.commit?.slice(0, 12) ?? '(directory)'} since ${ago(status.applying.since)}`
          : 'nothing',
      ],
      ['source', `${status.source}${status.trust ? `, ${status.trust}` : ''}`],
      ...(status.vm ? ([['VMs', accelText(status.vm)]] as [string, string][]) : []),
    ]),
  );
  for (const s of services.services) {
    section.append(
      el('h3', {}, `${s.name}${s.active ? '' : ' (inactive)'}${s.suspended ? ' (suspended)' : ''}`),
    );
    const rows = s.components.map((c) => {
      const state = `${c.state}${c.activity ? `, ${c.activity.phase} since ${ago(c.activity.since)}` : ''}`;
      const bad = s.active && BAD_STATES.has(c.state);
      return el(
        'tr',
        {},
        el('td', { 'data-label': 'component' }, c.name),
        el(
          'td',
          { 'data-label': 'state', ...(bad ? { class: 'bad' } : {}) },
          bad ? `${state} (drift)` : state,
        ),
        el('td', { 'data-label': 'health' }, `${c.health}${c.healthNote ? `: ${c.healthNote}` : ''}`),
        el('td', { 'data-label': 'kind' }, c.kind),
        el(
          'td',
          { 'data-label': 'ports' },
          [...(c.address ? [`address ${c.address}`] : []), ...(c.ports ?? [])].join(', ') || '-',
        ),
        el(
          'td',
          { 'data-label': 'uptime' },
          c.startedAt ? `up ${ago(c.startedAt).replace(/ ago$/, '')}` : '-',
        ),
        el('td', { 'data-label': 'image' }, c.image),
      );
    });
    const head = el(
      'tr',
      {},
      ...['component', 'state', 'health', 'kind', 'ports', 'uptime', 'image'].map((h) =>
        el('th', { scope: 'col' }, h),
      ),
    );
    section.append(
      el('div', { class: 'wrap' }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows))),
    );
    const mine = new Set(s.components.map((c) => c.instance));
    const recent = events.filter((e) => e.name && (mine.has(e.name) || e.name === s.name)).slice(0, 5);
    if (recent.length)
      section.append(
        el(
          'ul',
          { class: 'events', 'aria-label': `last events of ${s.name}` },
          ...recent.map((e) => el('li', {}, `${ago(e.at)} ${e.kind} ${e.name}: ${e.message}${driftNote(e)}`)),
        ),
      );
  }
  return section;
};

const renderDown = (node: string, message: string): HTMLElement =>
  el(
    'section',
    { class: 'node down', 'aria-labelledby': `node-${node}` },
    el('h2', { id: `node-${node}` }, `${node}: unreachable`),
    el('p', { role: 'alert' }, `cannot reach the agent: ${message}`),
  );

/** One node's section, or a refusal of the token. */
const sectionOf = async (node: string): Promise<HTMLElement | 'refused'> => {
  const [status, services, events] = await Promise.all([
    ask<StatusAnswer>(node, '/v1/status'),
    ask<ServicesAnswer>(node, '/v1/services'),
    ask<{ events: EventRecord[] }>(node, '/v1/events?limit=100'),
  ]);
  if (!status.ok && (status.status === 401 || status.status === 403) && config.mode === 'node')
    return 'refused';
  if (!status.ok) return renderDown(node, status.message);
  if (!services.ok) return renderDown(node, services.message);
  return renderNode(node, status.body, services.body, events.ok ? events.body.events : []);
};

let rendering = false;
let again = false;

const render = async (): Promise<void> => {
  if (rendering) {
    again = true;
    return;
  }
  rendering = true;
  try {
    const sections = await Promise.all(config.nodes.map(sectionOf));
    if (sections.includes('refused')) return showLogin('the agent refused this token');
    $('nodes').replaceChildren(...(sections as HTMLElement[]));
    $('live').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } finally {
    rendering = false;
    if (again) {
      again = false;
      void render();
    }
  }
};

/** Follows a node's event stream; each message renders again (at most once per 200 ms). */
const follow = async (node: string): Promise<void> => {
  let timer: number | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => void render(), 200);
  };
  for (;;) {
    try {
      const res = await fetch(`${base(node)}/v1/events/stream`, { headers: headers(), cache: 'no-store' });
      if (res.status === 401 || res.status === 403) return;
      if (res.ok && res.body) {
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          const messages = buffer.split('\n\n');
          buffer = messages.pop() ?? '';
          if (messages.some((m) => m.split('\n').some((l) => l.startsWith('data:')))) soon();
        }
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 2000));
    soon();
  }
};

const showLogin = (why = ''): void => {
  sessionStorage.removeItem(TOKEN_KEY);
  $('nodes').replaceChildren();
  $('login-error').textContent = why;
  $('login').hidden = false;
  $('live').textContent = 'a read token is needed';
};

const start = (): void => {
  $('login').hidden = true;
  void render().then(() => {
    if ($('login').hidden) for (const node of config.nodes) void follow(node);
  });
};

const main = async (): Promise<void> => {
  config = (await (await fetch('/ui/config.json', { cache: 'no-store' })).json()) as PageConfig;
  document.title = config.mode === 'fleet' ? 'MCP fleet status' : `MCP status: ${config.nodes[0]}`;
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $<HTMLInputElement>('token');
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    start();
  });
  if (config.mode === 'node' && !sessionStorage.getItem(TOKEN_KEY)) showLogin();
  else start();
};

void main();
