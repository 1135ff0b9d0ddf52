import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';

/**
 * The house rules on who may import what (README "Where things live"), as
 * `no-restricted-imports` groups. ESLint gives a file one `no-restricted-imports` setting
 * (a later block replaces an earlier one), so each block below covers a disjoint set of
 * files and lists every group that applies to it.
 */
const group = (message, ...patterns) => patterns.map((p) => ({ group: [p], message }));
const SERVER = group('Packages and the client never import the server.', '@menteo/server', '**/server/**');
const CLIENT_ONLY_SHARED = group('The client imports only @menteo/protocol, @menteo/room-doc and libraries.', '@menteo/db', '**/packages/**');
const TRANSPORT_LIBS = group(
  'Only server/src/transport/ imports express, ws and socket.io (STYLE rule 1).',
  'express',
  'ws',
  'socket.io',
  '@socket.io/*',
);
const DRIZZLE = group('Only persistence/ and packages/db touch drizzle; call a @menteo/db function.', 'drizzle-orm', 'drizzle-orm/*');
const REDIS = group('Only bus/Redis* touches the Redis client.', 'redis', '@redis/*');
const ROOM_CORE = group(
  'The room core (server/src/rooms) does no I/O: no database, persistence, transport or Redis. It gets them as interfaces.',
  '@menteo/db',
  '**/persistence/**',
  '**/transport/**',
  '**/bus/Redis*',
);
const ROUTES = group(
  'Routes parse input, call a service and shape the answer: the database is the service’s business (STYLE rule 17).',
  '@menteo/db',
);
const restrict = (files, ignores, ...groups) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns: groups.flat() }] },
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'drizzle/**', '**/.turbo/**', '**/test/lint-fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // House rule: no empty catch; say why an error is ignored.
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },

  // No import cycles anywhere. Only our own modules are followed (ignoreExternal), which keeps
  // `npm run lint` fast; workspace packages resolve to their TypeScript sources.
  {
    files: ['**/*.ts', '**/*.js', '**/*.svelte'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.svelte', '.json'] })],
      'import-x/extensions': ['.ts', '.js', '.svelte'],
      // Imported modules are parsed for the cycle check as TypeScript, not by the parser of the
      // file being linted (svelte-eslint-parser cannot read a .ts module). Components are not
      // followed (parsing them needs the Svelte block's own parser options), so a cycle that
      // runs through a component is not caught.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.js', '.mjs'] },
      'import-x/ignore': ['\\.svelte$'],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },

  // Who may import what. Tests beside the room core wire real parts, so they are exempt
  // from the room-core group only.
  restrict(['packages/*/src/**'], [], SERVER),
  // Client tests may start a real server through the server's test harness.
  restrict(['client/src/**'], ['client/src/**/*.test.ts'], SERVER, CLIENT_ONLY_SHARED),
  restrict(['server/src/rooms/**'], ['server/src/rooms/**/*.test.ts'], ROOM_CORE, TRANSPORT_LIBS, DRIZZLE, REDIS),
  restrict(['server/src/rooms/**/*.test.ts'], [], TRANSPORT_LIBS, DRIZZLE, REDIS),
  restrict(['server/src/transport/http/**'], [], ROUTES, DRIZZLE, REDIS),
  restrict(['server/src/transport/**'], ['server/src/transport/http/**'], DRIZZLE, REDIS),
  restrict(['server/src/persistence/**'], [], TRANSPORT_LIBS, REDIS),
  restrict(['server/src/bus/Redis*'], [], TRANSPORT_LIBS, DRIZZLE),
  restrict(
    ['server/src/**'],
    ['server/src/rooms/**', 'server/src/transport/**', 'server/src/persistence/**', 'server/src/bus/Redis*'],
    TRANSPORT_LIBS,
    DRIZZLE,
    REDIS,
  ),
);
