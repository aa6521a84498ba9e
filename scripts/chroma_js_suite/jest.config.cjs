// Jest config for scripts/chroma_js_suite.sh: Chroma's own settings (jest.config.ts of
// clients/new-js/packages/chromadb) with its globalSetup, which builds and starts a Chroma
// server, replaced by one that points the tests at a running server. The script copies the
// package's src/ and test/ into ./chromadb next to this file, so that Node and TypeScript
// resolve the pinned packages from ./node_modules.
module.exports = {
  rootDir: `${__dirname}/chromadb`,
  testEnvironment: "jest-environment-node-single-context",
  transform: { "^.+\\.tsx?$": ["ts-jest", { tsconfig: `${__dirname}/tsconfig.json` }] },
  clearMocks: true,
  collectCoverage: false,
  testTimeout: 15000,
  globalSetup: `${__dirname}/global-setup.cjs`,
  globalTeardown: `${__dirname}/global-teardown.cjs`,
};
