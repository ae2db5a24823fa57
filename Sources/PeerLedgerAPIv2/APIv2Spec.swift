/// APIv2's spec: the text of `openapi.yaml`, embedded at build time (see `EmbedSpec`).
package enum APIv2Spec {}
