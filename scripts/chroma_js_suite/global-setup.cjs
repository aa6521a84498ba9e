// Points the tests at the server in CHROMA_JS_SUITE_URL (started by scripts/chroma_js_suite.sh)
// through the variables Chroma's own globalSetup exports after starting its server.
module.exports = async () => {
  const url = process.env.CHROMA_JS_SUITE_URL;
  if (!url) throw new Error("CHROMA_JS_SUITE_URL is not set (run scripts/chroma_js_suite.sh)");
  const parsed = new URL(url);
  process.env.DEFAULT_CHROMA_INSTANCE_URL = url;
  process.env.DEFAULT_CHROMA_INSTANCE_HOST = parsed.hostname;
  process.env.DEFAULT_CHROMA_INSTANCE_PORT = parsed.port;
};
