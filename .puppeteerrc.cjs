// whatsapp-web.js depends on puppeteer; its install would download Chrome, which this network cannot reach.
// The browser comes from CHROME_PATH (e.g. Debian's /usr/bin/chromium) instead.
module.exports = { skipDownload: true };
