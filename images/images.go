// Package images holds the Dockerfiles the container backends build locally; they are embedded
// so a build needs only the binary and a Docker engine, never a registry.
package images

import _ "embed"

// Zonemesh is the Dockerfile of the zonemesh image: FROM scratch, the static binary copied to
// /zonemesh as the entrypoint. Its build context holds exactly two files: Dockerfile and zonemesh.
//
//go:embed zonemesh/Dockerfile
var Zonemesh []byte
