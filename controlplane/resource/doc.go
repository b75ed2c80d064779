// Package resource is the mesh's resource model: typed specs for every kind, the envelope that
// carries mesh, name, labels, version, origin zone and times, strict YAML/JSON decoding, and
// validation whose errors name the field path (and the line, for YAML).
package resource
