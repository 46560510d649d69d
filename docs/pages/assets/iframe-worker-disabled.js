// open-r1 labs docs: a deliberate stand-in for the iframe-worker shim.
//
// Material's `offline` plugin adds a shim from a CDN so that search can run when the site is opened from file://
// (browsers allow the search's Web Worker only over http). This site loads nothing from the network, so the shim is
// left out: the plugin adds it only when no polyfill with "iframe-worker" in its name is configured, and this file
// is that polyfill (mkdocs.yml, extra.polyfills). Search works over http — `open-r1 docs serve`, `just docs`.
