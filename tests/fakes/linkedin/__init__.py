"""A fake LinkedIn for the extension's end-to-end tests: Voyager JSON (messaging GraphQL,
``/me``, identity/dash profiles) in LinkedIn's normalized shape with cursor pagination,
CSRF and cookie checks, 429/401 on demand; messaging pages whose composers (one in the
page, one in the overlay messenger's open shadow root) handle paste like a rich editor;
and a media CDN that, like LinkedIn's, may refuse non-browser clients. Served over https
with a certificate from :mod:`tests.fakes.linkedin.cert`."""
