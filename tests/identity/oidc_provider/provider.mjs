// A real OpenID Connect provider (npm `oidc-provider`) for the single sign-on tests.
// Usage: node provider.mjs PORT REDIRECT_URI; accounts come as JSON in OIDC_TEST_ACCOUNTS
// ({"<login>": {claims}}). Its development login form accepts any password.
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const accounts = JSON.parse(process.env.OIDC_TEST_ACCOUNTS || '{}');

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'motcua',
    client_secret: 'motcua-test-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: { openid: ['sub'], profile: ['name', 'birthdate', 'gender', 'id_number', 'email'] },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, ...(accounts[sub] || {}) }),
  }),
  features: { devInteractions: { enabled: true } },
});
provider.listen(Number(port), '127.0.0.1', () => {
  console.log('READY');
});
