/** Names with control or bidirectional characters are shown escaped in every output (issue 21 point 6). */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeName, escapeText, jsonText } from '../../src/report/escape.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';

// Anything a terminal acts on: C0/C1 controls (ESC among them), DEL, bidi marks, overrides and isolates, separators.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const RED = 'red\u001b[31mname.txt';
const REVERSED = 'photo\u202egnp.exe';

describe('escaping names for output', () => {
  it('escapes controls and bidi characters, and keeps everything else', () => {
    expect(escapeName(RED)).toBe('red\\x1b[31mname.txt');
    expect(escapeName(REVERSED)).toBe('photo\\u202egnp.exe');
    expect(escapeName('a\nb\u0085c\u2066d')).toBe('a\\x0ab\\x85c\\u2066d');
    expect(escapeName('Ünïcødé/日本.txt')).toBe('Ünïcødé/日本.txt');
    expect(escapeText('line one\nline\ttwo')).toBe('line one\nline\\x09two');
  });

  it('JSON keeps the value and escapes what JSON.stringify leaves raw', () => {
    const value = { name: `${RED}|${REVERSED}|\u0085|\u2028` };
    const text = jsonText(value);
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual(value);
  });

  describe('through plan, upload and verify (CLI, Azurite)', () => {
    const storage = useAzurite();
    const tempDir = useTempDirs();
    const noRaw = (result: { stdout: string; stderr: string }) => {
      expect(result.stdout).not.toMatch(RAW);
      expect(result.stderr).not.toMatch(RAW);
    };

    it('shows them escaped in findings, summaries, JSON and the lists of verify', async () => {
      const dir = await tempDir();
      await writeTree(dir, { 'storage/default/ok.txt': 'ok', [`storage/default/${REVERSED}`]: 'bidi' });
      await writeFile(path.join(dir, 'storage/default', RED), 'esc');
      const url = await storage.containerSasUrl('escaped-names');

      // The ESC name is refused before anything is sent: the finding names it escaped.
      for (const args of [['plan', dir, '--storage-only'], ['plan', dir, '--storage-only', '--json'], ['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress'], ['upload', dir, '--storage-only', '--storage-sas-url', url, '--json']]) {
        const result = await runCli(args);
        expect(result.exitCode, args.join(' ')).toBe(2);
        noRaw(result);
        // JSON.stringify writes ESC as \u001b; the text renderers as \x1b.
        expect(result.stdout + result.stderr).toContain(args.includes('--json') ? 'red\\u001b[31mname.txt' : 'red\\x1b[31mname.txt');
      }

      // Without it, the bidi name is uploaded and listed; plan and upload say it escaped.
      await rm(path.join(dir, 'storage/default', RED));
      const plan = await runCli(['plan', dir, '--storage-only']);
      expect(plan.exitCode).toBe(0);
      noRaw(plan);
      const upload = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress']);
      expect(upload.exitCode).toBe(0);
      noRaw(upload);

      // A second such file not uploaded yet: verify lists it as missing, escaped, in text and in JSON.
      await writeFile(path.join(dir, 'storage/default', `second${REVERSED}`), 'two');
      const verify = await runCli(['verify', dir, '--storage-only', '--storage-sas-url', url]);
      expect(verify.exitCode).not.toBe(0);
      noRaw(verify);
      expect(verify.stdout).toContain('secondphoto\\u202egnp.exe');
      const json = await runCli(['verify', dir, '--storage-only', '--storage-sas-url', url, '--json']);
      noRaw(json);
      expect(JSON.parse(json.stdout).missing).toEqual([`default/second${REVERSED}`]);
    });
  });
});
