/** What the page needs from the server; embedded as JSON, never as markup. */
export interface ConsolePageConfig {
  nonce: string;
  people: ReadonlyArray<{ id: string; name: string }>;
  channel: { id: string; name: string };
  bot: { id: string; name: string };
}

/** The console page: one HTML document with its CSS and vanilla JS inline (works offline, no build step). */
export function renderConsolePage(config: ConsolePageConfig): string {
  const { nonce, ...data } = config;
  // `<` escaped so the JSON can never close the script element it sits in.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>s3x console</title>
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head>
<body>
<div class="app">
  <aside class="sidebar">
    <div class="workspace">s3x console</div>
    <div class="section-title">Channels</div>
    <div class="channel active" id="channel-name"></div>
    <div class="section-title">You are</div>
    <div id="people" role="radiogroup" aria-label="Person"></div>
    <p class="hint">Switch person to see what each one sees: ephemeral answers are only visible to the person who asked.</p>
  </aside>
  <main class="main">
    <header class="channel-header"><span id="channel-title"></span><span class="status" id="status" data-testid="status">connecting…</span></header>
    <div class="banner" id="error-banner" data-testid="error-banner" role="alert" hidden><span id="error-text"></span><button type="button" id="error-close" aria-label="Dismiss">×</button></div>
    <div class="messages" id="messages" data-testid="messages" aria-live="polite"></div>
    <form class="composer" id="composer-form" autocomplete="off">
      <input id="composer" data-testid="composer" placeholder="/s3x help" aria-label="Message">
      <button type="submit" class="send">Send</button>
    </form>
  </main>
</div>
<div class="overlay" id="confirm" hidden><div class="dialog" role="dialog" aria-modal="true" data-testid="confirm">
  <h2 id="confirm-title"></h2><div id="confirm-text" class="mrkdwn"></div>
  <div class="dialog-buttons"><button type="button" id="confirm-cancel" data-testid="confirm-cancel"></button><button type="button" id="confirm-ok" data-testid="confirm-ok" class="primary"></button></div>
</div></div>
<div class="overlay" id="modal-overlay" hidden><div class="dialog modal" role="dialog" aria-modal="true" data-testid="modal">
  <h2 id="modal-title"></h2><div id="modal-body"></div>
  <div class="dialog-buttons"><button type="button" id="modal-close" data-testid="modal-close"></button></div>
</div></div>
<script type="application/json" id="console-config">${json}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>`;
}

const PAGE_STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.46 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1c1d; }
button { font: inherit; cursor: pointer; }
.app { display: flex; height: 100vh; }
.sidebar { width: 240px; background: #3f0e40; color: #cfc3cf; padding: 12px; flex-shrink: 0; overflow-y: auto; }
.workspace { color: #fff; font-weight: 700; font-size: 18px; margin-bottom: 16px; }
.section-title { margin: 14px 0 6px; font-size: 13px; opacity: .8; }
.channel { padding: 4px 8px; border-radius: 6px; }
.channel.active { background: #1164a3; color: #fff; }
.person { display: block; width: 100%; text-align: left; background: none; border: 0; color: inherit; padding: 5px 8px; border-radius: 6px; }
.person[aria-checked="true"] { background: #1164a3; color: #fff; }
.person:hover { background: #350d36; }
.hint { font-size: 12px; opacity: .7; }
.main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
.channel-header { padding: 12px 20px; border-bottom: 1px solid #ddd; font-weight: 700; display: flex; justify-content: space-between; }
.status { font-weight: 400; font-size: 12px; color: #616061; }
.banner { background: #fde7e9; color: #8b0a1a; border-bottom: 1px solid #e8a0a8; padding: 8px 20px; display: flex; justify-content: space-between; gap: 12px; }
.banner[hidden] { display: none; }
.banner button { background: none; border: 0; font-size: 18px; color: inherit; }
.messages { flex: 1; overflow-y: auto; padding: 12px 0; }
.empty { color: #616061; padding: 20px; }
.message { padding: 8px 20px; display: flex; gap: 10px; }
.message:hover { background: #f8f8f8; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff; display: flex; align-items: center; justify-content: center; font-weight: 700; flex-shrink: 0; }
.avatar.bot { background: #2eb67d; }
.body { min-width: 0; flex: 1; }
.meta { display: flex; gap: 8px; align-items: baseline; }
.author { font-weight: 700; }
.tag { font-size: 10px; background: #e8e8e8; color: #616061; padding: 0 4px; border-radius: 3px; font-weight: 700; }
.time { font-size: 12px; color: #616061; }
.only-you { font-size: 12px; color: #616061; margin-top: 2px; }
.ephemeral { background: #f4f8fc; }
.thread { margin: 6px 0 0 10px; border-left: 3px solid #ddd; padding-left: 8px; }
.thread .message { padding: 6px 0; }
.replies { font-size: 13px; color: #1264a3; font-weight: 700; margin-top: 4px; background: none; border: 0; padding: 0; }
.mrkdwn { white-space: pre-wrap; overflow-wrap: anywhere; }
.mrkdwn code { font: 12px Menlo, Consolas, monospace; background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 1px 3px; color: #e01e5a; }
.mrkdwn pre { font: 12px/1.5 Menlo, Consolas, monospace; background: #f8f8f8; border: 1px solid #ddd; border-radius: 4px; padding: 8px; margin: 4px 0; white-space: pre-wrap; overflow-x: auto; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
.block { margin: 4px 0; }
.header { font-size: 18px; font-weight: 900; margin: 6px 0; }
.section { display: flex; gap: 12px; align-items: flex-start; justify-content: space-between; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.context { font-size: 12px; color: #616061; display: flex; flex-wrap: wrap; gap: 8px; }
.divider { border: 0; border-top: 1px solid #ddd; margin: 8px 0; }
table.table { border-collapse: collapse; margin: 4px 0; font-size: 13px; }
table.table th, table.table td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
table.table th { background: #f4f4f4; }
table.table td.right { text-align: right; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
.section-main { flex: 1; min-width: 0; }
.btn { white-space: nowrap; flex-shrink: 0; background: #fff; border: 1px solid #bbb; border-radius: 4px; padding: 3px 12px; font-size: 13px; font-weight: 700; color: #1d1c1d; }
.btn:hover { background: #f6f6f6; }
.btn.primary, button.primary { background: #007a5a; color: #fff; border: 1px solid #007a5a; }
.btn.danger, button.danger { background: #e01e5a; color: #fff; border: 1px solid #e01e5a; }
.btn:disabled { opacity: .5; cursor: default; }
.unsupported { color: #616061; font-style: italic; font-size: 13px; }
.file { display: inline-block; border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; margin-top: 4px; }
.composer { display: flex; gap: 8px; padding: 12px 20px 20px; }
.composer input { flex: 1; padding: 10px 12px; border: 1px solid #bbb; border-radius: 6px; font: inherit; }
.send { border: 0; background: #007a5a; color: #fff; border-radius: 6px; padding: 0 16px; }
.overlay { position: fixed; inset: 0; background: rgba(0,0,0,.45); display: flex; align-items: center; justify-content: center; }
.overlay[hidden] { display: none; }
.dialog { background: #fff; border-radius: 8px; padding: 20px 24px; width: min(520px, 92vw); max-height: 86vh; overflow-y: auto; box-shadow: 0 8px 30px rgba(0,0,0,.3); }
.dialog.modal { width: min(720px, 94vw); }
.dialog h2 { margin: 0 0 12px; font-size: 20px; }
.dialog-buttons { display: flex; justify-content: flex-end; gap: 8px; margin-top: 16px; }
.dialog-buttons button { border: 1px solid #bbb; background: #fff; color: #1d1c1d; border-radius: 4px; padding: 6px 14px; font-weight: 700; }
/* After the rule above, and as specific: a dialog's primary or danger button keeps its colours. */
.dialog-buttons button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.dialog-buttons button.danger { background: #e01e5a; color: #fff; border-color: #e01e5a; }
.typed { width: 100%; box-sizing: border-box; min-height: 44px; padding: 6px 8px; border: 1px solid #bbb; border-radius: 4px; font: inherit; }
`;

// Vanilla JS, no innerHTML: every piece of text from the bot goes through textContent.
const PAGE_SCRIPT = String.raw`
'use strict';
(() => {
  const config = JSON.parse(document.getElementById('console-config').textContent);
  const names = new Map(config.people.map((p) => [p.id, p.name]));
  names.set(config.bot.id, config.bot.name);
  const messages = new Map();
  const closedViews = new Set();
  const typed = new Map();
  let current = config.people[0].id;
  let openView = null;
  let pendingConfirm = null;

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  // ---- mrkdwn -------------------------------------------------------------------------------
  const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const SAFE_URL = /^(https?:|mailto:|\/)/i;
  // The shortcodes s3x uses (unknown ones stay as typed, as in Slack without the emoji).
  const EMOJI = { white_check_mark: '✅', x: '❌', warning: '⚠️', lock: '🔒', rotating_light: '🚨', no_entry_sign: '🚫',
    no_entry: '⛔', memo: '📝', mag: '🔍', hourglass_flowing_sand: '⏳', hourglass: '⌛', gear: '⚙️', eyes: '👀', tada: '🎉',
    leftwards_arrow_with_hook: '↩️' };
  const emoji = (s) => s.replace(/:([a-z0-9_+-]+):/g, (code, name) => EMOJI[name] || code);
  const textNode = (s) => document.createTextNode(emoji(decode(s)));

  function mrkdwn(text, parent) {
    const parts = String(text).split('\x60\x60\x60');
    parts.forEach((part, i) => {
      if (i % 2 === 1 && i < parts.length - 1) parent.appendChild(el('pre', '', decode(part.replace(/^\n/, ''))));
      else inline(i % 2 === 1 ? '\x60\x60\x60' + part : part, parent);
    });
    return parent;
  }

  const INLINE = /(\x60[^\x60\n]+\x60)|(<[^<>\n]+>)|((?<![\w*])\*(?!\s)[^*\n]+?(?<!\s)\*(?![\w*]))|((?<![\w_])_(?!\s)[^_\n]+?(?<!\s)_(?![\w_]))|((?<![\w~])~(?!\s)[^~\n]+?(?<!\s)~(?![\w~]))/;

  function inline(text, parent) {
    let rest = text;
    while (rest) {
      const match = INLINE.exec(rest);
      if (!match) { parent.appendChild(textNode(rest)); return; }
      if (match.index > 0) parent.appendChild(textNode(rest.slice(0, match.index)));
      const token = match[0];
      const inner = token.slice(1, -1);
      if (match[1]) parent.appendChild(el('code', '', decode(inner)));
      else if (match[2]) parent.appendChild(angle(inner));
      else inline(inner, parent.appendChild(el(match[3] ? 'b' : match[4] ? 'i' : 's')));
      rest = rest.slice(match.index + token.length);
    }
  }

  function angle(inner) {
    const bar = inner.indexOf('|');
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? '' : inner.slice(bar + 1);
    if (target.startsWith('@')) {
      const id = target.slice(1);
      return el('span', 'mention', '@' + (names.get(id) || decode(label) || id));
    }
    if (target.startsWith('#')) return el('span', 'mention', '#' + decode(label || (target.slice(1) === config.channel.id ? config.channel.name : target.slice(1))));
    if (target.startsWith('!')) {
      const special = target.slice(1).split('^')[0];
      return el('span', 'mention', label ? decode(label) : '@' + (special.startsWith('subteam') ? 'group' : special));
    }
    const url = decode(target);
    if (!SAFE_URL.test(url)) return document.createTextNode(decode(label || target));
    const a = el('a', '', decode(label || target));
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  const textObject = (obj, parent) => {
    if (!obj) return parent;
    if (obj.type === 'mrkdwn') { parent.classList.add('mrkdwn'); return mrkdwn(obj.text || '', parent); }
    parent.textContent = obj.emoji === false ? obj.text || '' : emoji(obj.text || '');
    return parent;
  };

  // ---- Block Kit ----------------------------------------------------------------------------
  function renderBlocks(blocks, parent, ctx) {
    for (const block of blocks) {
      try { parent.appendChild(renderBlock(block, ctx)); }
      catch { parent.appendChild(el('div', 'unsupported', '[block could not be shown]')); }
    }
  }

  function renderBlock(block, ctx) {
    const box = el('div', 'block ' + (block.type || ''));
    switch (block.type) {
      case 'header': return textObject(block.text, box);
      case 'divider': return el('hr', 'divider');
      case 'section': {
        const main = box.appendChild(el('div', 'section-main'));
        if (block.text) textObject(block.text, main.appendChild(el('div')));
        if (Array.isArray(block.fields)) {
          const grid = main.appendChild(el('div', 'fields'));
          for (const field of block.fields) textObject(field, grid.appendChild(el('div')));
        }
        if (block.accessory) box.appendChild(element(block.accessory, block, ctx));
        return box;
      }
      case 'context':
        for (const item of block.elements || []) box.appendChild(item.type === 'image' ? imageLink(item) : textObject(item, el('span')));
        return box;
      case 'actions':
        for (const item of block.elements || []) box.appendChild(element(item, block, ctx));
        return box;
      case 'image': return imageLink(block);
      case 'rich_text': return richText(block.elements || [], box);
      case 'table': return table(block);
      case 'input': {
        textObject(block.label, box.appendChild(el('div', 'author')));
        if (block.element?.type !== 'plain_text_input' || !ctx.message) {
          box.appendChild(el('div', 'unsupported', '[input: not supported in the console]'));
          return box;
        }
        // What was typed survives re-renders, and goes with the message's button clicks (as Slack's state.values).
        const key = typedKey(ctx.message, block.block_id, block.element.action_id);
        const field = el(block.element.multiline ? 'textarea' : 'input', 'typed');
        field.dataset.testid = 'input-' + (block.block_id || '');
        field.setAttribute('aria-label', block.label?.text || 'input');
        if (block.element.placeholder?.text) field.placeholder = block.element.placeholder.text;
        if (block.element.max_length) field.maxLength = block.element.max_length;
        field.value = typed.get(key) || '';
        field.addEventListener('input', () => typed.set(key, field.value));
        box.appendChild(field);
        return box;
      }
      default:
        if (block.text) return textObject(block.text, box);
        return el('div', 'unsupported', '[' + (block.type || 'unknown') + ' block]');
    }
  }

  // Slack's table block: the first row is the heading; cells are raw_text, raw_number or rich_text.
  function table(block) {
    const node = el('table', 'table');
    const settings = block.column_settings || [];
    (block.rows || []).forEach((row, r) => {
      const tr = node.appendChild(el('tr'));
      row.forEach((cell, c) => {
        const td = tr.appendChild(el(r === 0 ? 'th' : 'td', settings[c]?.align === 'right' ? 'right' : ''));
        if (cell.type === 'rich_text') richText(cell.elements || [], td);
        else td.textContent = String(cell.text ?? '');
      });
    });
    return node;
  }

  function imageLink(image) {
    const url = String(image.image_url || '');
    const label = '🖼 ' + (image.title?.text || image.alt_text || 'image');
    if (!SAFE_URL.test(url)) return el('span', '', label);
    const a = el('a', '', label);
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  function richText(elements, parent) {
    for (const item of elements) {
      if (item.type === 'rich_text_preformatted') { parent.appendChild(el('pre', 'mrkdwn', plain(item.elements))); continue; }
      if (item.type === 'rich_text_list') { for (const entry of item.elements || []) parent.appendChild(el('div', 'mrkdwn', '• ' + plain(entry.elements))); continue; }
      parent.appendChild(el('div', 'mrkdwn', plain(item.elements)));
    }
    return parent;
  }

  function plain(elements) {
    return (elements || []).map((e) => {
      if (e.type === 'text') return e.text || '';
      if (e.type === 'link') return e.text || e.url || '';
      if (e.type === 'user') return '@' + (names.get(e.user_id) || e.user_id);
      if (e.type === 'channel') return '#' + (e.channel_id === config.channel.id ? config.channel.name : e.channel_id);
      if (e.type === 'emoji') return EMOJI[e.name] || ':' + e.name + ':';
      return '';
    }).join('');
  }

  function element(item, block, ctx) {
    if (item.type === 'image') return imageLink(item);
    if (item.type !== 'button') return el('span', 'unsupported', '[' + item.type + ': not supported in the console]');
    const button = el('button', 'btn' + (item.style ? ' ' + item.style : ''), item.text?.text || '');
    button.type = 'button';
    button.dataset.testid = 'button-' + item.action_id;
    if (!ctx.message) { button.disabled = true; button.title = 'Buttons in modals are not supported in the console'; return button; }
    button.addEventListener('click', () => {
      if (item.url && SAFE_URL.test(item.url)) window.open(item.url, '_blank', 'noopener');
      const send = () => sendAction(ctx.message, item, block);
      if (item.confirm) askConfirm(item.confirm, send);
      else send();
    });
    return button;
  }

  // ---- dialogs ------------------------------------------------------------------------------
  function askConfirm(confirm, onYes) {
    $('confirm-title').textContent = confirm.title?.text || 'Are you sure?';
    const text = $('confirm-text');
    text.replaceChildren();
    mrkdwn(confirm.text?.text || '', text);
    $('confirm-ok').textContent = confirm.confirm?.text || 'Yes';
    $('confirm-ok').className = confirm.style === 'danger' ? 'danger' : 'primary';
    $('confirm-cancel').textContent = confirm.deny?.text || 'Cancel';
    pendingConfirm = onYes;
    $('confirm').hidden = false;
    $('confirm-ok').focus();
  }
  $('confirm-ok').addEventListener('click', () => { $('confirm').hidden = true; const go = pendingConfirm; pendingConfirm = null; go?.(); });
  $('confirm-cancel').addEventListener('click', () => { $('confirm').hidden = true; pendingConfirm = null; });

  function showModal(event) {
    if (event.userId !== current || closedViews.has(event.viewId)) return;
    if (openView && openView !== event.viewId) closedViews.add(openView);
    openView = event.viewId;
    const view = event.view || {};
    $('modal-title').textContent = view.title?.text || '';
    const body = $('modal-body');
    body.replaceChildren();
    renderBlocks(view.blocks || [], body, {});
    $('modal-close').textContent = view.close?.text || 'Close';
    $('modal-overlay').hidden = false;
  }
  function closeModal() {
    if (openView) closedViews.add(openView);
    openView = null;
    $('modal-overlay').hidden = true;
  }
  $('modal-close').addEventListener('click', closeModal);
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (!$('confirm').hidden) $('confirm-cancel').click();
    else if (!$('modal-overlay').hidden) closeModal();
  });

  // ---- errors -------------------------------------------------------------------------------
  function showError(text) {
    $('error-text').textContent = text;
    $('error-banner').hidden = false;
  }
  $('error-close').addEventListener('click', () => { $('error-banner').hidden = true; });

  // ---- messages -----------------------------------------------------------------------------
  const visible = (m) => !m.visibleTo || m.visibleTo === current;

  function renderMessage(m) {
    const row = el('div', 'message' + (m.visibleTo ? ' ephemeral' : ''));
    row.dataset.testid = 'message';
    row.dataset.ts = m.ts;
    const bot = m.author === config.bot.id;
    const name = names.get(m.author) || m.author;
    row.appendChild(el('div', 'avatar' + (bot ? ' bot' : ''), name.slice(0, 1).toUpperCase()));
    const body = row.appendChild(el('div', 'body'));
    const meta = body.appendChild(el('div', 'meta'));
    meta.appendChild(el('span', 'author', name));
    if (bot) meta.appendChild(el('span', 'tag', 'APP'));
    meta.appendChild(el('span', 'time', new Date(Number(m.ts) * 1000).toLocaleTimeString()));
    const content = body.appendChild(el('div', 'content'));
    try {
      if (Array.isArray(m.blocks) && m.blocks.length > 0) renderBlocks(m.blocks, content, { message: m });
      else mrkdwn(m.text || '', content.appendChild(el('div', 'mrkdwn')));
    } catch {
      content.appendChild(el('div', 'unsupported', m.text || '[message could not be shown]'));
    }
    for (const file of m.files || []) {
      const box = body.appendChild(el('div', 'file'));
      const a = box.appendChild(el('a', '', '📄 ' + file.name));
      a.href = file.url;
      a.download = file.name;
      a.dataset.testid = 'file-link';
    }
    if (m.visibleTo) body.appendChild(el('div', 'only-you', 'Only visible to you'));
    return row;
  }

  function render() {
    const list = $('messages');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const shown = [...messages.values()].filter(visible).sort((a, b) => Number(a.ts) - Number(b.ts));
    const replies = new Map();
    for (const m of shown) {
      if (m.threadTs && m.threadTs !== m.ts && messages.has(m.threadTs)) {
        if (!replies.has(m.threadTs)) replies.set(m.threadTs, []);
        replies.get(m.threadTs).push(m);
      }
    }
    const nodes = [];
    for (const m of shown) {
      if (m.threadTs && m.threadTs !== m.ts && messages.has(m.threadTs)) continue;
      const row = renderMessage(m);
      const thread = replies.get(m.ts);
      if (thread) {
        const body = row.querySelector('.body');
        body.appendChild(el('div', 'replies', thread.length + (thread.length === 1 ? ' reply' : ' replies')));
        const box = body.appendChild(el('div', 'thread'));
        box.dataset.testid = 'thread';
        for (const reply of thread) box.appendChild(renderMessage(reply));
      }
      nodes.push(row);
    }
    if (nodes.length === 0) nodes.push(el('div', 'empty', 'No messages yet. Type /s3x help below.'));
    list.replaceChildren(...nodes);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  // ---- server calls -------------------------------------------------------------------------
  async function call(path, body) {
    try {
      const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) showError('The console refused the request (' + response.status + ').');
    } catch {
      showError('The console is not reachable: is s3x still running?');
    }
  }

  function typedKey(message, blockId, actionId) {
    return [current, message.ts, blockId || '', actionId || ''].join('|');
  }

  /** The message's inputs as Slack sends them with a click: state.values[block_id][action_id].value. */
  function stateOf(message) {
    const values = {};
    for (const block of message.blocks || []) {
      if (block.type !== 'input' || block.element?.type !== 'plain_text_input') continue;
      const value = typed.get(typedKey(message, block.block_id, block.element.action_id));
      values[block.block_id || ''] = { [block.element.action_id || '']: { type: 'plain_text_input', value: value || null } };
    }
    return values;
  }

  function sendAction(message, item, block) {
    return call('/console/action', {
      userId: current,
      channelId: message.channel,
      messageId: message.ts,
      actionId: item.action_id,
      value: item.value || '',
      blockId: block.block_id || '',
      state: stateOf(message),
    });
  }

  $('composer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('composer');
    const text = input.value.trim();
    if (!text) return;
    const match = /^\/s3x(?:\s+([\s\S]*))?$/.exec(text);
    if (!match) { showError('Only the /s3x command works here: try "/s3x help".'); return; }
    input.value = '';
    call('/console/command', { userId: current, channelId: config.channel.id, text: (match[1] || '').trim() });
  });

  // ---- people -------------------------------------------------------------------------------
  function renderPeople() {
    const box = $('people');
    box.replaceChildren(...config.people.map((p) => {
      const b = el('button', 'person', p.name);
      b.type = 'button';
      b.setAttribute('role', 'radio');
      b.setAttribute('aria-checked', String(p.id === current));
      b.dataset.testid = 'person-' + p.id;
      b.addEventListener('click', () => { current = p.id; closeModal(); renderPeople(); render(); });
      return b;
    }));
  }

  // ---- stream -------------------------------------------------------------------------------
  function connect() {
    const stream = new EventSource('/console/stream');
    stream.onopen = () => { $('status').textContent = 'connected'; };
    stream.onerror = () => { $('status').textContent = 'reconnecting…'; showError('Lost the connection to the console; retrying…'); };
    stream.onmessage = (e) => {
      let event;
      try { event = JSON.parse(e.data); } catch { return; }
      if (event.type === 'snapshot') {
        messages.clear();
        for (const m of event.messages) messages.set(m.ts, m);
        if ($('error-text').textContent.startsWith('Lost the connection')) $('error-banner').hidden = true;
        render();
      } else if (event.type === 'message') { messages.set(event.message.ts, event.message); render(); }
      else if (event.type === 'delete') { messages.delete(event.ts); render(); }
      else if (event.type === 'modal') showModal(event);
      else if (event.type === 'error') showError(event.text);
    };
  }

  $('channel-name').textContent = '# ' + config.channel.name;
  $('channel-title').textContent = '# ' + config.channel.name;
  renderPeople();
  render();
  connect();
  $('composer').focus();
})();
`;
